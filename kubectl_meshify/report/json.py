"""The JSON report (CLI.md schema, version 1): sorted, free of timestamps, the same for the same input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubectl_meshify import __version__
from kubectl_meshify.jsontext import dumps_indented, nested_text
from kubectl_meshify.model import IngressRecord
from kubectl_meshify.report.sections import (
    action_plan,
    credentials,
    cutover,
    files,
    ingresses,
    smoke,
    summary,
    verification,
)
from kubectl_meshify.result import MigrationResult


def to_json(result: MigrationResult) -> dict[str, Any]:
    data = _without_ingresses(result)
    data["ingresses"] = [_ingress(r, result) for r in result.records]
    return data


def _without_ingresses(result: MigrationResult, ingresses: Any = None) -> dict[str, Any]:
    """The report with `ingresses` set to the given value (in its place among the keys)."""
    plan = action_plan.plan_of(result)
    totals = summary.to_json(result)
    totals["classes"] = action_plan.summary_json(plan)
    # Optional sections add their keys after the fixed ones, in this order.
    if result.tls_credentials:
        totals["credentials"] = credentials.to_json(result.tls_credentials)
    if result.verification is not None:
        totals["verification"] = verification.summary_json(result.verification)
    if result.gitops is not None:
        totals["files"] = files.summary_json(result.gitops)
    return {
        "version": 1,
        "tool": {"name": "kubectl-meshify", "version": __version__},
        "run": action_plan.run_json(result.run),
        "summary": totals,
        "plan": action_plan.to_json(plan, result.run),
        "ingresses": ingresses,
        "findings": [f.to_json() for f in result.run_findings + result.model.run_findings],
        "smoke": smoke.to_json(result.smoke),
        "cutover": cutover.to_json(cutover.steps_of(result)),
    }


def _ingress(record: IngressRecord, result: MigrationResult) -> dict[str, Any]:
    entry = ingresses.to_json(record)
    entry.update(action_plan.ingress_json(action_plan.plan_of(result), record, result.options.nginx_prefix))
    if result.verification is not None:
        checked = verification.ingress_json(result.verification, record.key)
        if checked is not None:
            entry["verification"] = checked
    if result.gitops is not None:
        comments = files.ingress_json(result.gitops, record.key)
        if comments is not None:
            entry["annotation_comments"] = comments
    return entry


def to_json_text(result: MigrationResult) -> str:
    return dumps_indented(to_json(result), end="\n")


# Stands for the list of Ingress entries in the report's text while the rest is made.
_INGRESSES = "\0ingresses"


def json_pieces(result: MigrationResult) -> Iterator[str]:
    """`to_json_text` in pieces, each Ingress's entry made as it is written: the entries of a large run
    are never all held at once, as objects or as text."""
    head, _, tail = dumps_indented(_without_ingresses(result, _INGRESSES), end="\n").partition(
        dumps_indented(_INGRESSES)
    )
    records = result.records
    if not records:
        yield head + "[]" + tail
        return
    yield head + "["
    last = len(records) - 1
    for i, record in enumerate(records):
        yield "\n    " + nested_text(_ingress(record, result), "\n    ") + ("," if i < last else "")
    yield "\n  ]" + tail
