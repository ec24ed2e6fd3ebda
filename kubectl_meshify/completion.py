"""Entry point of `kubectl_complete-meshify` (pyproject.toml, the Krew launcher), kept at this path so that
installed launchers keep working; the completion itself is cli/completion.py."""

from kubectl_meshify.cli.completion import main

__all__ = ["main"]
