"""Response headers: custom headers from a ConfigMap, Set-Cookie rewriting, HTTP/2 push.

| key | verdict | Istio |
| --- | --- | --- |
| custom-headers | exact | route `headers.response.set` from the ConfigMap's data, read at conversion time (reported when the ConfigMap is not among the inputs) |
| http2-push-preload | unsupported | none: server push is gone from Envoy and from browsers (harmless) |
| proxy-cookie-domain | unsupported | none: Envoy cannot rewrite Set-Cookie attributes |
| proxy-cookie-path | unsupported | none: Envoy cannot rewrite Set-Cookie attributes |

ingress-nginx refused a location (503) when the ConfigMap was missing, held an invalid header, or named
a header not listed in the controller's `global-allowed-response-headers`.
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import (
    merge_headers,
    nginx_variables,
    present,
    report_ignored,
)
from kubectl_meshify.findings import Severity, Verdict

KEYS = {
    "custom-headers": KeyInfo(Verdict.EXACT, "route `headers.response.set` from the ConfigMap"),
    "http2-push-preload": KeyInfo(Verdict.UNSUPPORTED, "none (server push is gone)"),
    "proxy-cookie-domain": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "proxy-cookie-path": KeyInfo(Verdict.UNSUPPORTED, "none"),
}


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    if ctx.has("custom-headers"):
        _custom_headers(ctx)
    if ctx.has("http2-push-preload"):
        if ctx.flag("http2-push-preload"):
            ctx.report(
                "http2-push-preload",
                Verdict.UNSUPPORTED,
                "HTTP/2 server push is not converted: Envoy has no server push, and browsers dropped it.",
                action="Nothing to do: the Link preload headers still reach browsers, which preload instead.",
                severity=Severity.INFO,
            )
        else:
            ctx.report("http2-push-preload", Verdict.NO_OP, "Server push was off; nothing to convert.")
    for key in ("proxy-cookie-domain", "proxy-cookie-path"):
        if not ctx.has(key):
            continue
        value = (ctx.value(key) or "").strip()
        if value.lower() in ("", "off"):
            ctx.report(key, Verdict.NO_OP, "off: Set-Cookie headers pass unchanged, as in Envoy.")
        else:
            ctx.report(
                key,
                Verdict.UNSUPPORTED,
                f"nginx rewrote Set-Cookie headers from the backend ({value}); Envoy passes them unchanged.",
                action="Make the application set the cookie attributes it needs (or set upstream-vhost so it"
                " builds them from the public host).",
            )


def _custom_headers(ctx: FamilyContext) -> None:
    raw = (ctx.value("custom-headers") or "").strip()
    namespace, _, name = raw.rpartition("/")
    namespace = namespace or ctx.record.obj.namespace
    config_map = ctx.resources.config_maps.get((namespace, name))
    if config_map is None:
        ctx.report(
            "custom-headers",
            Verdict.UNSUPPORTED,
            f"ConfigMap {namespace}/{name} is not among the inputs, so its response headers are not converted.",
            action=f"Add the ConfigMap to the inputs (kubectl get configmap {name} -n {namespace} -o yaml) and"
            " convert again.",
        )
        return
    data = config_map.body.get("data") or {}
    # Header names are case-insensitive; Envoy sends them in lower case anyway.
    headers = {str(k).lower(): str(v) for k, v in sorted(data.items())} if isinstance(data, dict) else {}
    dynamic = sorted(k for k, v in headers.items() if nginx_variables(v))
    static = {k: v for k, v in headers.items() if k not in dynamic}
    routes = [route for _, route in ctx.routes() if route.redirect is None and route.direct_response is None]
    if static:
        for route in routes:
            merge_headers(route, "response", "set", static)
    text = (
        f"Response headers {', '.join(static) or 'none'} from ConfigMap {namespace}/{name} are set on"
        f" {len(routes)} route(s); later edits to the ConfigMap do not propagate."
        " ingress-nginx applied them only if the controller's global-allowed-response-headers listed them."
    )
    if dynamic:
        ctx.report(
            "custom-headers",
            Verdict.APPROXIMATED,
            text + f" Not converted: {', '.join(dynamic)} (their values use nginx variables).",
            action="Set those headers in the application, or with literal values in the VirtualService.",
        )
    else:
        ctx.report("custom-headers", Verdict.EXACT, text)
