"""Authentication: external auth (auth-url) and basic/digest auth.

| key | verdict | Istio |
| --- | --- | --- |
| auth-url | approximated | AuthorizationPolicy `action: CUSTOM` on the gateway for the Ingress's hosts and paths + a MeshConfig `extensionProviders[].envoyExtAuthzHttp` entry (given in the report; a mesh admin adds it). Envoy sends the original method and path (appended to `pathPrefix`), not nginx's GET with X-Original-URL |
| auth-signin | approximated | none: the auth service's own denial (e.g. a 302 to the sign-in page) reaches the client |
| auth-signin-redirect-param | approximated | as auth-signin |
| auth-response-headers | exact | provider `headersToUpstreamOnAllow` |
| auth-proxy-set-headers | approximated | provider `includeAdditionalHeadersInCheck` from the ConfigMap (literal values only) |
| auth-request-redirect | approximated | provider `includeAdditionalHeadersInCheck: {x-auth-request-redirect: <value>}` |
| auth-always-set-cookie | approximated | provider `headersToDownstreamOnAllow: [set-cookie]` (always set) |
| auth-method | unsupported | none: Envoy uses the request's method |
| auth-cache-key | unsupported | none: every request calls the auth service |
| auth-cache-duration | unsupported | none |
| auth-keepalive | no-op | none: Envoy pools connections to the auth service |
| auth-keepalive-requests | no-op | none |
| auth-keepalive-timeout | no-op | none |
| auth-keepalive-share-vars | no-op | none |
| enable-global-auth | approximated | `false`: no global external auth is converted; exclude these hosts/paths from one if it is added |
| auth-type | unsupported | none: Istio has no basic/digest auth; the paths are open until an ext-authz service or a `{SHA}`-only basic_auth EnvoyFilter protects them |
| auth-secret | unsupported | input of auth-type |
| auth-secret-type | unsupported | input of auth-type |
| auth-realm | unsupported | input of auth-type |

The auth URL's host may be a Service (`svc.ns[.svc.cluster.local]`), a host that converted Ingresses
route (`$host` included: the route for the URL's path gives the Service), or an outside host (a
ServiceEntry is then needed). A query string or other nginx variables in the URL are unsupported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.gateway_scope import Backend, set_policy
from kubectl_meshify.annotations.ingress_nginx import access
from kubectl_meshify.annotations.ingress_nginx._common import (
    cluster_service,
    csv,
    nginx_variables,
    present,
    report_ignored,
)
from kubectl_meshify.annotations.request_scope import authz_operations
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import Match
from kubectl_meshify.naming import dns_label, short_hash

KEYS = {
    "auth-url": KeyInfo(
        Verdict.APPROXIMATED,
        "AuthorizationPolicy `CUSTOM` on the gateway + MeshConfig `extensionProviders` envoyExtAuthzHttp",
    ),
    "auth-signin": KeyInfo(Verdict.APPROXIMATED, "none: the auth service must answer with the redirect"),
    "auth-signin-redirect-param": KeyInfo(Verdict.APPROXIMATED, "none (as auth-signin)"),
    "auth-response-headers": KeyInfo(Verdict.EXACT, "provider `headersToUpstreamOnAllow`"),
    "auth-proxy-set-headers": KeyInfo(Verdict.APPROXIMATED, "provider `includeAdditionalHeadersInCheck`"),
    "auth-request-redirect": KeyInfo(Verdict.APPROXIMATED, "provider `includeAdditionalHeadersInCheck`"),
    "auth-always-set-cookie": KeyInfo(
        Verdict.APPROXIMATED, "provider `headersToDownstreamOnAllow: [set-cookie]`"
    ),
    "auth-method": KeyInfo(Verdict.UNSUPPORTED, "none: Envoy uses the request's method"),
    "auth-cache-key": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "auth-cache-duration": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "auth-keepalive": KeyInfo(Verdict.NO_OP, "none: Envoy pools connections"),
    "auth-keepalive-requests": KeyInfo(Verdict.NO_OP, "none"),
    "auth-keepalive-timeout": KeyInfo(Verdict.NO_OP, "none"),
    "auth-keepalive-share-vars": KeyInfo(Verdict.NO_OP, "none"),
    "enable-global-auth": KeyInfo(Verdict.APPROXIMATED, "`false`: exclude from a global ext-authz policy"),
    "auth-type": KeyInfo(Verdict.UNSUPPORTED, "none: no basic/digest auth in Istio"),
    "auth-secret": KeyInfo(Verdict.UNSUPPORTED, "input of auth-type"),
    "auth-secret-type": KeyInfo(Verdict.UNSUPPORTED, "input of auth-type"),
    "auth-realm": KeyInfo(Verdict.UNSUPPORTED, "input of auth-type"),
}

EXTERNAL_AUTH_KEYS = (
    "auth-signin",
    "auth-signin-redirect-param",
    "auth-response-headers",
    "auth-proxy-set-headers",
    "auth-request-redirect",
    "auth-always-set-cookie",
    "auth-method",
    "auth-cache-key",
    "auth-cache-duration",
    "auth-keepalive",
    "auth-keepalive-requests",
    "auth-keepalive-timeout",
    "auth-keepalive-share-vars",
)
BASIC_AUTH_KEYS = ("auth-secret", "auth-secret-type", "auth-realm")
# Client headers sent to the auth service; nginx sent them all, Envoy only those listed (plus the basics).
CHECK_HEADERS = ["authorization", "cookie", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"]
HOST_VARIABLES = {"host", "http_host", "best_http_host"}
# The authority is a host[:port] or a single nginx variable; anything after it (variables too) is the path.
_URL = re.compile(
    r"^(?P<scheme>https?)://(?P<authority>\$\{?[A-Za-z_]+\}?|[^/?#$]+)(?P<path>[^?#]*)(?P<query>\?[^#]*)?$"
)


@dataclass
class AuthTarget:
    """Where Envoy's authorization check goes."""

    host: str  # mesh host (Service FQDN or outside name)
    port: int
    path: str
    scheme: str
    service: tuple[str, str] | None = None  # (namespace, name) when inside the cluster
    via: list[str] = field(default_factory=list)  # how the host was resolved, for the report


