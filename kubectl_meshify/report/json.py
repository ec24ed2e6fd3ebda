"""The JSON report (CLI.md schema, version 1): sorted, free of timestamps, the same for the same input."""

from __future__ import annotations

from typing import Any

from kubectl_meshify import __version__
from kubectl_meshify.jsontext import dumps_indented, indented_pieces
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
        "ingresses": [_ingress(r, result) for r in result.records],
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


def json_pieces(result: MigrationResult) -> list[str]:
    """`to_json_text` in pieces, written one after another (never joined into one string)."""
    return indented_pieces(to_json(result), end="\n")
