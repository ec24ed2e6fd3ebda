"""The exit gates on stderr: each match of `--fail-on` / `--strict` as Ingress, code and one line of message,
then the count; the exit code follows (fail_on.py decides what matches)."""

from __future__ import annotations

import sys

from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode
from kubectl_meshify.fail_on import Gate, matches
from kubectl_meshify.result import MigrationResult

# Longest message shown on a match line; the report has the whole text.
LINE_WIDTH = 160


def one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_WIDTH else text[: LINE_WIDTH - 1] + "…"


def report_matches(result: MigrationResult, asked: list[Gate]) -> bool:
    """Print every match of every gate on stderr; True when any gate tripped."""
    tripped = False
    for gate in asked:
        found = matches(result, gate)
        for ingress, code, message in found:
            sys.stderr.write(f"{paint(gate.name + ':', 'red')} {ingress} {code}: {one_line(message)}\n")
        if found:
            tripped = True
            sys.stderr.write(
                f"{paint(gate.name + ':', 'red', 'bold')} {len(found)} match{'es' if len(found) != 1 else ''};"
                " exit 1\n"
            )
    return tripped


def exit_code(result: MigrationResult, asked: list[Gate]) -> ExitCode:
    """1 when an Ingress failed or a gate tripped (each match printed on stderr), else 0."""
    code = result.exit_code(False)
    if report_matches(result, asked):
        return ExitCode.FAILED
    return code
