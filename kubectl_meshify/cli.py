"""The `kubectl meshify` command line: parse options, call the pipeline, render, exit."""

from __future__ import annotations

import sys

import typer

from kubectl_meshify import __version__

app = typer.Typer(
    name="kubectl meshify",
    help="Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kubectl-meshify {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report."""


@app.command("version")
def version_cmd() -> None:
    """Print the version of the plugin."""
    typer.echo(f"kubectl-meshify {__version__}")


def main() -> None:
    """Entry point of the `kubectl-meshify` executable; usage lines read `kubectl meshify`."""
    app(prog_name="kubectl meshify", args=sys.argv[1:])