def resolve_auth_url(ctx: FamilyContext, url: str) -> tuple[AuthTarget | None, str | None]:
    """auth-url → where Envoy calls it, or why it cannot."""
    match = _URL.match(url.strip())
    if match is None:
        return None, "is not an http(s) URL"
    if match.group("query"):
        return (
            None,
            f"has a query string ({match.group('query')}), which Envoy cannot send to the auth service",
        )
    scheme, authority, path = match.group("scheme"), match.group("authority"), match.group("path")
    if nginx_variables(path):
        return None, f"uses nginx variables in its path ({path})"
    default_port = 443 if scheme == "https" else 80
    variables = nginx_variables(authority)
    if variables:
        if authority.lstrip("$").strip("{}") not in HOST_VARIABLES:
            return None, f"uses nginx variables in its host ({authority})"
        return _via_routes(ctx, [v.host for v in ctx.hosts()], path or "/")
    host, _, port_text = authority.partition(":")
    host = host.lower()
    port = int(port_text) if port_text.isdigit() else default_port
    if host in ctx.model.hosts:
        return _via_routes(ctx, [host], path or "/")
    service = cluster_service(ctx, host)
    if service is not None:
        target = AuthTarget(ctx.options.service_host(service[1], service[0]), port, path, scheme, service)
        target.via.append(f"Service {service[0]}/{service[1]}")
        return target, None
    return AuthTarget(host, port, path, scheme), None


def _via_routes(ctx: FamilyContext, hosts: list[str], path: str) -> tuple[AuthTarget | None, str | None]:
    """The Service that the converted routes send `path` on these hosts to (one for all of them)."""
    found: set[tuple[str, str, int | None]] = set()
    for host in hosts:
        vhost = ctx.model.hosts.get(host)
        route = (
            next(
                (r for r in vhost.routes if r.destinations and any(_accepts(m, path) for m in r.matches)),
                None,
            )
            if vhost
            else None
        )
        if route is None:
            return None, f"points at {host}{path}, which no converted route serves"
        dest = route.destinations[0]
        found.add((dest.namespace, dest.service, dest.port))
    if len(found) != 1:
        return (
            None,
            f"reaches different Services on the Ingress's hosts ({', '.join(sorted(s for _, s, _ in found))})",
        )
    namespace, name, port = found.pop()
    target = AuthTarget(
        ctx.options.service_host(name, namespace), port or 80, path, "http", (namespace, name)
    )
    target.via.append(f"the route for {path} on {', '.join(hosts)} (Service {namespace}/{name})")
    return target, None


