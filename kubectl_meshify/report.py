"""The migration report: Markdown for reviewers, JSON (CLI.md schema, version 1) for machines.

Both are sorted and free of timestamps, so the same input gives the same report.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kubectl_meshify import __version__
from kubectl_meshify.findings import Finding, Verdict
from kubectl_meshify.jsontext import dumps_indented
from kubectl_meshify.model import IngressRecord, Semantics
from kubectl_meshify.pipeline import MigrationResult
from kubectl_meshify.report_plan import (
    CHECK_SCOPE,
    class_counts_json,
    class_table,
    ingresses_markdown,
    not_probed,
    plan_json,
    plan_markdown,
    plan_view,
    run_lines,
    scripts_markdown,
)

VERDICT_ORDER = [v.value for v in Verdict]
STATUS_ORDER = ["converted", "partial", "failed", "skipped"]
# Behaviour that changes with no annotation at all when ingress-nginx's defaults go away.
NGINX_DEFAULT_DELTAS = [
    (
        "HSTS",
        "ingress-nginx added `Strict-Transport-Security: max-age=31536000; includeSubDomains` on HTTPS;"
        " the Istio gateway adds no HSTS header. Add it with `headers.response.set` if clients rely on it.",
    ),
    ("Body size", "ingress-nginx rejected request bodies over 1m (413) by default; Istio has no limit."),
    (
        "Read timeout",
        "ingress-nginx closed upstream reads idle for 60s; Istio routes have no timeout by default.",
    ),
    (
        "Retries",
        "ingress-nginx retried the next endpoint on `error timeout` (3 tries) and never resent a"
        " non-idempotent request; Istio retries 2 times on connect-failure,refused-stream,unavailable,"
        "cancelled,retriable-status-codes, whatever the method.",
    ),
    (
        "Redirect code",
        "ingress-nginx's HTTPS redirect answered 308; the generated routes keep 308 (Istio's own"
        " `httpsRedirect` would answer 301).",
    ),
    ("Connect timeout", "ingress-nginx gave up connecting to a backend after 5s; Envoy waits 10s."),
    ("Load balancing", "ingress-nginx used round robin; Istio's default is least-request."),
    (
        "Request buffering",
        "ingress-nginx read a whole request body before contacting the backend; Envoy streams it.",
    ),
    (
        "Forwarded headers",
        "ingress-nginx sent X-Real-IP, X-Forwarded-Host, X-Forwarded-Port and X-Scheme to backends; the"
        " gateway sends X-Forwarded-For, X-Forwarded-Proto and X-Request-Id but not those.",
    ),
    (
        "Headers with underscores",
        "ingress-nginx dropped request headers whose names contain `_` (enable-underscores-in-headers off);"
        " Envoy forwards them by default.",
    ),
]


def annotation_verdicts(findings: list[Finding]) -> dict[str, int]:
    """Verdict counts over annotation findings: they add up to the number of annotation keys."""
    counts = Counter(f.verdict.value for f in findings if f.annotation)
    return {v: counts.get(v, 0) for v in VERDICT_ORDER}


def to_json(result: MigrationResult) -> dict[str, Any]:
    records = result.records
    statuses = result.status_counts()
    kinds = Counter(obj["kind"] for obj in result.objects)
    all_findings = [f for r in records for f in r.findings]
    view = plan_view(result)
    report: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "kubectl-meshify", "version": __version__},
        "run": view.info.to_json(),
        "summary": {
            "ingresses": len(records),
            **{s: statuses.get(s, 0) for s in STATUS_ORDER},
            "classes": class_counts_json(view),
            "resources": dict(sorted(kinds.items())),
            "verdicts": annotation_verdicts(all_findings),
            "ignored": dict(sorted(result.resources.ignored.items())),
        },
        "plan": plan_json(view),
        "ingresses": [_ingress_json(r, result) for r in records],
        "findings": [f.to_json() for f in result.run_findings + result.model.run_findings],
    }
    for key, value in result.extra.get("summary", {}).items():
        report["summary"][key] = value
    return report


def _ingress_json(record: IngressRecord, result: MigrationResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "namespace": record.obj.namespace,
        "name": record.obj.name,
        "source": str(record.obj.origin),
        "controller": record.semantics.value,
        "status": record.status.value,
        "class": plan_view(result).plan.classes[record.key].value,
        "not_probed": not_probed(record, result.options.nginx_prefix),
        "resources": [
            {"apiVersion": a, "kind": k, "namespace": ns, "name": n} for a, k, ns, n in record.resources
        ],
        "findings": [f.to_json() for f in record.findings],
    }
    for key, value in result.extra.get("per_ingress", {}).get(record.key, {}).items():
        entry[key] = value
    return entry


def to_json_text(result: MigrationResult) -> str:
    return dumps_indented(to_json(result)) + "\n"


def _cell(text: str | None) -> str:
    return "" if not text else text.replace("|", "\\|").replace("\n", " ")


def to_markdown(result: MigrationResult) -> str:
    data = to_json(result)
    view = plan_view(result)
    summary = data["summary"]
    lines = [
        "# Migration report: Ingress → Istio",
        "",
        f"Generated by kubectl-meshify {__version__}. Istio API: networking.istio.io/{result.options.api_version}.",
        *run_lines(view.info),
        "",
        "## Summary",
        "",
        *class_table(view, summary["ingresses"]),
        "",
        "Ready: converted, nothing to do. Needs steps: converted, with steps before the cut-over (below)."
        " Blocked: partial, failed, or routed differently for no known reason.",
        "",
    ]
    statuses = ", ".join(f"{summary[s]} {s}" for s in STATUS_ORDER if summary[s]) or "none"
    resources = ", ".join(f"{count} {kind}" for kind, count in summary["resources"].items()) or "none"
    verdicts = summary["verdicts"]
    lines += [
        f"Status: {statuses}. Generated resources: {resources}.",
        "Annotation keys by verdict: " + ", ".join(f"{verdicts[v]} {v}" for v in VERDICT_ORDER) + ".",
    ]
    checked = summary.get("verification")
    if checked:
        lines.append(
            f"Behaviour check: {checked['probes']} probes, {checked['same']} routed the same,"
            f" {checked['different']} differently. {CHECK_SCOPE}"
        )
    lines.append("")
    if summary["ignored"]:
        ignored = ", ".join(f"{n} {k}" for k, n in summary["ignored"].items())
        lines += [f"Other documents read and left as they are: {ignored}.", ""]
    lines += plan_markdown(view)
    lines += scripts_markdown(view)
    lines += _extra_sections(result, "summary_md")
    lines += ingresses_markdown(result, view)
    lines += _prerequisites(result)
    return "\n".join(lines).rstrip() + "\n"


def _extra_sections(result: MigrationResult, key: str) -> list[str]:
    return list(result.extra.get(key, []))


def _prerequisites(result: MigrationResult) -> list[str]:
    options = result.options
    lines = ["## Prerequisites", ""]
    minimum = "1.22" if options.api_version == "v1" else "1.5"
    lines.append(f"- Istio {minimum} or newer (networking.istio.io/{options.api_version}).")
    if options.gateway:
        lines.append(f"- The existing Gateway {options.gateway} must list every converted host.")
    else:
        selector = ", ".join(f"{k}={v}" for k, v in options.gateway_selector.items())
        lines.append(
            f"- An ingress gateway whose pods carry `{selector}` (generated Gateways select it),"
            f" running in namespace {options.gateway_namespace}."
        )
    if result.model.credentials:
        lines.append(
            f"- TLS credentials in {options.gateway_namespace}, before traffic moves (see TLS credentials below)."
        )
    facts = result.resources.cluster_facts
    injection = facts.get("injection")
    if injection:
        lines.append(f"- Sidecar injection: {injection}.")
    else:
        lines.append(
            "- Sidecar injection: not known from files (the gateway reaches pods with or without sidecars)."
        )
    lines += _extra_sections(result, "prerequisites_md")
    if any(r.semantics is Semantics.NGINX for r in result.records):
        lines += [
            "",
            "### Behaviour that changes without any annotation",
            "",
            "ingress-nginx defaults that the Istio gateway does not reproduce:",
            "",
        ]
        lines += [f"- **{title}**: {text}" for title, text in NGINX_DEFAULT_DELTAS]
    lines.append("")
    return lines
