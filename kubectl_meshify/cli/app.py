"""The `kubectl meshify` application: the typer app, the root options, `version`, and how a command body
runs (user errors become one line on stderr and exit 2, never a traceback). Each command is its own module
(file.py, ns.py, all.py); `kubectl_meshify.cli` registers them.

Nothing here translates; the kubernetes client is never imported at startup (it costs ~0.4 s).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from kubectl_meshify import __version__
from kubectl_meshify.cli.flagforms import FlagError, kubectl_flag_forms
from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode, MeshifyError

app = typer.Typer(
    name="kubectl meshify",
    help="Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class KubectlCommand(TyperCommand):
    """A command that also takes kubectl's `-o=yaml`, `-n=shop` and `--strict=true` forms."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            args = kubectl_flag_forms(args, [p for p in self.params if hasattr(p, "is_flag")])
        except FlagError as err:
            raise typer.BadParameter(str(err), ctx=ctx) from None
        return super().parse_args(ctx, args)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kubectl-meshify {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report."""


@app.command("version")
def version_cmd() -> None:
    """Print the version of the plugin."""
    typer.echo(f"kubectl-meshify {__version__}")


def run_guarded(run: Callable[[], ExitCode]) -> None:
    """Run a command body; user errors become one line on stderr and exit 2, never a traceback."""
    try:
        code = run()
    except MeshifyError as err:
        sys.stderr.write(f"{paint('error:', 'red', 'bold')} {err}\n")
        raise typer.Exit(int(err.exit_code)) from None
    except BrokenPipeError:
        raise typer.Exit(int(ExitCode.OK)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as err:  # a bug: one line for the user; MESHIFY_DEBUG=1 shows the traceback
        if os.environ.get("MESHIFY_DEBUG"):
            raise
        sys.stderr.write(
            f"{paint('error:', 'red', 'bold')} internal error ({type(err).__name__}: {err}); nothing was written."
            " Please report it with the input; MESHIFY_DEBUG=1 shows the traceback.\n"
        )
        raise typer.Exit(int(ExitCode.FAILED)) from None
    raise typer.Exit(int(code))


# What a conversion made, left for the end of the process to free (`leave_to_exit`, `main`); None when
# the commands run inside another program (tests, a library user), which frees them as usual.
_LEFT_TO_EXIT: list[object] | None = None


def leave_to_exit(*objects: object) -> None:
    """Keep a run's objects until the executable ends: freeing the millions of small objects of a large
    run one by one takes a tenth of a second (5% of a 2,000-Ingress run), and the operating system takes
    the memory back at once when the process exits."""
    if _LEFT_TO_EXIT is not None:
        _LEFT_TO_EXIT.extend(objects)


def main() -> None:
    """Entry point of the `kubectl-meshify` executable; usage lines read `kubectl meshify`."""
    global _LEFT_TO_EXIT
    _LEFT_TO_EXIT = []
    try:
        app(prog_name="kubectl meshify", args=sys.argv[1:])
    except SystemExit as exc:
        if not _LEFT_TO_EXIT or not isinstance(exc.code, int):
            raise
        # A conversion ran and its output is written (files are closed and synced as they are written):
        # only the standard streams are still buffered. Then exit without freeing the objects one by one.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):  # a closed pipe (BrokenPipeError) included
                stream.flush()
        os._exit(exc.code)