def _accepts(match: Match, path: str) -> bool:
    """Whether a header-less match clause takes requests for `path`."""
    if match.headers:
        return False
    if match.uri is None:
        return True
    kind, value = match.uri
    if kind == "exact":
        return path == value
    if kind == "prefix":
        return path.startswith(value)
    try:
        return re.fullmatch(value, path) is not None
    except re.error:
        return False


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    converted = _external_auth(ctx) if ctx.has("auth-url") else False
    for key in EXTERNAL_AUTH_KEYS:
        if ctx.has(key) and not converted:
            ctx.report(
                key,
                Verdict.NO_OP,
                "Only used with auth-url, which is "
                + ("not converted (see auth-url)." if ctx.has("auth-url") else "not set; it had no effect."),
            )
    if ctx.has("enable-global-auth"):
        if ctx.flag("enable-global-auth", default=True):
            ctx.report(
                "enable-global-auth",
                Verdict.NO_OP,
                "The controller-wide global-auth-url (if any) applied; kubectl-meshify converts no global auth.",
            )
        else:
            ctx.report(
                "enable-global-auth",
                Verdict.APPROXIMATED,
                "This Ingress opted out of the controller's global-auth-url. No global external auth is"
                " converted, so nothing is needed now.",
                action="If you add a gateway-wide CUSTOM AuthorizationPolicy for global auth, list this"
                " Ingress's hosts and paths in its notHosts/notPaths.",
            )
    _basic_auth(ctx)


def _external_auth(ctx: FamilyContext) -> bool:
    url = (ctx.value("auth-url") or "").strip()
    target, problem = resolve_auth_url(ctx, url)
    if target is None:
        ctx.report(
            "auth-url",
            Verdict.UNSUPPORTED,
            f"auth-url {url!r} {problem}; no external auth is converted, so these paths are open to everyone.",
            action="Point auth-url at the auth Service (http://svc.namespace:port/path) and convert again, or"
            " protect the paths with an AuthorizationPolicy CUSTOM provider by hand before cutting over.",
            severity=Severity.ERROR,
        )
        return False
    operations, widened = authz_operations(ctx)
    if not operations:
        ctx.report(
            "auth-url", Verdict.NO_OP, "No route of this Ingress receives requests; nothing to protect."
        )
        return False
    provider, notes = _provider(ctx, target)
    rule: dict[str, Any] = {"to": operations}
    satisfy_any = (ctx.value("satisfy") or "").strip().lower() == "any"
    allow_key, cidrs, invalid = access.allowlist(ctx)
    if satisfy_any and allow_key and cidrs and not invalid:
        rule = {"from": [{"source": {"notRemoteIpBlocks": cidrs}}], "to": operations}
        ctx.settings.extra[access.ALLOWLIST_IN_EXT_AUTHZ] = cidrs
    manifest = access.gateway_policy(
        ctx, "ext-authz", {"action": "CUSTOM", "provider": {"name": provider["name"]}, "rules": [rule]}
    )
    ctx.settings.extra[access.EXT_AUTHZ_EMITTED] = True
    if target.scheme == "https" and target.service is not None:
        set_policy(
            ctx,
            Backend(target.service[0], target.service[1], target.port),
            ("tls",),
            {"mode": "SIMPLE", "insecureSkipVerify": True},
        )
        notes.append(
            "The auth service speaks HTTPS: the gateway-scoped DestinationRule originates TLS to it."
        )
    meta = manifest["metadata"]
    text = (
        f"External auth: AuthorizationPolicy {meta['namespace']}/{meta['name']} (CUSTOM, provider"
        f" {provider['name']}) sends this Ingress's requests to {target.host}:{target.port}"
        + (f" (found via {'; '.join(target.via)})" if target.via else "")
        + ". Envoy calls it with the request's own method and path appended to pathPrefix"
        f" ({target.path or '/'}), not with a GET to the URL and X-Original-URL/X-Original-Method headers as"
        " nginx did; only the listed request headers are forwarded to it."
    )
    if notes:
        text += " " + " ".join(notes)
    if widened:
        text += " Regex paths were widened for the policy: " + "; ".join(widened) + "."
    snippet = json.dumps({"extensionProviders": [provider]}, separators=(", ", ": "))
    action = (
        f"A mesh admin must add this provider to MeshConfig (istioctl/Helm meshConfig): {snippet}."
        " Reconfigure the auth service for Envoy's check requests (e.g. oauth2-proxy as an ext-authz"
        " provider); until both are done, requests to these paths are denied."
    )
    if target.service is None:
        action += (
            f" {target.host} is outside the mesh: add a ServiceEntry for it (port {target.port}, protocol HTTP"
            + (", with a DestinationRule tls SIMPLE" if target.scheme == "https" else "")
            + ")."
        )
    ctx.report("auth-url", Verdict.APPROXIMATED, text, action=action, severity=Severity.WARNING)
    _report_provider_keys(ctx, provider)
    return True


