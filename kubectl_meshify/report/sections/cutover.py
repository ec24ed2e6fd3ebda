"""The "Cut-over runbook" section every report ends with: the steps from ingress-nginx to the Istio gateway
for this input (cutover.runbook), each with its commands and rollback. Markdown, JSON (`cutover`), HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from kubectl_meshify.cutover import Step, runbook
from kubectl_meshify.report.sections import code_spans
from kubectl_meshify.result import MigrationResult

INTRO = (
    "From ingress-nginx to the Istio gateway, in this order. The Ingresses are not touched before step 7:"
    " until then, moving DNS back is the whole rollback."
)


def steps_of(result: MigrationResult) -> list[Step]:
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
        lines += [f"### {i}. {step.title}", "", step.why, ""]
        if step.commands:
            lines += ["```sh", *step.commands, "```", ""]
        lines += [f"Rollback: {step.rollback}", ""]
    return lines


def to_html(steps: Sequence[Step]) -> str:
    parts = [f"<p>{code_spans(INTRO)}</p>", "<ol>"]
    for step in steps:
        parts.append(f"<li><h3>{html.escape(step.title)}</h3><p>{code_spans(step.why)}</p>")
        if step.commands:
            parts.append("<pre>" + html.escape("\n".join(step.commands)) + "</pre>")
        parts.append(f"<p>Rollback: {code_spans(step.rollback)}</p></li>")
    parts.append("</ol>")
    return "".join(parts)
