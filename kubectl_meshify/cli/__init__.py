"""The `kubectl meshify` command line (entry point `kubectl_meshify.cli:main`)."""

from kubectl_meshify.cli.app import app, main

__all__ = ["app", "main"]