def _provider(ctx: FamilyContext, target: AuthTarget) -> tuple[dict[str, Any], list[str]]:
    """The MeshConfig extension provider for this Ingress's auth-url and friends."""
    notes: list[str] = []
    http: dict[str, Any] = {"service": target.host, "port": target.port}
    if target.path not in ("", "/"):
        http["pathPrefix"] = target.path
    http["includeRequestHeadersInCheck"] = list(CHECK_HEADERS)
    additional: dict[str, str] = {}
    if ctx.has("auth-proxy-set-headers"):
        additional.update(_proxy_set_headers(ctx))
    redirect = (ctx.value("auth-request-redirect") or "").strip()
    if redirect and not nginx_variables(redirect):
        additional["x-auth-request-redirect"] = redirect
    if additional:
        http["includeAdditionalHeadersInCheck"] = dict(sorted(additional.items()))
    upstream = [h.lower() for h in csv(ctx.value("auth-response-headers"))]
    if upstream:
        http["headersToUpstreamOnAllow"] = upstream
    http["headersToDownstreamOnAllow"] = ["set-cookie"]
    deny = ["content-type", "www-authenticate"]
    if ctx.has("auth-signin"):
        deny += ["location", "set-cookie"]
    http["headersToDownstreamOnDeny"] = sorted(deny)
    digest = short_hash(json.dumps(http, sort_keys=True))
    base = dns_label(target.host.split(".")[0])[:30].rstrip("-")
    return {"name": f"meshify-ext-authz-{base}-{digest}", "envoyExtAuthzHttp": http}, notes


