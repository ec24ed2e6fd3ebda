"""Access logs and tracing at the gateway.

| key | verdict | Istio |
| --- | --- | --- |
| enable-access-log | approximated | `false`: one `telemetry.istio.io/v1` Telemetry on the gateway workload whose access-log filter (CEL) leaves out the requests of such Ingresses' hosts and paths; `true`: no-op |
| enable-rewrite-log | no-op | none: nginx rewrite debugging |
| enable-opentelemetry | approximated | `true`: the gateway traces when mesh tracing is set up (for all hosts); `false`: unsupported (tracing cannot be turned off per host) |
| opentelemetry-trust-incoming-span | approximated | `true`: Envoy continues incoming traces, no-op; `false`: unsupported |
| opentelemetry-operation-name | unsupported | none (Envoy names spans itself) |

The Telemetry object selects the gateway and sets no provider, so it only filters whatever access
logging the mesh already configures; it replaces the access-log settings of any other Telemetry that
selects the same gateway.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import present, report_ignored
from kubectl_meshify.annotations.request_scope import cel_host_condition, cel_path_condition, scopes
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.generated import metadata
from kubectl_meshify.model import ExtraObject, Match

KEYS = {
    "enable-access-log": KeyInfo(
        Verdict.APPROXIMATED, "`false`: gateway Telemetry access-log filter excluding these hosts/paths"
    ),
    "enable-rewrite-log": KeyInfo(Verdict.NO_OP, "none"),
    "enable-opentelemetry": KeyInfo(
        Verdict.APPROXIMATED, "gateway-wide tracing; cannot be turned off per host"
    ),
    "opentelemetry-trust-incoming-span": KeyInfo(
        Verdict.APPROXIMATED, "`true`: Envoy's default; `false`: unsupported"
    ),
    "opentelemetry-operation-name": KeyInfo(Verdict.UNSUPPORTED, "none"),
}

TELEMETRY_NAME = "meshify-access-log"
# IngressSettings.extra key: this Ingress's CEL condition for requests that must not be logged.
NOT_LOGGED = "access_log_off"


def unlogged_condition(ctx: FamilyContext) -> str | None:
    """CEL that is true for the requests this Ingress's routes receive; None when it receives none."""
    clauses: list[str] = []
    for scope in scopes(ctx):
        path = _any(cel_path_condition(m) for m in scope.route.matches)
        earlier = _any(cel_path_condition(m) for m in scope.earlier if _precise(m))
        parts = [cel_host_condition(ctx, scope.vhost)]
        if path != "true":
            parts.append(path)
        if earlier not in ("false",):
            parts.append(f"!({earlier})")
        clauses.append("(" + " && ".join(parts) + ")")
    return _any(clauses) if clauses else None


def _precise(match: Match) -> bool:
    return match.uri is not None and match.uri != ("prefix", "/")


def _any(conditions: Iterable[str]) -> str:
    """CEL disjunction, simplified when a clause is always true."""
    items = list(dict.fromkeys(conditions))
    if not items:
        return "false"
    if "true" in items:
        return "true"
    return items[0] if len(items) == 1 else "(" + " || ".join(items) + ")"


def telemetry_api(ctx: FamilyContext) -> str:
    return "telemetry.istio.io/v1" if ctx.options.api_version == "v1" else "telemetry.istio.io/v1alpha1"


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    if ctx.has("enable-access-log"):
        _access_log(ctx)
    if ctx.has("enable-rewrite-log"):
        ctx.report("enable-rewrite-log", Verdict.NO_OP, "nginx rewrite debugging; nothing to convert.")
    if ctx.has("enable-opentelemetry"):
        if ctx.flag("enable-opentelemetry"):
            ctx.report(
                "enable-opentelemetry",
                Verdict.APPROXIMATED,
                "The gateway traces requests when tracing is configured for the mesh (MeshConfig or a"
                " Telemetry resource), for every host it serves rather than per Ingress.",
                action="Make sure the mesh has a tracing provider (e.g. opentelemetry in MeshConfig"
                " extensionProviders with a Telemetry tracing entry).",
            )
        else:
            ctx.report(
                "enable-opentelemetry",
                Verdict.UNSUPPORTED,
                "Tracing cannot be turned off for one host at the gateway: if the mesh traces, these requests"
                " are traced too.",
                action="Nothing to do unless these requests must not be traced; then lower the sampling for the"
                " gateway with a Telemetry resource (which applies to all its hosts).",
                severity=Severity.INFO,
            )
    if ctx.has("opentelemetry-trust-incoming-span"):
        if (ctx.value("opentelemetry-trust-incoming-span") or "").strip().lower() == "false":
            ctx.report(
                "opentelemetry-trust-incoming-span",
                Verdict.UNSUPPORTED,
                "nginx started a new trace for these requests; Envoy continues the trace context clients send.",
                action="Strip the trace headers (traceparent, b3) with headers.request.remove on these routes if"
                " clients must not join traces.",
                severity=Severity.INFO,
            )
        else:
            ctx.report(
                "opentelemetry-trust-incoming-span",
                Verdict.NO_OP,
                "Envoy continues incoming trace context, as nginx did with true.",
            )
    if ctx.has("opentelemetry-operation-name"):
        ctx.report(
            "opentelemetry-operation-name",
            Verdict.UNSUPPORTED,
            f"The span name template {ctx.value('opentelemetry-operation-name')!r} is not converted; Envoy names"
            " spans after the route or host.",
            severity=Severity.INFO,
        )


def _access_log(ctx: FamilyContext) -> None:
    if (ctx.value("enable-access-log") or "").strip().lower() != "false":
        ctx.report("enable-access-log", Verdict.NO_OP, "Access logging stays on, as with nginx's default.")
        return
    condition = unlogged_condition(ctx)
    if condition is None:
        ctx.report("enable-access-log", Verdict.NO_OP, "No route of this Ingress receives requests.")
        return
    ctx.settings.extra[NOT_LOGGED] = condition
    records = [r for r in ctx.model.records.values() if r.settings.extra.get(NOT_LOGGED)]
    expression = "!(" + " || ".join(r.settings.extra[NOT_LOGGED] for r in records) + ")"
    ingresses = [r.key for r in records]
    gw_ns = ctx.options.gateway_namespace
    manifest = {
        "apiVersion": telemetry_api(ctx),
        "kind": "Telemetry",
        "metadata": metadata(TELEMETRY_NAME, gw_ns, ingresses),
        "spec": {
            "selector": {"matchLabels": dict(sorted(ctx.options.gateway_selector.items()))},
            "accessLogging": [{"filter": {"expression": expression}}],
        },
    }
    existing = next(
        (
            e
            for e in ctx.model.extras
            if e.manifest["kind"] == "Telemetry" and e.manifest["metadata"]["name"] == TELEMETRY_NAME
        ),
        None,
    )
    if existing is None:
        ctx.model.extras.append(ExtraObject(manifest, ingresses))
    else:
        existing.manifest.clear()
        existing.manifest.update(manifest)
        existing.ingresses[:] = ingresses
    ctx.report(
        "enable-access-log",
        Verdict.APPROXIMATED,
        f"Telemetry {gw_ns}/{TELEMETRY_NAME} on the gateway filters this Ingress's requests out of the access"
        " log (a CEL filter on host and path); it sets no provider, so it only filters the access logging"
        " the mesh already has.",
        action="If another Telemetry already selects the gateway, merge the accessLogging filter into it"
        " (two Telemetry objects for one workload conflict).",
        severity=Severity.WARNING,
    )
