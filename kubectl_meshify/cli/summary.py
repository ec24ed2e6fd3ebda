"""The summary every converting command writes to stderr (stdout carries only the converted objects)."""

from __future__ import annotations

import sys
from collections import Counter

from kubectl_meshify.action_plan import Group, finding_group
from kubectl_meshify.cli.term import paint
from kubectl_meshify.findings import Severity
from kubectl_meshify.report import annotation_verdicts
from kubectl_meshify.report.outputs import script_paths
from kubectl_meshify.report.sections.action_plan import CLASS_TITLES, plan_of
from kubectl_meshify.result import MigrationResult


def write_summary(result: MigrationResult, written: list[str]) -> None:
    """The run's totals (Ingresses by status and class, objects by kind, annotation verdicts), one line per
    warning or error code found on the Ingresses (count and first case), and the files written."""
    statuses = result.status_counts()
    kinds = Counter(obj["kind"] for obj in result.objects)
    verdicts = annotation_verdicts(result.all_findings())
    plan = plan_of(result)
    parts = [
        f"{statuses.get(s, 0)} {s}" for s in ("converted", "partial", "failed", "skipped") if statuses.get(s)
    ]
    made = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "nothing"
    counts = plan.counts()
    classes = ", ".join(
        f"{n} {CLASS_TITLES[c]}" for c, n in ((c, counts[c.value]) for c in CLASS_TITLES) if n
    )
    lines = [
        f"kubectl-meshify: {len(result.records)} Ingress{'es' if len(result.records) != 1 else ''} ({', '.join(parts) or 'none'}) → {made}.",
        f"plan: {classes or 'no Ingress'}.",
        "annotation keys: " + ", ".join(f"{n} {v}" for v, n in verdicts.items() if n)
        if any(verdicts.values())
        else "annotation keys: none",
    ]
    lines += _warning_lines(result)
    for path in written:
        lines.append(f"report written to {path}")
    for path in script_paths(result):
        lines.append(f"script written to {path}")
    sys.stderr.write("\n".join(lines) + "\n")


def _warning_lines(result: MigrationResult) -> list[str]:
    """One line per code of the Ingresses' warnings and errors: how many, and the first case."""
    grouped: dict[str, list[tuple[str, str, Severity]]] = {}
    for record in result.records:
        for f in record.findings:
            if f.severity is not Severity.INFO and finding_group(f) is not Group.NOTE:
                grouped.setdefault(f.code, []).append((record.key, f.message, f.severity))
    lines = []
    for code in sorted(grouped, key=lambda c: (grouped[c][0][2] is not Severity.ERROR, c)):
        group = grouped[code]
        first, message, severity = group[0]
        label = paint(f"{severity.value}:", "red" if severity is Severity.ERROR else "yellow")
        more = f" (and {len(group) - 1} more)" if len(group) > 1 else ""
        text = " ".join(message.split())
        text = text if len(text) <= 120 else text[:119] + "…"
        lines.append(f"{label} {len(group)} × {code}: {first}: {text}{more}")
    return lines
