"""The cut-over kit on the command line: the checked smoke options and the run's command line (for the
runbook) before the run, then the smoke lines on stderr and the exit code after it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode

if TYPE_CHECKING:
    from kubectl_meshify.cutover import CutoverKit
    from kubectl_meshify.result import MigrationResult
    from kubectl_meshify.smoke.run import SmokeResult


def cutover_kit(
    ctx: typer.Context,
    mode: str,
    smoke: str | None,
    smoke_https: str | None,
    insecure: bool,
    timeout: float,
    compare: list[str] | None,
) -> CutoverKit:
    """The command line (for the runbook) and the checked smoke options of this run."""
    from kubectl_meshify.cutover import CutoverKit, invocation_from_click
    from kubectl_meshify.smoke.flags import smoke_args

    checked = smoke_args(smoke, smoke_https, insecure, timeout, compare)
    return CutoverKit(invocation_from_click(ctx, mode), checked)


def finish(result: MigrationResult, code: ExitCode) -> ExitCode:
    """Print the smoke lines on stderr; exit 1 when a sent probe failed. The result is left for the end
    of the process to free (`leave_to_exit`)."""
    from kubectl_meshify.cli.app import leave_to_exit

    leave_to_exit(result)
    if result.smoke is None:
        return code
    print_smoke(result.smoke)
    return max(code, ExitCode.FAILED) if result.smoke.failed else code


def print_smoke(smoke: SmokeResult) -> None:
    """A line per failing probe (request, expected, got), per disagreement with the old gateway, then the totals."""
    from kubectl_meshify.smoke.judge import expected_text
    from kubectl_meshify.smoke.run import FAILED

    out = sys.stderr
    for entry in smoke.probes:
        if entry.result == FAILED and entry.answer is not None and entry.judgement is not None:
            out.write(
                f"{paint('smoke FAIL', 'red')} {entry.planned.probe}: expected {expected_text(entry.planned)};"
                f" got {entry.answer.describe()} ({entry.judgement.why})\n"
            )
    for entry in smoke.compared():
        if entry.agreement is not None and not entry.agreement.agree:
            out.write(
                f"{paint('smoke-compare differs', 'yellow')} {entry.planned.probe}: new vs old:"
                f" {'; '.join(entry.agreement.differences)}\n"
            )
    out.write(smoke.summary_line() + "\n")
    if smoke.args.compare_http or smoke.args.compare_https:
        out.write(smoke.compare_line() + "\n")
