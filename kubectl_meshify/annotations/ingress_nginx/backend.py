"""How the gateway talks to the backend: protocol, TLS origination, HTTP version, FastCGI.

| key | verdict | Istio |
| --- | --- | --- |
| backend-protocol | exact | `HTTP`: nothing. `HTTPS`/`GRPCS`: gateway-scoped DestinationRule `tls: {mode: SIMPLE, insecureSkipVerify: true}` (nginx did not verify backend certificates) per Service port. `GRPC`/`GRPCS`: the Service port must declare HTTP/2 (`appProtocol: grpc`); the exact patch is reported when it does not. `AUTO_HTTP`: approximated as HTTP. `FCGI`, `AJP`: unsupported |
| service-upstream | no-op | none: Istio always balances across the pod endpoints and follows endpoint changes |
| proxy-http-version | no-op | `1.1`: none; `1.0`: unsupported (Envoy speaks HTTP/1.1 or HTTP/2 upstream) |
| connection-proxy-header | no-op | `keep-alive`: none (Envoy pools upstream connections); other values unsupported |
| fastcgi-index | unsupported | none: Envoy has no FastCGI upstream |
| fastcgi-params-configmap | unsupported | none: Envoy has no FastCGI upstream |

The TLS block comes from `proxy_ssl.upstream_tls` (client certificate, verification, SNI). A DestinationRule
`tls` replaces Istio's automatic mTLS for that port: against a STRICT sidecar the connection fails.
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.gateway_scope import Backend, ingress_backends, routed_by_others, set_policy
from kubectl_meshify.annotations.ingress_nginx import proxy_ssl
from kubectl_meshify.annotations.ingress_nginx._common import (
    TLS_BACKEND_PROTOCOLS,
    backend_protocol,
    present,
    report_ignored,
)
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import AppProtocolPatch

KEYS = {
    "backend-protocol": KeyInfo(
        Verdict.EXACT,
        "HTTPS/GRPCS: gateway-scoped DestinationRule `tls` (SIMPLE, insecureSkipVerify); GRPC(S): Service port"
        " `appProtocol: grpc` (patch reported); AUTO_HTTP approximated; FCGI/AJP unsupported",
    ),
    "service-upstream": KeyInfo(Verdict.NO_OP, "none: Istio balances across pod endpoints"),
    "proxy-http-version": KeyInfo(Verdict.NO_OP, "`1.1`: none; `1.0`: unsupported"),
    "connection-proxy-header": KeyInfo(Verdict.NO_OP, "`keep-alive`: none; other values unsupported"),
    "fastcgi-index": KeyInfo(Verdict.UNSUPPORTED, "none: Envoy has no FastCGI upstream"),
    "fastcgi-params-configmap": KeyInfo(Verdict.UNSUPPORTED, "none: Envoy has no FastCGI upstream"),
}

# Service port protocols (appProtocol or name prefix) that make Istio speak HTTP/2 to the backend.
H2_PROTOCOLS = ("grpc", "grpc-web", "http2")
H2_APP_PROTOCOLS = (*H2_PROTOCOLS, "kubernetes.io/h2c")


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    protocol, valid = backend_protocol(ctx)
    if ctx.has("backend-protocol"):
        _backend_protocol(ctx, protocol, valid)
    if ctx.has("service-upstream"):
        ctx.report(
            "service-upstream",
            Verdict.NO_OP,
            "Istio always balances across the pod endpoints and follows endpoint changes (with connection"
            " draining), which is what service-upstream worked around; nothing to convert.",
        )
    if ctx.has("proxy-http-version"):
        version = (ctx.value("proxy-http-version") or "").strip()
        if version == "1.0":
            ctx.report(
                "proxy-http-version",
                Verdict.UNSUPPORTED,
                "Envoy speaks HTTP/1.1 or HTTP/2 to backends, never HTTP/1.0.",
                action="Make sure the backend accepts HTTP/1.1 requests (most do).",
            )
        else:
            ctx.report(
                "proxy-http-version",
                Verdict.NO_OP,
                "Envoy speaks HTTP/1.1 to HTTP backends, as nginx did with 1.1; nothing to convert."
                if version == "1.1"
                else f"{version!r} is not 1.0 or 1.1; ingress-nginx used 1.1, as Envoy does.",
            )
    if ctx.has("connection-proxy-header"):
        value = (ctx.value("connection-proxy-header") or "").strip()
        if value.lower() == "keep-alive":
            ctx.report(
                "connection-proxy-header",
                Verdict.NO_OP,
                "Envoy keeps upstream connections alive and pools them, as this asked; nothing to convert.",
            )
        else:
            ctx.report(
                "connection-proxy-header",
                Verdict.UNSUPPORTED,
                f"nginx sent `Connection: {value}` to the backend; Envoy manages hop-by-hop headers itself and"
                " keeps upstream connections alive (WebSocket upgrades still work).",
                action="Nothing to do unless the backend depends on this Connection header.",
            )
    for key in ("fastcgi-index", "fastcgi-params-configmap"):
        if ctx.has(key):
            if protocol == "FCGI":
                ctx.report(
                    key,
                    Verdict.UNSUPPORTED,
                    "Part of the FastCGI setup, which Envoy cannot speak; not converted.",
                    action="See backend-protocol: put an HTTP front for the FastCGI server in the pod.",
                )
            else:
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    f"nginx used {key} only with backend-protocol FCGI; it had no effect here.",
                )


def _backend_protocol(ctx: FamilyContext, protocol: str, valid: bool) -> None:
    raw = (ctx.value("backend-protocol") or "").strip()
    if not valid:
        ctx.report(
            "backend-protocol",
            Verdict.NO_OP,
            f"{raw!r} is not a backend protocol ingress-nginx accepts; it spoke HTTP, as the gateway does.",
        )
        return
    if protocol == "HTTP":
        ctx.report(
            "backend-protocol", Verdict.EXACT, "Plain HTTP to the backend, as the gateway does by default."
        )
        return
    if protocol == "AUTO_HTTP":
        ctx.report(
            "backend-protocol",
            Verdict.APPROXIMATED,
            "AUTO_HTTP is converted as HTTP: the gateway speaks HTTP/1.1 to the backend (HTTP/2 only if the"
            " Service port declares it).",
        )
        return
    if protocol in ("FCGI", "AJP"):
        fcgi = protocol == "FCGI"
        detail = (
            "Envoy has no FastCGI upstream"
            if fcgi
            else "AJP was removed in ingress-nginx 1.9 and Envoy has no AJP upstream"
        )
        ctx.report(
            "backend-protocol",
            Verdict.UNSUPPORTED,
            f"{detail}; the routes are emitted but the gateway will speak HTTP to the backend, which fails.",
            action="Put an HTTP front for the FastCGI server in the pod (e.g. nginx or Caddy in front of php-fpm)"
            " and point the Service port at it."
            if fcgi
            else "Enable the application server's HTTP connector (e.g. Tomcat's) and point the Service port at it.",
            severity=Severity.ERROR,
        )
        return
    messages: list[str] = []
    actions: list[str] = []
    verdict = Verdict.EXACT
    backends = ingress_backends(ctx)
    if protocol in TLS_BACKEND_PROTOCOLS:
        tls = proxy_ssl.upstream_tls(ctx)
        kept, conflicts, shared = [], [], []
        for backend in backends:
            claim = set_policy(ctx, backend, ("tls",), tls)
            if claim.kept:
                kept.append(backend.label())
            else:
                conflicts.append(f"{backend.label()} (TLS settings of {claim.other} kept)")
                ctx.settings.extra[proxy_ssl.TLS_CONFLICT] = claim.other
            shared += routed_by_others(ctx, backend)
        mode = "MUTUAL with a client certificate" if tls["mode"] == "MUTUAL" else "SIMPLE"
        skip = (
            " without verifying the backend certificate (insecureSkipVerify, as nginx)"
            if tls.get("insecureSkipVerify")
            else ""
        )
        messages.append(
            f"The gateway originates TLS ({mode}){skip} to {', '.join(kept) or 'no Service port'} through"
            " the gateway-scoped DestinationRule."
        )
        if conflicts:
            verdict = Verdict.APPROXIMATED
            messages.append("Not applied for " + "; ".join(conflicts) + ".")
        if shared:
            verdict = Verdict.APPROXIMATED
            messages.append(
                f"Other Ingresses ({', '.join(sorted(set(shared)))}) route to the same Service port; the gateway"
                " uses TLS for them too (ingress-nginx set it per location)."
            )
        actions.append(
            "If the backend pods have Istio sidecars and mTLS is STRICT, this tls setting replaces Istio mTLS"
            " and connections fail: let the sidecar terminate mTLS and serve plain HTTP in the pod, or make"
            " that port PERMISSIVE."
        )
    if protocol in ("GRPC", "GRPCS"):
        ok, problems, patches = _grpc_ports(ctx, backends)
        if ok:
            messages.append(f"gRPC (HTTP/2) to {', '.join(ok)}: the Service port declares HTTP/2.")
        if problems:
            verdict = Verdict.APPROXIMATED
            messages.append(
                "The gateway speaks HTTP/2, which gRPC needs, only to Service ports that declare it (appProtocol"
                " grpc/http2 or a grpc-/http2- port name); gRPC calls fail until they do. "
                + " ".join(problems)
            )
            actions += patches
    ctx.report(
        "backend-protocol",
        verdict,
        " ".join(messages),
        action=" ".join(actions) or None,
        severity=Severity.WARNING if actions else Severity.INFO,
    )


def _grpc_ports(ctx: FamilyContext, backends: list[Backend]) -> tuple[list[str], list[str], list[str]]:
    """(ports already HTTP/2, what is wrong with the others, patch commands or instructions)."""
    ok: list[str] = []
    problems: list[str] = []
    patches: list[str] = []
    for backend in backends:
        service = ctx.resources.services.get((backend.namespace, backend.service))
        ports = (service.spec.get("ports") or []) if service else []
        index = next(
            (i for i, p in enumerate(ports) if isinstance(p, dict) and p.get("port") == backend.port), None
        )
        if service is None or backend.port is None:
            problems.append(f"{backend.label()} cannot be checked: the Service is not among the inputs.")
            patches.append(
                f"Make sure Service {backend.namespace}/{backend.service} declares `appProtocol: grpc`."
            )
        elif index is None:
            problems.append(f"Service {backend.namespace}/{backend.service} has no port {backend.port}.")
        elif _declares_h2(ports[index]):
            ok.append(backend.label())
        else:
            problems.append(f"{backend.label()} does not declare it.")
            patch = AppProtocolPatch(backend.namespace, backend.service, index, "grpc")
            needing = ctx.model.app_protocol_patches.setdefault(patch, [])
            if ctx.ingress not in needing:
                needing.append(ctx.ingress)
            patches.append(
                f"kubectl -n {backend.namespace} patch service {backend.service} --type=json -p"
                f' \'[{{"op":"add","path":"/spec/ports/{index}/appProtocol","value":"grpc"}}]\''
            )
    return ok, problems, patches


def _declares_h2(port: dict[str, object]) -> bool:
    app_protocol = str(port.get("appProtocol") or "").lower()
    if app_protocol:
        return app_protocol in H2_APP_PROTOCOLS
    name = str(port.get("name") or "").lower()
    return any(name == p or name.startswith(p + "-") for p in H2_PROTOCOLS)
