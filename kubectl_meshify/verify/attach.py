"""Verification as a pipeline step: probe the converted Ingresses and put the result in the report."""

from __future__ import annotations

import gc
from typing import Any, Protocol

from kubectl_meshify.findings import Finding
from kubectl_meshify.model import IngressRecord, Semantics, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.verify.compare import VerificationResult, VerifyOptions, verify


class MigrationResult(Protocol):
    """What the check reads and fills in a run's result (pipeline.MigrationResult). Named here so that
    verify/ does not import the pipeline, which imports the translator."""

    objects: list[dict[str, Any]]
    resources: ResourceSet
    options: Options
    extra: dict[str, Any]

    @property
    def records(self) -> list[IngressRecord]: ...

    def all_findings(self) -> list[Finding]: ...


MAX_TABLE_ROWS = 25


def attach_verification(result: MigrationResult) -> VerificationResult:
    """Verify `result` in place: unexplained differences become error findings and make the Ingress
    `partial`; totals and per-Ingress tables go into `result.extra` for the report writers."""
    collecting = gc.isenabled()
    gc.disable()  # see `verify`: nothing here makes cycles, and the input is large
    try:
        return _attach(result)
    finally:
        if collecting:
            gc.enable()


def _attach(result: MigrationResult) -> VerificationResult:
    options = result.options
    # Failed Ingresses are invalid (the API server would have refused them): no controller served them.
    served = {r.key: r for r in result.records if r.status not in (Status.SKIPPED, Status.FAILED)}
    semantics = {key: "istio" if r.semantics is Semantics.ISTIO else "nginx" for key, r in served.items()}
    targets = [key for key, r in served.items() if r.status in (Status.CONVERTED, Status.PARTIAL)]
    verification = verify(
        [r.obj for r in served.values()],
        result.resources.services,
        result.objects,
        VerifyOptions(
            annotation_prefix=options.nginx_prefix,
            cluster_domain=options.cluster_domain,
            default_namespace=options.default_namespace,
            semantics=semantics,
        ),
        findings=result.all_findings(),
        targets=targets,
    )
    for finding in verification.findings():
        record = served[finding.ingress or ""]
        record.findings.append(finding)
        if record.status is Status.CONVERTED:
            record.status = Status.PARTIAL
    extra = result.extra
    extra["verification"] = verification
    extra.setdefault("summary", {})["verification"] = verification.totals()
    per_json: dict[str, dict[str, Any]] = extra.setdefault("per_ingress", {})
    per_md: dict[str, list[str]] = extra.setdefault("per_ingress_md", {})
    for key, outcome in verification.ingresses.items():
        per_json.setdefault(key, {})["verification"] = outcome.to_json()
        controller = "Istio's Ingress support" if semantics.get(key) == "istio" else "ingress-nginx"
        per_md.setdefault(key, []).extend(_ingress_markdown(outcome, controller))
    extra.setdefault("summary_md", []).extend(_summary_markdown(verification))
    return verification


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _ingress_markdown(outcome: Any, controller: str) -> list[str]:
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


def _summary_markdown(verification: VerificationResult) -> list[str]:
    totals = verification.totals()
    unexplained = sum(len(v.unexplained) for v in verification.ingresses.values())
    lines = [
        "## Behaviour check",
        "",
        "Each converted Ingress was probed with requests derived from its hosts, paths, TLS and canary"
        " settings, routed once as the source controller did and once through the emitted Istio objects:"
        f" {totals['probes']} probes, {totals['same']} routed the same, {totals['different']} differently"
        f" ({unexplained} not explained by a finding).",
        "",
    ]
    for error in verification.config_errors:
        lines.append(f"- Istio would reject: {error}")
    if verification.config_errors:
        lines.append("")
    return lines
