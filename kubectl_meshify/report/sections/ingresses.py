"""The "Ingresses" section: one entry per input Ingress with its status, emitted objects and findings
(JSON `ingresses[]`, without the keys of the optional sections)."""

from __future__ import annotations

from typing import Any

from kubectl_meshify.findings import Finding, Severity
from kubectl_meshify.model import IngressRecord


def to_json(record: IngressRecord) -> dict[str, Any]:
    return {
        "namespace": record.obj.namespace,
        "name": record.obj.name,
        "source": str(record.obj.origin),
        "controller": record.semantics.value,
        "status": record.status.value,
        "resources": [
            {"apiVersion": a, "kind": k, "namespace": ns, "name": n} for a, k, ns, n in record.resources
        ],
        "findings": [f.to_json() for f in record.findings],
    }


def _cell(text: str | None) -> str:
    return "" if not text else text.replace("|", "\\|").replace("\n", " ")


def to_markdown(record: IngressRecord) -> list[str]:
    lines = [
        f"### {record.key}: {record.status.value}",
        "",
        f"Source: `{record.obj.origin}`; served by {record.semantics.value}.",
        "",
    ]
    if record.resources:
        emitted = ", ".join(f"{k} {ns}/{n}" for _, k, ns, n in record.resources)
        lines += [f"Emitted: {emitted}.", ""]
    if record.findings:
        lines += [
            "| verdict | severity | code | annotation | what happened | action |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in _sorted_findings(record.findings):
            lines.append(
                f"| {f.verdict.value} | {f.severity.value} | `{f.code}` | "
                f"{'`' + f.annotation + '`' if f.annotation else ''} | {_cell(f.message)} | {_cell(f.action)} |"
            )
        lines.append("")
    return lines


def _sorted_findings(findings: list[Finding]) -> list[Finding]:
    severity = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(findings, key=lambda f: (severity[f.severity], f.annotation or "", f.code))
