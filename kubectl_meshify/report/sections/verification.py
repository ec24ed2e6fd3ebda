"""The "Behaviour check" section: totals for the run, a table of differences per Ingress
(JSON `summary.verification` and `ingresses[].verification`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_meshify.model import IngressRecord, Semantics
from kubectl_meshify.report.sections.summary import CHECK_SCOPE

if TYPE_CHECKING:
    from kubectl_meshify.verify.compare import IngressVerification, VerificationResult

MAX_TABLE_ROWS = 25


def summary_json(verification: VerificationResult) -> dict[str, int]:
    return verification.totals()


def ingress_json(verification: VerificationResult, key: str) -> dict[str, Any] | None:
    outcome = verification.ingresses.get(key)
    return None if outcome is None else outcome.to_json()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def ingress_markdown(verification: VerificationResult, record: IngressRecord) -> list[str]:
    outcome = verification.ingresses.get(record.key)
    if outcome is None:
        return []
    controller = "Istio's Ingress support" if record.semantics is Semantics.ISTIO else "ingress-nginx"
    return _ingress_markdown(outcome, controller)


def _ingress_markdown(outcome: IngressVerification, controller: str) -> list[str]:
    lines = [
        "#### Behaviour check",
        "",
        f"{outcome.probes} probe requests: {outcome.same} routed the same, {len(outcome.different)} differently.",
        "",
    ]
    if not outcome.different:
        return lines
    lines += [
        f"| request | before ({controller}) | after (Istio) | finding |",
        "| --- | --- | --- | --- |",
    ]
    for diff in outcome.different[:MAX_TABLE_ROWS]:
        finding = f"`{diff.finding}`" if diff.finding else "**none: translation defect**"
        lines.append(
            f"| `{_cell(str(diff.probe))}` | {_cell(diff.source_text)} | {_cell(diff.istio_text)}"
            f" | {finding} |"
        )
    hidden = len(outcome.different) - MAX_TABLE_ROWS
    if hidden > 0:
        lines += ["", f"{hidden} more differences are listed in the JSON report."]
    lines.append("")
    return lines


def summary_markdown(verification: VerificationResult) -> list[str]:
    totals = verification.totals()
    unexplained = sum(len(v.unexplained) for v in verification.ingresses.values())
    lines = [
        "## Behaviour check",
        "",
        "Each converted Ingress was probed with requests derived from its hosts, paths, TLS and canary"
        " settings, routed once as the source controller did and once through the emitted Istio objects:"
        f" {totals['probes']} probes, {totals['same']} routed the same, {totals['different']} differently"
        f" ({unexplained} not explained by a finding). {CHECK_SCOPE} An Ingress's section names the"
        " annotations it carries that the probes do not cover.",
        "",
    ]
    for error in verification.config_errors:
        lines.append(f"- Istio would reject: {error}")
    if verification.config_errors:
        lines.append("")
    return lines
