"""The "Cut-over runbook" section every report ends with: the steps from ingress-nginx to the Istio gateway
for this input (cutover.runbook), each with its commands and rollback. JSON (`cutover`) and the HTML
report's data hold every command; the Markdown shows the first `MAX_COMMANDS` of a step and cuts a text
longer than `MAX_TEXT`, pointing at the JSON, so that the report of a large estate stays reviewable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kubectl_meshify.cutover import Step, runbook
from kubectl_meshify.result import MigrationResult

INTRO = (
    "From ingress-nginx to the Istio gateway, in this order. The Ingresses are not touched before step 7:"
    " until then, moving DNS back is the whole rollback."
)
MAX_COMMANDS = 20  # commands shown per step in the Markdown
MAX_TEXT = 2000  # characters of one text (explanation, command, rollback) shown in the Markdown


def steps_of(result: MigrationResult) -> list[Step]:
    """The run's runbook (computed once when the reports are rendered; here for callers that render
    directly)."""
    if result.runbook is None:
        result.runbook = compute(result)
    return result.runbook


def compute(result: MigrationResult) -> list[Step]:
    return runbook(result, result.invocation)


def to_json(steps: Sequence[Step]) -> dict[str, Any]:
    return {
        "steps": [
            {"step": i, "title": s.title, "why": s.why, "commands": list(s.commands), "rollback": s.rollback}
            for i, s in enumerate(steps, 1)
        ]
    }


def to_markdown(steps: Sequence[Step]) -> list[str]:
    lines = ["## Cut-over runbook", "", INTRO, ""]
    for i, step in enumerate(steps, 1):
        where = f"cutover.steps[{i - 1}]"
        lines += [f"### {i}. {step.title}", "", _cut(step.why, f"{where}.why"), ""]
        if step.commands:
            shown = [
                _cut_command(c, f"{where}.commands[{n}]") for n, c in enumerate(step.commands[:MAX_COMMANDS])
            ]
            more = len(step.commands) - MAX_COMMANDS
            if more > 0:
                shown.append(
                    f"# … and {more} more commands: the JSON report has every one ({where}.commands)"
                )
            lines += ["```sh", *shown, "```", ""]
        lines += [f"Rollback: {_cut(step.rollback, f'{where}.rollback')}", ""]
    return lines


def _cut(text: str, where: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    head = text[:MAX_TEXT].rsplit(" ", 1)[0]
    if head.count("`") % 2:  # do not leave a code span open
        head = head[: head.rindex("`")]
    return f"{head.rstrip()} … ({len(text) - len(head)} more characters: the JSON report has the whole text, `{where}`)"


def _cut_command(command: str, where: str) -> str:
    """A command too long to show is shown as a comment: a cut command must not be run."""
    if len(command) <= MAX_TEXT:
        return command
    head = command[: MAX_TEXT // 4].replace("\n", " ")
    return f"# {head} … ({len(command)} characters: the JSON report has the whole command, {where})"