def _proxy_set_headers(ctx: FamilyContext) -> dict[str, str]:
    """The literal headers of the auth-proxy-set-headers ConfigMap (problems kept for the report)."""
    raw = (ctx.value("auth-proxy-set-headers") or "").strip()
    namespace, _, name = raw.rpartition("/")
    namespace = namespace or ctx.record.obj.namespace
    config_map = ctx.resources.config_maps.get((namespace, name))
    if config_map is None:
        ctx.settings.extra["auth_proxy_set_headers"] = f"ConfigMap {namespace}/{name} is not among the inputs"
        return {}
    data = config_map.body.get("data") or {}
    headers = {str(k).lower(): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    dynamic = sorted(k for k, v in headers.items() if nginx_variables(v))
    ctx.settings.extra["auth_proxy_set_headers"] = (
        f"{', '.join(dynamic)} use nginx variables and are not sent" if dynamic else ""
    )
    return {k: v for k, v in headers.items() if k not in dynamic}


def _report_provider_keys(ctx: FamilyContext, provider: dict[str, Any]) -> None:
    http = provider["envoyExtAuthzHttp"]
    if ctx.has("auth-response-headers"):
        ctx.report(
            "auth-response-headers",
            Verdict.EXACT,
            f"Auth response headers {', '.join(http.get('headersToUpstreamOnAllow', [])) or 'none'} are copied"
            " to the upstream request (headersToUpstreamOnAllow). It is a provider setting: every Ingress"
            " using this provider gets it.",
        )
    if ctx.has("auth-proxy-set-headers"):
        problem = ctx.settings.extra.get("auth_proxy_set_headers", "")
        added = http.get("includeAdditionalHeadersInCheck", {})
        ctx.report(
            "auth-proxy-set-headers",
            Verdict.APPROXIMATED if added else Verdict.UNSUPPORTED,
            f"Headers {', '.join(k for k in added if k != 'x-auth-request-redirect') or 'none'} are sent to the"
            " auth service with fixed values (includeAdditionalHeadersInCheck)."
            + (f" {problem}." if problem else ""),
            action="Add the ConfigMap to the inputs and convert again." if "not among" in problem else None,
        )
    if ctx.has("auth-request-redirect"):
        value = (ctx.value("auth-request-redirect") or "").strip()
        if nginx_variables(value):
            ctx.report(
                "auth-request-redirect",
                Verdict.UNSUPPORTED,
                f"{value!r} uses nginx variables; Envoy can only send a fixed X-Auth-Request-Redirect value.",
            )
        else:
            ctx.report(
                "auth-request-redirect",
                Verdict.APPROXIMATED,
                f"X-Auth-Request-Redirect: {value} is sent to the auth service (includeAdditionalHeadersInCheck).",
            )
    if ctx.has("auth-signin"):
        ctx.report(
            "auth-signin",
            Verdict.APPROXIMATED,
            f"nginx redirected browsers that got 401 to {ctx.value('auth-signin')}; Envoy passes the auth"
            " service's denial (status, Location, Set-Cookie) to the client instead.",
            action="Make the auth service answer unauthenticated browser requests with the redirect to the"
            " sign-in page itself (oauth2-proxy does this when it runs as the ext-authz provider).",
            severity=Severity.WARNING,
        )
    if ctx.has("auth-signin-redirect-param"):
        ctx.report(
            "auth-signin-redirect-param",
            Verdict.APPROXIMATED,
            "The sign-in redirect (and its return-URL parameter) is now built by the auth service.",
        )
    if ctx.has("auth-always-set-cookie"):
        ctx.report(
            "auth-always-set-cookie",
            Verdict.APPROXIMATED,
            "Set-Cookie from the auth service is passed to the client on allowed requests whatever the"
            " backend answers (headersToDownstreamOnAllow); without this nginx passed it only on success.",
        )
    if ctx.has("auth-method"):
        ctx.report(
            "auth-method",
            Verdict.UNSUPPORTED,
            f"nginx called the auth service with {ctx.value('auth-method')}; Envoy uses the request's own method.",
            action="Make the auth service accept every method the application receives.",
        )
    if ctx.has("auth-cache-key"):
        ctx.report(
            "auth-cache-key",
            Verdict.UNSUPPORTED,
            "nginx cached auth responses; Envoy calls the auth service for every request.",
            action="Size the auth service for the full request rate, or cache inside it.",
        )
    if ctx.has("auth-cache-duration"):
        ctx.report(
            "auth-cache-duration",
            Verdict.UNSUPPORTED if ctx.has("auth-cache-key") else Verdict.NO_OP,
            "No auth response caching in Envoy (see auth-cache-key)."
            if ctx.has("auth-cache-key")
            else "nginx cached auth responses only with auth-cache-key; it had no effect.",
        )
    for key in (
        "auth-keepalive",
        "auth-keepalive-requests",
        "auth-keepalive-timeout",
        "auth-keepalive-share-vars",
    ):
        if ctx.has(key):
            ctx.report(key, Verdict.NO_OP, "Envoy keeps and pools connections to the auth service by itself.")


def _basic_auth(ctx: FamilyContext) -> None:
    kind = (ctx.value("auth-type") or "").strip().lower()
    secret = (ctx.value("auth-secret") or "").strip()
    active = kind in ("basic", "digest")
    if ctx.has("auth-type"):
        if kind == "basic":
            ctx.report(
                "auth-type",
                Verdict.UNSUPPORTED,
                f"Istio has no built-in basic auth: the credentials in secret {secret or '(auth-secret missing)'}"
                " are not checked, so these paths are open to everyone.",
                action="Protect the paths before cutting over: run an ext-authz service that checks the htpasswd"
                " file (then convert it like auth-url: CUSTOM AuthorizationPolicy + MeshConfig provider), or,"
                " only if every hash in the secret starts with {SHA}, add an EnvoyFilter with"
                " envoy.filters.http.basic_auth on the gateway (the usual $apr1$/bcrypt hashes must be re-hashed).",
                severity=Severity.ERROR,
            )
        elif kind == "digest":
            ctx.report(
                "auth-type",
                Verdict.UNSUPPORTED,
                "Envoy has no digest auth: these paths are open to everyone.",
                action="Move the users to an ext-authz or OIDC solution (e.g. oauth2-proxy) before cutting over.",
                severity=Severity.ERROR,
            )
        else:
            ctx.report(
                "auth-type",
                Verdict.UNSUPPORTED,
                f"{kind!r} is not basic or digest: ingress-nginx refused this Ingress's locations (503); the"
                " converted routes are open.",
                action="Fix or remove auth-type.",
                severity=Severity.ERROR,
            )
    for key in BASIC_AUTH_KEYS:
        if not ctx.has(key):
            continue
        if active:
            ctx.report(
                key,
                Verdict.UNSUPPORTED,
                f"Part of {kind} auth, which is not converted (see auth-type).",
                severity=Severity.INFO,
            )
        else:
            ctx.report(key, Verdict.NO_OP, "Only used with auth-type basic or digest; it had no effect.")
