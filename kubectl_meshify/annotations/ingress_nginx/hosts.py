"""Host names, the upstream Host header, TLS passthrough, default backends and error pages.

| key | verdict | Istio |
| --- | --- | --- |
| server-alias | exact | aliases added to the VirtualService `hosts` and the Gateway servers of the host |
| upstream-vhost | exact | `rewrite.authority: <value>` on the Ingress's routes |
| ssl-passthrough | exact | Gateway server `{port: 443, protocol: TLS, tls.mode: PASSTHROUGH}` + VirtualService `tls` route by `sniHosts` to the `/` backend |
| default-backend | unsupported | nothing: no "fall back to another Service when this one has no endpoints" in Istio |
| custom-http-errors | unsupported | nothing: backend error responses reach clients unchanged |
| disable-proxy-intercept-errors | no-op | nothing: Istio never intercepts backend errors |
| proxy-redirect-from | unsupported | nothing: Envoy does not rewrite `Location` headers of responses |
| proxy-redirect-to | unsupported | nothing (see proxy-redirect-from) |

ingress-nginx takes the aliases of a host from the first of its Ingresses that has any, and drops an
alias that is a host of its own or an earlier server's name (core applies that rule while building hosts;
this family reports it). TLS passthrough is per host: when any Ingress of the host asks for it, nginx's
TCP proxy sends connections for that SNI name to the backend of the host's `/` location, and no HTTP-level
setting applies to them. Over plain HTTP on port 80 nginx still served the host through its locations:
for a host listed in spec.tls (nginx held its certificate) that meant a redirect to HTTPS, which the
gateway keeps (a port-80 server and a redirect route); otherwise plain HTTP is no longer answered for the
host. Both are reported (PASSTHROUGH_PLAIN_HTTP), and paths other than `/` are reported as dropped. nginx
needs `--enable-ssl-passthrough` for this; the report asks to check it.
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._pcre import nginx_variables
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import Match, Route, RouteOrigin, Semantics, VirtualHost

KEYS = {
    "server-alias": KeyInfo(Verdict.EXACT, "aliases in VirtualService `hosts` and Gateway server `hosts`"),
    "upstream-vhost": KeyInfo(Verdict.EXACT, "`rewrite.authority`"),
    "ssl-passthrough": KeyInfo(
        Verdict.EXACT, "Gateway TLS PASSTHROUGH server + VirtualService `tls` route by SNI"
    ),
    "default-backend": KeyInfo(
        Verdict.UNSUPPORTED, "nothing: no fallback Service when the backend has no endpoints"
    ),
    "custom-http-errors": KeyInfo(Verdict.UNSUPPORTED, "nothing: backend errors reach clients unchanged"),
    "disable-proxy-intercept-errors": KeyInfo(
        Verdict.NO_OP, "nothing: Istio never intercepts backend errors"
    ),
    "proxy-redirect-from": KeyInfo(
        Verdict.UNSUPPORTED, "nothing: response `Location` headers are not rewritten"
    ),
    "proxy-redirect-to": KeyInfo(Verdict.UNSUPPORTED, "nothing (see proxy-redirect-from)"),
}

_REGEX_NAME_PREFIX = "~"


def prepare(ctx: FamilyContext) -> None:
    ctx.settings.passthrough = ctx.flag("ssl-passthrough")
    raw = ctx.value("server-alias")
    if raw is not None:
        names = dict.fromkeys(n.strip().lower() for n in raw.split(",") if n.strip())
        ctx.settings.aliases = [n for n in names if not n.startswith(_REGEX_NAME_PREFIX)]


def refine(ctx: FamilyContext) -> None:
    if ctx.settings.canary:
        return  # nginx ignores these on a canary Ingress; the canary family reports them
    _passthrough(ctx)
    _aliases(ctx)
    _upstream_vhost(ctx)
    _error_handling(ctx)
    _proxy_redirect(ctx)


# --- server-alias -------------------------------------------------------------------------------------


def _aliases(ctx: FamilyContext) -> None:
    raw = ctx.value("server-alias")
    if raw is None:
        return
    requested = dict.fromkeys(n.strip().lower() for n in raw.split(",") if n.strip())
    regexes = [n for n in requested if n.startswith(_REGEX_NAME_PREFIX)]
    served: list[str] = []
    dropped: list[str] = []
    tls = False
    own = {
        str(rule.get("host") or "*")
        for rule in ctx.record.obj.spec.get("rules") or []
        if isinstance(rule, dict)
    }
    for vhost in ctx.hosts():
        if vhost.semantics is not Semantics.NGINX or vhost.host not in own:
            continue  # www twins a family added have no aliases of their own
        source = next((k for k in vhost.ingresses if ctx.model.records[k].settings.aliases), None)
        for alias in ctx.settings.aliases:
            if alias in vhost.aliases:
                served.append(f"{alias} → {vhost.host}")
                tls = tls or bool(vhost.tls_secret)
            elif source != ctx.ingress:
                dropped.append(f"{alias} on {vhost.host} (aliases of {source} were taken for this host)")
            elif alias in ctx.model.hosts:
                dropped.append(f"{alias} (an Ingress host of its own)")
            else:
                owner = next((v.host for v in ctx.model.hosts.values() if alias in v.aliases), "another host")
                dropped.append(f"{alias} on {vhost.host} (already an alias of {owner})")
    # nginx served a `~regex` alias as a regex server name; Istio hosts are names or `*.` wildcards.
    lost = (
        f"Not served any more: {', '.join(regexes)} (nginx matched regex server names; Istio hosts cannot be"
        " regexes)."
        if regexes
        else ""
    )
    regex_action = "List the host names the regex stood for in server-alias (or as Ingress hosts)."
    if not served and not regexes:
        ctx.report(
            "server-alias",
            Verdict.NO_OP,
            "No alias is served, as in nginx: " + "; ".join(dropped or ["no names given"]) + ".",
        )
        return
    message = (
        "The host also answers as " + ", ".join(served) + " (VirtualService and Gateway hosts)."
        if served
        else ""
    )
    if dropped:
        message += " Dropped, as nginx dropped them: " + "; ".join(dropped) + "."
    actions = [regex_action] if regexes else []
    if tls and served:
        actions.append("The TLS certificate of the host must cover the aliases.")
    ctx.report(
        "server-alias",
        Verdict.APPROXIMATED if served and regexes else Verdict.UNSUPPORTED if regexes else Verdict.EXACT,
        " ".join(part for part in (message.strip(), lost) if part),
        action=" ".join(actions) or None,
    )


# --- upstream-vhost -----------------------------------------------------------------------------------


def _upstream_vhost(ctx: FamilyContext) -> None:
    value = ctx.value("upstream-vhost")
    if value is None:
        return
    value = value.strip()
    variables = nginx_variables(value)
    if variables or not value:
        ctx.report(
            "upstream-vhost",
            Verdict.UNSUPPORTED,
            f"{value!r} uses nginx variables ({', '.join(variables)}) that Istio cannot expand; the backend"
            " receives the client's Host header."
            if variables
            else "The value is empty; nginx sent an empty Host header, which Istio cannot do.",
            action="Set a literal host name, or make the backend accept the public host.",
        )
        return
    routes = [r for _, r in ctx.routes() if _proxies(r)]
    for route in routes:
        route.http.setdefault("rewrite", {})["authority"] = value
    ctx.report(
        "upstream-vhost",
        Verdict.EXACT if routes else Verdict.NO_OP,
        f"The backend receives `Host: {value}` on the {len(routes)} proxying route(s) of this Ingress"
        " (`rewrite.authority`)."
        if routes
        else "No route of this Ingress proxies to a backend; nothing to convert.",
    )


def _proxies(route: Route) -> bool:
    return route.redirect is None and route.direct_response is None


# --- ssl-passthrough ----------------------------------------------------------------------------------


def _passthrough(ctx: FamilyContext) -> None:
    if ctx.has("ssl-passthrough") and not ctx.settings.passthrough:
        ctx.report("ssl-passthrough", Verdict.EXACT, "ssl-passthrough is off; nothing to convert.")
        return
    if not ctx.settings.passthrough:
        return
    hosts: list[str] = []
    broken: list[str] = []
    for vhost in ctx.hosts():
        if not vhost.passthrough:
            continue
        if not vhost.tls_routes:
            _route_by_sni(ctx, vhost)
        (hosts if vhost.tls_routes else broken).append(vhost.host)
    action = (
        "ingress-nginx honours this annotation only with --enable-ssl-passthrough; if the controller ran"
        " without it, TLS was terminated by nginx and the HTTP paths were served instead."
    )
    if broken:
        ctx.report(
            "ssl-passthrough",
            Verdict.UNSUPPORTED,
            f"{', '.join(broken)} has no `/` path (or default backend) to pass TLS to; nginx's pass-through"
            " for it had no working backend either. The gateway passes these names through and has no"
            " route for them.",
            action="Add a `/` Prefix path to the backend that terminates TLS. " + action,
        )
        return
    ctx.report(
        "ssl-passthrough",
        Verdict.EXACT,
        f"TLS for {', '.join(hosts)} is passed through by SNI to the backend of the `/` path"
        " (Gateway TLS PASSTHROUGH server and VirtualService `tls` route); HTTP-level settings of the host"
        " do not apply, as in nginx.",
        action=action,
    )


def _route_by_sni(ctx: FamilyContext, vhost: VirtualHost) -> None:
    """Replace the host's HTTP routes by one TLS route to the backend of its `/` location, and keep
    what nginx did with plain HTTP on port 80 where Istio can: the redirect to HTTPS."""
    root = next(
        (
            r
            for r in vhost.routes
            if r.origin.rule is not None and (r.path or "/") == "/" and r.path_type == "Prefix"
        ),
        None,
    ) or next((r for r in vhost.routes if r.origin.rule is None and r.destinations and _proxies(r)), None)
    if root is not None and root.destinations:
        dest = root.destinations[0]
        destination: dict[str, Any] = {"host": ctx.options.service_host(dest.service, dest.namespace)}
        if dest.port is not None:
            destination["port"] = {"number": dest.port}
        vhost.tls_routes.append(
            {"match": [{"sniHosts": [vhost.host], "port": 443}], "route": [{"destination": destination}]}
        )
    dropped: dict[str, list[str]] = {}
    for route in vhost.routes:
        if route is root or route.origin.rule is None:
            continue
        dropped.setdefault(route.origin.ingress, []).append(f"{route.path_type} {route.path or '/'}")
    vhost.routes = []
    # nginx kept the host's server on port 80; with a certificate for the host it redirected HTTP to HTTPS.
    redirects = vhost.passthrough_secret is not None
    if redirects:
        code = ctx.model.records[vhost.ingresses[0]].settings.redirect_code
        vhost.routes.append(
            Route(
                name="https-redirect",
                origin=RouteOrigin(vhost.ingresses[0]),
                matches=[Match(port=80)],
                redirect={"scheme": "https", "redirectCode": code},
            )
        )
    _report_plain_http(ctx, vhost, redirects)
    for ingress, paths in dropped.items():
        after = (
            "plain-HTTP requests for them are redirected to HTTPS as nginx did, and then passed through"
            if redirects
            else "plain-HTTP requests on port 80, which nginx still served, are no longer answered for this host"
        )
        record = ctx.model.records[ingress]
        record.findings.append(
            Finding(
                code="PASSTHROUGH_PATHS_DROPPED",
                severity=Severity.WARNING,
                verdict=Verdict.APPROXIMATED,
                message=f"{vhost.host} passes TLS through to its `/` backend, so the paths {', '.join(paths)}"
                f" are not routed: over TLS nginx never saw them either; {after}.",
                action="Serve these paths from the passthrough backend, or move them to another host.",
                ingress=ingress,
            )
        )


def _report_plain_http(ctx: FamilyContext, vhost: VirtualHost, redirects: bool) -> None:
    """nginx served plain HTTP for a passthrough host through its locations, with every annotation of the
    Ingress; the gateway only redirects it to HTTPS (host with a certificate) or refuses it."""
    others = sorted(
        key[len(ctx.prefix) :]
        for key in ctx.record.obj.annotations
        if key.startswith(ctx.prefix) and key != ctx.prefix + "ssl-passthrough"
    )
    if redirects and not others:
        message = (
            f"Plain HTTP for {vhost.host} on port 80 is redirected to HTTPS as nginx did (the host has a"
            " certificate); nginx also removed a trailing `/` from the redirect target, the gateway keeps it."
        )
        action = "Nothing to do unless clients depend on the slash being removed."
    elif redirects:
        message = (
            f"Plain HTTP for {vhost.host} on port 80 is redirected to HTTPS, as nginx did by default; nginx"
            f" also applied this Ingress's other annotations ({', '.join(others)}) to those plain-HTTP requests"
            " (the passthrough only bypasses them over TLS), and they are not converted."
        )
        action = (
            "Check that none of them changed what plain-HTTP clients got (for example ssl-redirect: false)."
        )
    else:
        message = (
            f"nginx still served plain HTTP for {vhost.host} on port 80 through the host's locations; the"
            " gateway has no HTTP server for it, so those requests are refused (a passthrough backend"
            " normally speaks only TLS)."
        )
        action = (
            "If plain-HTTP clients exist, add the host to a port-80 server of the Gateway and an `http` route"
            " to its VirtualService."
        )
    ctx.note(
        Finding(
            code="PASSTHROUGH_PLAIN_HTTP",
            severity=Severity.INFO if redirects and not others else Severity.WARNING,
            verdict=Verdict.APPROXIMATED,
            message=message,
            action=action,
            ingress=ctx.ingress,
        )
    )


# --- default-backend, custom-http-errors, disable-proxy-intercept-errors ---------------------------------


def _error_handling(ctx: FamilyContext) -> None:
    if ctx.has("default-backend"):
        ctx.report(
            "default-backend",
            Verdict.UNSUPPORTED,
            f"nginx sent requests to Service {ctx.value('default-backend')} when the backend had no ready"
            " endpoints (and served custom-http-errors pages from it); Istio has no such fallback, so those"
            " requests now get 503.",
            action="Fallback service not converted. Consider a catch-all route, or an EnvoyFilter with"
            " Envoy's custom_response filter for error pages.",
        )
    intercept_off = ctx.flag("disable-proxy-intercept-errors")
    if ctx.has("custom-http-errors"):
        codes = ctx.value("custom-http-errors") or ""
        if intercept_off:
            ctx.report(
                "custom-http-errors",
                Verdict.NO_OP,
                "disable-proxy-intercept-errors is on, so nginx passed backend errors through; so does Istio.",
            )
        else:
            ctx.report(
                "custom-http-errors",
                Verdict.UNSUPPORTED,
                f"nginx replaced backend responses with codes {codes} by its error pages; Istio passes them"
                " through.",
                action="Backend error responses will now reach clients unchanged; serve error pages from the"
                " backend, or add Envoy's custom_response filter with an EnvoyFilter.",
            )
    if ctx.has("disable-proxy-intercept-errors"):
        ctx.report(
            "disable-proxy-intercept-errors",
            Verdict.NO_OP,
            "Istio never intercepts backend error responses; nothing to convert.",
        )


# --- proxy-redirect-from / proxy-redirect-to -------------------------------------------------------------


def _proxy_redirect(ctx: FamilyContext) -> None:
    if not (ctx.has("proxy-redirect-from") or ctx.has("proxy-redirect-to")):
        return
    source = (ctx.value("proxy-redirect-from") or "off").strip()
    target = (ctx.value("proxy-redirect-to") or "off").strip()
    if source == "off" or (source != "default" and target == "off"):
        for key in ("proxy-redirect-from", "proxy-redirect-to"):
            if ctx.has(key):
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    "With this pair of values nginx did not rewrite Location headers (proxy_redirect off);"
                    " Envoy does not either.",
                )
        return
    if source == "default":
        text = (
            "nginx's default proxy_redirect rewrote Location headers naming its internal upstream"
            " (http://upstream_balancer/…) to the public host; backends rarely send those, and Envoy passes"
            " Location headers unchanged."
        )
        verdict = Verdict.APPROXIMATED
    else:
        text = f"nginx rewrote `{source}` to `{target}` in Location and Refresh headers of responses; Envoy"
        text += " passes them unchanged."
        verdict = Verdict.UNSUPPORTED
    for key in ("proxy-redirect-from", "proxy-redirect-to"):
        if ctx.has(key):
            ctx.report(
                key,
                verdict,
                text,
                action="Upstream redirects keep their original Location. Fix the app, or set upstream-vhost so"
                " it builds correct URLs.",
            )
