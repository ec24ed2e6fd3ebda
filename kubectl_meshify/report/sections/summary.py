"""The "Summary" section: Ingresses by status, generated resources by kind, annotation keys by verdict,
other documents left alone (JSON `summary`, without the keys of the optional sections)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from kubectl_meshify.findings import Finding, Verdict
from kubectl_meshify.result import MigrationResult

if TYPE_CHECKING:
    from kubectl_meshify.verify.compare import VerificationResult

# What the behaviour check covers, said next to its numbers.
CHECK_SCOPE = (
    "The behaviour check models routing only (which backend, rewrite, redirect or 404 a request gets);"
    " rate limits, allow lists, authentication, body size, timeouts and headers are not probed."
)

VERDICT_ORDER = [v.value for v in Verdict]
STATUS_ORDER = ["converted", "partial", "failed", "skipped"]


def annotation_verdicts(findings: list[Finding]) -> dict[str, int]:
    """Verdict counts over annotation findings: they add up to the number of annotation keys."""
    counts = Counter(f.verdict.value for f in findings if f.annotation)
    return {v: counts.get(v, 0) for v in VERDICT_ORDER}


def to_json(result: MigrationResult) -> dict[str, Any]:
    records = result.records
    statuses = result.status_counts()
    kinds = Counter(obj["kind"] for obj in result.objects)
    return {
        "ingresses": len(records),
        **{s: statuses.get(s, 0) for s in STATUS_ORDER},
        "resources": dict(sorted(kinds.items())),
        "verdicts": annotation_verdicts([f for r in records for f in r.findings]),
        "ignored": dict(sorted(result.resources.ignored.items())),
    }


def compact_markdown(summary: dict[str, Any], verification: VerificationResult | None) -> list[str]:
    """The totals in a few lines under the class table (from `to_json`'s summary): the action plan must
    start within the report's first lines."""
    statuses = ", ".join(f"{summary[s]} {s}" for s in STATUS_ORDER if summary[s]) or "none"
    resources = ", ".join(f"{count} {kind}" for kind, count in summary["resources"].items()) or "none"
    verdicts = summary["verdicts"]
    lines = [
        "Ready: converted, nothing to do. Needs steps: converted, with steps to take before the cut-over."
        " Blocked: partial, failed, or routed differently for no known reason.",
        "",
        f"Status: {statuses}. Generated resources: {resources}.",
        "Annotation keys by verdict: " + ", ".join(f"{verdicts[v]} {v}" for v in VERDICT_ORDER) + ".",
    ]
    if verification is not None:
        totals = verification.totals()
        lines.append(
            f"Behaviour check: {totals['probes']} probes, {totals['same']} routed the same,"
            f" {totals['different']} differently. {CHECK_SCOPE}"
        )
    lines.append("")
    if summary["ignored"]:
        ignored = ", ".join(f"{n} {k}" for k, n in summary["ignored"].items())
        lines += [f"Other documents read and left as they are: {ignored}.", ""]
    return lines


def to_markdown(summary: dict[str, Any]) -> list[str]:
    """From `to_json`'s summary."""
    lines = [
        "## Summary",
        "",
        "| Ingresses | converted | partial | failed | skipped |",
        "| --- | --- | --- | --- | --- |",
        f"| {summary['ingresses']} | " + " | ".join(str(summary[s]) for s in STATUS_ORDER) + " |",
        "",
    ]
    resources = ", ".join(f"{count} {kind}" for kind, count in summary["resources"].items()) or "none"
    lines += [f"Generated resources: {resources}.", ""]
    verdicts = summary["verdicts"]
    lines += [
        "Annotation keys by verdict:",
        "",
        "| " + " | ".join(VERDICT_ORDER) + " |",
        "| " + " | ".join("---" for _ in VERDICT_ORDER) + " |",
        "| " + " | ".join(str(verdicts[v]) for v in VERDICT_ORDER) + " |",
        "",
    ]
    if summary["ignored"]:
        ignored = ", ".join(f"{n} {k}" for k, n in summary["ignored"].items())
        lines += [f"Other documents read and left as they are: {ignored}.", ""]
    return lines
