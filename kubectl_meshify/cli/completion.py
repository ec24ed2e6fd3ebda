"""Shell completion of `kubectl meshify ...` through kubectl's plugin completion (kubectl >= 1.26).

kubectl runs the executable `kubectl_complete-meshify` with the words after `meshify`, the last one
being the word under the cursor, and reads Cobra's protocol back: one candidate per line
(`value<TAB>description`), then `:<directive>`. The candidates come from the typer app's own
completion (commands, options, choices, custom completers), so they follow the CLI as it grows.
"""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any

import typer

# click's extension point for new shells; typer vendors click since 0.26 (pinned <0.29 in pyproject.toml).
from typer._click.core import Command, Parameter
from typer._click.shell_completion import (
    CompletionItem,
    ShellComplete,
    _resolve_context,
    _resolve_incomplete,
)
from typer._click.types import StringParamType

# Cobra's ShellCompDirective bits.
DIRECTIVE_ERROR = 1
DIRECTIVE_DEFAULT = 0  # let the shell complete file names
DIRECTIVE_NO_FILE_COMP = 4
DIRECTIVE_FILTER_DIRS = 16  # let the shell complete directory names only


class _KubectlComplete(ShellComplete):
    """click's completion engine with kubectl's output format; driven directly, not through env vars."""

    name = "kubectl"
    source_template = ""
    target: Command | Parameter | None = None  # what the current word belongs to, once resolved

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        # click's own steps, keeping the resolved target: its type decides what an empty answer means.
        ctx = _resolve_context(self.cli, self.ctx_args, self.prog_name, args)
        self.target, incomplete = _resolve_incomplete(ctx, args, incomplete)
        return self.target.shell_complete(ctx, incomplete)

    def source_vars(self) -> dict[str, Any]:
        return {}

    def get_completion_args(self) -> tuple[list[str], str]:
        args = sys.argv[1:] or [""]
        return args[:-1], args[-1]

    def format_completion(self, item: CompletionItem) -> str:
        help_text = " ".join((item.help or "").split())
        return f"{item.value}\t{help_text}" if help_text else str(item.value)


def complete(words: list[str]) -> tuple[list[str], int]:
    """Candidate lines and the Cobra directive for the words after `kubectl meshify`."""
    from kubectl_meshify.cli import app

    *args, incomplete = words or [""]
    engine = _KubectlComplete(typer.main.get_command(app), {}, "kubectl meshify", "")
    # Eager option callbacks (--version) still run while completing; keep their output off the protocol.
    with contextlib.redirect_stdout(io.StringIO()):
        items = engine.get_completions(args, incomplete)
    # click marks "a path goes here" with a typed item instead of candidates: hand that to the shell.
    if any(item.type == "file" for item in items):
        return [], DIRECTIVE_DEFAULT
    if any(item.type == "dir" for item in items):
        return [], DIRECTIVE_FILTER_DIRS
    if (
        not items
        and isinstance(engine.target, Parameter)
        and isinstance(engine.target.type, StringParamType)
        and getattr(engine.target, "_custom_shell_complete", None) is None  # values come from the cluster
    ):
        # A free-text value with nothing to offer (file mode's PATH..., --report FILE): Cobra's default,
        # the shell completes file names.
        return [], DIRECTIVE_DEFAULT
    return [engine.format_completion(item) for item in items], DIRECTIVE_NO_FILE_COMP


def main() -> None:
    """Entry point of `kubectl_complete-meshify`."""
    try:
        lines, directive = complete(sys.argv[1:])
    except (Exception, SystemExit):  # a completer must never print a traceback into the user's prompt
        lines, directive = [], DIRECTIVE_ERROR
    sys.stdout.write("".join(f"{line}\n" for line in lines) + f":{directive}\n")
