"""Redirects answered by ingress-nginx itself.

| key | verdict | Istio |
| --- | --- | --- |
| permanent-redirect | exact | `redirect: {scheme, authority, port, uri}` from the URL, code 301, on every route of the Ingress; a path (`/new`) → `redirect: {uri}` (nginx does not validate this URL) |
| permanent-redirect-code | exact | `redirectCode` (301/302/303/307/308); 300/304/305/306 → `directResponse` with the URL as body |
| temporal-redirect | exact | as permanent-redirect with code 302; wins when both are set; must be an http(s) URL |
| temporal-redirect-code | exact | `redirectCode` (302/303/307; 301 too); 300/304/305/306 → `directResponse` |
| from-to-www-redirect | approximated | VirtualService for the `www.` (or bare) twin host: `redirect: {authority: <host>}`, code 308 |
| use-port-in-redirects | approximated | nothing: nginx wrote the default port into its own redirects, Envoy leaves it out |
| relative-redirects | unsupported | nothing: Envoy redirects always carry an absolute URL |

nginx answers `return <code> <URL>` in the location before proxying (and before its HTTPS redirect), so
every route of the Ingress becomes a redirect; the implicit root location nginx adds to a host it creates
carries the same annotations, so requests no path matches are redirected too. nginx sends the URL as
`Location` only for 301/302/303/307/308; for the other codes it sends the URL as the response body, which
a `directResponse` reproduces. Only `temporal-redirect` must be an http(s) URL (`isValidURL` in
`redirect.go`); a `permanent-redirect` path such as `/new-location` is sent by nginx as
`Location: http://<Host>/new-location` (absolute_redirect on, no port), as an Istio `redirect` with only
`uri` does; with `relative-redirects` nginx sent `/new-location` itself (reported with that key). Envoy keeps the request's query string when the target URL has none, where
nginx sends the URL exactly; a URL ending in `$request_uri` keeps path and query in both. The from/to-www
twin redirects with `http-redirect-code` (308) and keeps the scheme, path and query; nginx also drops a
trailing `/` from the path, Envoy does not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._pcre import nginx_variables
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import Match, Route, RouteOrigin, Semantics, VirtualHost

KEYS = {
    "permanent-redirect": KeyInfo(Verdict.EXACT, "route `redirect` from the URL, code 301"),
    "permanent-redirect-code": KeyInfo(Verdict.EXACT, "`redirectCode`; 300/304/305/306 → `directResponse`"),
    "temporal-redirect": KeyInfo(
        Verdict.EXACT, "route `redirect` from the URL, code 302 (wins over permanent)"
    ),
    "temporal-redirect-code": KeyInfo(Verdict.EXACT, "`redirectCode`; 300/304/305/306 → `directResponse`"),
    "from-to-www-redirect": KeyInfo(
        Verdict.APPROXIMATED, "twin-host VirtualService redirecting to the host, 308"
    ),
    "use-port-in-redirects": KeyInfo(Verdict.APPROXIMATED, "nothing: redirects leave the default port out"),
    "relative-redirects": KeyInfo(Verdict.UNSUPPORTED, "nothing: Envoy redirects are absolute"),
}

# Codes an Envoy redirect action can send.
ENVOY_REDIRECT_CODES = {301, 302, 303, 307, 308}
# ingress-nginx's accepted ranges; anything else falls back to the default code.
PERMANENT_CODES = range(300, 309)
TEMPORAL_CODES = range(300, 308)
REQUEST_URI = "$request_uri"


def redirect_for_url(url: str, code: int) -> tuple[dict[str, Any] | None, list[str]]:
    """An absolute http(s) URL nginx sends as `Location` → the fields of an Istio `redirect`.

    A URL ending in `$request_uri` keeps the request's path and query: no `uri`, which Envoy keeps too.
    Returns (None, problems) when Envoy cannot send the same URL.
    """
    keep_path = url.endswith(REQUEST_URI)
    base = url[: -len(REQUEST_URI)] if keep_path else url
    variables = nginx_variables(base)
    if variables:
        return None, [f"the URL uses nginx variables ({', '.join(variables)}) that Envoy cannot expand"]
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None, [f"{url} is not an absolute http(s) URL"]
    if parts.username or parts.password:
        return None, ["the URL carries user information, which an Istio redirect cannot set"]
    host = parts.hostname
    redirect: dict[str, Any] = {
        "scheme": parts.scheme.lower(),
        "authority": f"[{host}]" if ":" in host else host,
    }
    try:
        port = parts.port
    except ValueError:
        return None, [f"{url} has an invalid port"]
    if port is not None:
        redirect["port"] = port
    if keep_path:
        if parts.path or parts.query or parts.fragment:
            return None, [
                "text between the host and $request_uri would need a path prefix in the redirect,"
                " which no released Istio supports"
            ]
    else:
        uri = parts.path or "/"
        if parts.query:
            uri += "?" + parts.query
        if parts.fragment:
            uri += "#" + parts.fragment
        redirect["uri"] = uri
    redirect["redirectCode"] = code
    return redirect, []


def refine(ctx: FamilyContext) -> None:
    if ctx.settings.canary:
        return  # nginx ignores these on a canary Ingress; the canary family reports them
    _location_redirect(ctx)
    _www_redirect(ctx)
    _port_and_relative(ctx)


# --- permanent-redirect / temporal-redirect --------------------------------------------------------


def _code(ctx: FamilyContext, key: str, allowed: range, default: int) -> tuple[int, bool]:
    """(code nginx uses, whether the key's value was taken)."""
    raw = ctx.value(key)
    if raw is None:
        return default, False
    try:
        value = int(raw.strip())
    except ValueError:
        return default, False
    return (value, True) if value in allowed else (default, False)


def _location_redirect(ctx: FamilyContext) -> None:
    temporal = (ctx.value("temporal-redirect") or "").strip()
    permanent = (ctx.value("permanent-redirect") or "").strip()
    if temporal:
        key, url, code_key, (code, code_taken) = (
            "temporal-redirect",
            temporal,
            "temporal-redirect-code",
            _code(ctx, "temporal-redirect-code", TEMPORAL_CODES, 302),
        )
        for loser in ("permanent-redirect", "permanent-redirect-code"):
            if ctx.has(loser):
                ctx.report(
                    loser,
                    Verdict.NO_OP,
                    "temporal-redirect is set too, and ingress-nginx uses it first: this key had no effect.",
                    action="Remove it to avoid confusion.",
                )
    elif permanent:
        key, url, code_key, (code, code_taken) = (
            "permanent-redirect",
            permanent,
            "permanent-redirect-code",
            _code(ctx, "permanent-redirect-code", PERMANENT_CODES, 301),
        )
    else:
        for orphan in (
            "permanent-redirect-code",
            "temporal-redirect-code",
            "temporal-redirect",
            "permanent-redirect",
        ):
            if ctx.has(orphan):
                ctx.report(
                    orphan,
                    Verdict.NO_OP,
                    f"{orphan} has no effect without a redirect URL; nothing to convert.",
                )
        return
    absolute = urlsplit(url).scheme.lower().startswith("http")
    if key == "temporal-redirect" and not absolute:
        # redirect.go validates only temporal-redirect (isValidURL): the Ingress keeps proxying.
        ctx.report(
            key,
            Verdict.NO_OP,
            f"{url!r} is not an http(s) URL; ingress-nginx rejected the annotation and proxied as usual,"
            " which the converted routes do too.",
            action="Fix the URL (absolute http:// or https://) if a redirect was intended.",
            severity=Severity.WARNING,
        )
        _report_code_key(ctx, code_key, code, code_taken, None)
        return
    if code in ENVOY_REDIRECT_CODES and not absolute:
        redirect, problems = _path_redirect(url, code)
        response = None
    elif code in ENVOY_REDIRECT_CODES:
        redirect, problems = redirect_for_url(url, code)
        response = None
    elif nginx_variables(url):
        redirect, response = None, None
        problems = [f"the body text uses nginx variables ({', '.join(nginx_variables(url))})"]
    else:
        redirect, response, problems = None, {"status": code, "body": {"string": url}}, []
    if problems:
        ctx.report(
            key,
            Verdict.UNSUPPORTED,
            f"ingress-nginx answered every request of this Ingress with {code} {url}; not converted: "
            + "; ".join(problems)
            + ". The routes still proxy to the backends.",
            action="Write the redirect as a VirtualService `redirect` by hand, or serve it from the backend.",
        )
        _report_code_key(ctx, code_key, code, code_taken, None)
        return
    if not ctx.record.obj.spec.get("rules"):
        # The catch-all server built from an Ingress without rules keeps no redirect (nginx resets it).
        ctx.report(
            key,
            Verdict.NO_OP,
            "This Ingress has only a default backend; ingress-nginx drops redirects on the catch-all server"
            " it configures, and so does the conversion.",
        )
        _report_code_key(ctx, code_key, code, code_taken, None)
        return
    where = _apply(ctx, redirect, response)
    shown = url if absolute or response is not None else f"<scheme>://<host>{url}"
    detail = (
        f"every route of this Ingress answers {code} with Location {shown}"
        if redirect is not None
        else f"every route of this Ingress answers {code} with the URL as the body, as nginx does"
        " (nginx adds `Location` only for 301/302/303/307/308)"
    )
    query = (
        " Envoy keeps the request's query string when the URL has none; nginx sent the URL as written."
        if redirect is not None and "uri" in redirect and "?" not in redirect["uri"]
        else ""
    )
    ctx.report(key, Verdict.EXACT, f"Converted: {detail}{where}.{query}")
    _report_code_key(ctx, code_key, code, code_taken, response is not None)


def _path_redirect(url: str, code: int) -> tuple[dict[str, Any] | None, list[str]]:
    """`return 301 /path`: nginx (absolute_redirect on, port_in_redirect and server_name_in_redirect
    off) sends `Location: <scheme>://<Host>/path`, which an Istio redirect with only `uri` sends too."""
    if not url.startswith("/"):
        return None, [f"{url!r} is neither an absolute http(s) URL nor a path, and nginx sent it as written"]
    variables = nginx_variables(url)
    if variables:
        return None, [f"the URL uses nginx variables ({', '.join(variables)}) that Envoy cannot expand"]
    return {"uri": url, "redirectCode": code}, []


def _report_code_key(ctx: FamilyContext, code_key: str, code: int, taken: bool, direct: bool | None) -> None:
    if not ctx.has(code_key):
        return
    raw = ctx.value(code_key)
    if not taken:
        ctx.report(
            code_key,
            Verdict.NO_OP,
            f"{raw!r} is not a code ingress-nginx accepts here; it used {code}, as the converted routes do.",
        )
    elif direct is None:
        ctx.report(code_key, Verdict.NO_OP, "The redirect it belongs to was not converted (see that key).")
    elif direct:
        ctx.report(
            code_key,
            Verdict.APPROXIMATED,
            f"Envoy redirects cannot answer {code}; a `directResponse` answers {code} with the URL as the body,"
            " which is what nginx sent for this code (its Content-Type may differ: Envoy sends text/plain).",
        )
    else:
        ctx.report(code_key, Verdict.EXACT, f"Redirects answer {code}, as in nginx.")


def _apply(ctx: FamilyContext, redirect: dict[str, Any] | None, response: dict[str, Any] | None) -> str:
    """Turn every proxying route of the Ingress into the redirect; returns a note for the report."""
    for _, route in ctx.routes():
        if route.redirect is None and route.direct_response is None:
            _answer(route, redirect, response)
    caught = []
    for vhost, route in root_locations(ctx):
        _answer(route, redirect, response)
        vhost.routes.append(route)
        caught.append(vhost.host)
    if not caught:
        return ""
    return (
        "; requests no path matches on "
        + ", ".join(caught)
        + " too (nginx's implicit `/` location of a host it created from this Ingress carried the redirect)"
    )


def _answer(route: Route, redirect: dict[str, Any] | None, response: dict[str, Any] | None) -> None:
    route.redirect = dict(redirect) if redirect is not None else None
    route.direct_response = dict(response) if response is not None else None
    route.http.pop("rewrite", None)  # Istio rejects a rewrite next to a redirect or direct response


def root_locations(ctx: FamilyContext) -> list[tuple[VirtualHost, Route]]:
    """A catch-all route, not yet added, for each host whose implicit `/` location nginx created from this
    Ingress (it carries the Ingress's annotations) and which no path of its own already covers."""
    out = []
    for vhost in ctx.hosts():
        if vhost.semantics is not Semantics.NGINX or vhost.passthrough or not vhost.ingresses:
            continue
        if vhost.ingresses[0] != ctx.ingress or _has_catch_all(vhost):
            continue
        route = Route(
            name=f"{ctx.record.obj.namespace}.{ctx.record.obj.name}.default-location",
            origin=RouteOrigin(ctx.ingress),
            matches=[Match()],
            sort_rank=2,
        )
        out.append((vhost, route))
    return out


def _has_catch_all(vhost: VirtualHost) -> bool:
    for route in vhost.routes:
        for match in route.matches:
            if match.port is None and not match.headers:
                if match.uri is None or match.uri == ("prefix", "/"):
                    return True
                if match.uri[0] == "regex" and match.uri[1] == "(?i)(?:/).*":
                    return True
    return False


# --- from-to-www-redirect -----------------------------------------------------------------------------


def _www_redirect(ctx: FamilyContext) -> None:
    if not ctx.has("from-to-www-redirect"):
        return
    if not ctx.flag("from-to-www-redirect"):
        ctx.report("from-to-www-redirect", Verdict.EXACT, "from-to-www-redirect is off; nothing to convert.")
        return
    made, skipped, external = [], [], []
    code = ctx.settings.redirect_code
    taken = {h for v in ctx.model.hosts.values() for h in (v.host, *v.aliases)}
    for vhost in list(ctx.hosts()):
        host = vhost.host
        if vhost.semantics is not Semantics.NGINX or host == "*" or host.startswith("*."):
            skipped.append(f"{host} (no www twin for a wildcard host)")
            continue
        twin = host[4:] if host.startswith("www.") else "www." + host
        existing = ctx.model.hosts.get(twin)
        if existing is not None and _is_twin_of(existing, host):
            made.append(f"{twin} → {host}")  # another Ingress of the host already made it
            continue
        if twin in taken:
            skipped.append(
                f"{twin} (an Ingress host or alias of its own; ingress-nginx skipped the redirect too)"
            )
            continue
        if vhost.passthrough:
            skipped.append(f"{twin} ({host} passes TLS through)")
            continue
        twin_host = VirtualHost(host=twin, namespace=vhost.namespace, semantics=Semantics.NGINX)
        twin_host.routes.append(
            Route(
                name=f"{ctx.record.obj.namespace}.{ctx.record.obj.name}.www-redirect",
                origin=RouteOrigin(ctx.ingress),
                matches=[Match()],
                redirect={"authority": host, "redirectCode": code},
                sort_rank=2,
            )
        )
        twin_host.tls_secret, twin_host.tls_secret_namespace = vhost.tls_secret, vhost.tls_secret_namespace
        twin_host.gateways = list(vhost.gateways)
        ctx.model.hosts[twin] = twin_host
        ctx.model.link(ctx.ingress, twin_host)
        taken.add(twin)
        if not _add_to_gateways(ctx, vhost, twin):
            external.append(twin)
        made.append(f"{twin} → {host}")
    if not made:
        ctx.report(
            "from-to-www-redirect",
            Verdict.NO_OP,
            "No twin host to redirect: " + "; ".join(skipped) + ".",
        )
        return
    tls = any(v.tls_secret for v in ctx.hosts())
    message = (
        f"Twin hosts redirect to the Ingress host with {code} (scheme, path and query kept): "
        + ", ".join(made)
        + ". ingress-nginx also removed a trailing `/` from the path (…/a/ → …/a); Envoy keeps it."
    )
    if skipped:
        message += " Not created: " + "; ".join(skipped) + "."
    action = None
    if tls:
        action = "The TLS certificate must also cover the twin hosts, or HTTPS clients of the twin see a name error."
    if external:
        action = (action + " " if action else "") + (
            f"Add {', '.join(external)} to the hosts of the gateway the VirtualServices bind to."
        )
    ctx.report("from-to-www-redirect", Verdict.APPROXIMATED, message, action=action)


def _is_twin_of(vhost: VirtualHost, host: str) -> bool:
    return any(
        r.redirect and r.redirect.get("authority") == host and r.name.endswith(".www-redirect")
        for r in vhost.routes
    )


def _add_to_gateways(ctx: FamilyContext, vhost: VirtualHost, twin: str) -> bool:
    """Serve the twin wherever the gateways serve the host (same ports, same certificate)."""
    added = False
    for plan in ctx.model.gateways:
        if f"{plan.namespace}/{plan.name}" not in vhost.gateways:
            continue
        for server in plan.servers:
            if vhost.host in server.hosts and twin not in server.hosts:
                server.hosts.append(twin)
                added = True
        if ctx.ingress not in plan.ingresses:
            plan.ingresses.append(ctx.ingress)
    return added


# --- use-port-in-redirects / relative-redirects -----------------------------------------------------


def _port_and_relative(ctx: FamilyContext) -> None:
    if ctx.has("use-port-in-redirects"):
        if ctx.flag("use-port-in-redirects"):
            ctx.report(
                "use-port-in-redirects",
                Verdict.APPROXIMATED,
                "nginx wrote its listen port into the redirects it generated (https://host:443/…); the"
                " Istio redirects leave the default port out, which clients treat the same.",
            )
        else:
            ctx.report(
                "use-port-in-redirects", Verdict.EXACT, "use-port-in-redirects is off; nothing to convert."
            )
    if ctx.has("relative-redirects"):
        if ctx.flag("relative-redirects"):
            ctx.report(
                "relative-redirects",
                Verdict.UNSUPPORTED,
                "nginx sent relative Location headers for the redirects it generated; Envoy always sends"
                " absolute URLs.",
                action="Redirects will carry absolute Location URLs; nothing to do unless a client depends on"
                " relative ones.",
                severity=Severity.INFO,
            )
        else:
            ctx.report("relative-redirects", Verdict.EXACT, "relative-redirects is off; nothing to convert.")
