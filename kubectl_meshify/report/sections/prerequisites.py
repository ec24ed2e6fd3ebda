"""The "Prerequisites" section (Markdown only): the Istio version, the gateway, TLS credentials and sidecar
injection a cut-over needs, then the ingress-nginx defaults that change without any annotation. The TLS
credentials and cluster preflight sections sit between the two parts (report/markdown.py)."""

from __future__ import annotations

from kubectl_meshify.model import Semantics
from kubectl_meshify.result import MigrationResult

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


def head(result: MigrationResult) -> list[str]:
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
    return lines


def nginx_defaults(result: MigrationResult) -> list[str]:
    if not any(r.semantics is Semantics.NGINX for r in result.records):
        return []
    lines = [
        "",
        "### Behaviour that changes without any annotation",
        "",
        "ingress-nginx defaults that the Istio gateway does not reproduce:",
        "",
    ]
    lines += [f"- **{title}**: {text}" for title, text in NGINX_DEFAULT_DELTAS]
    return lines
