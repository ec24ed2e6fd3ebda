"""The summary every converting command writes to stderr (stdout carries only the converted objects)."""

from __future__ import annotations

import sys
from collections import Counter

from kubectl_meshify.report import annotation_verdicts
from kubectl_meshify.result import MigrationResult


def write_summary(result: MigrationResult, report: str | None, report_json: str | None) -> None:
    """The run's totals (Ingresses by status, objects by kind, annotation verdicts) and the reports written."""
    statuses = result.status_counts()
    kinds = Counter(obj["kind"] for obj in result.objects)
    verdicts = annotation_verdicts(result.all_findings())
    parts = [
        f"{statuses.get(s, 0)} {s}" for s in ("converted", "partial", "failed", "skipped") if statuses.get(s)
    ]
    made = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "nothing"
    lines = [
        f"kubectl-meshify: {len(result.records)} Ingress{'es' if len(result.records) != 1 else ''} ({', '.join(parts) or 'none'}) → {made}.",
        "annotation keys: " + ", ".join(f"{n} {v}" for v, n in verdicts.items() if n)
        if any(verdicts.values())
        else "annotation keys: none",
    ]
    for path in (report, report_json):
        if path:
            lines.append(f"report written to {path}")
    sys.stderr.write("\n".join(lines) + "\n")
