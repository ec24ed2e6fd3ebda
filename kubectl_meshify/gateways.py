"""Gateways and their servers: which Gateway each host is bound to, and one HTTPS server per certificate.

Two Istio behaviours shape the layout (docs/tls.md):

- A VirtualService bound to a Gateway applies to every server host it intersects: a `*.example.com`
  VirtualService bound to a Gateway that also lists `www.example.com` adds its routes to www's (istiod
  appends them, then moves catch-all routes last), where ingress-nginx routed www only by www's rules.
- Hosts that share one certificate must share one HTTPS server: browsers reuse an HTTP/2 connection for
  every host the certificate covers, and Envoy routes a reused connection with the routes of the server it
  was opened for, so hosts on other servers answer 404.

Layout:

1. One HTTPS server per credential, listing every host served with it.
2. Hosts go to `meshify` (exact hosts), `meshify-<wildcard>` (each wildcard host) and `meshify-catch-all`
   (`*`) in the namespace of their VirtualService, so wildcard VirtualServices meet no other hosts.
3. A credential whose hosts would land on several Gateways puts them all on the Gateway of its broadest host
   (`*`, then the wildcard with the fewest labels). Rule 1 wins over rule 2 there.
4. Where a wildcard host shares a Gateway with hosts it covers (rule 3, or `--gateway`), its VirtualService
   starts with guard routes: a copy of each covered host's routes limited to that host's `:authority`,
   then a 404 for it. In the covered host's merged routes the first match is then always one of its own
   routes (or the 404), whatever order istiod merges them in; on other hosts the guards never match.
5. A host that lies under another certificate's wildcard host keeps a finding: if that certificate covers
   it, connection reuse sends its requests to the wildcard's server (it cannot be seen from manifests).
6. Single-label hosts (`foo`): istiod rewrites a VirtualService host without a dot into
   `foo.<namespace>.svc.<domain>` (`ResolveVirtualServiceShortnames`, pilot/pkg/model/virtualservice.go),
   so `hosts: [foo]` would never meet the Gateway server host `foo`, which it takes as written
   (`sanitizeServerHostNamespace`, pilot/pkg/model/gateway.go). Their VirtualService lists `*` instead
   (its intersection with the server host `foo` is `foo`), and every route is limited to the host's
   `:authority` and followed by a 404 for it, so the `*` reaches no other host of the Gateway.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import (
    GatewayPlan,
    Match,
    MeshModel,
    Route,
    RouteOrigin,
    Semantics,
    Server,
    VirtualHost,
)
from kubectl_meshify.naming import dns_label, host_slug
from kubectl_meshify.options import Options

CATCH_ALL_HOST = "*"


def is_wildcard(host: str) -> bool:
    return host == CATCH_ALL_HOST or host.startswith("*.")


def covers(wildcard: str, host: str) -> bool:
    """Whether `wildcard` matches `host` and is broader (Envoy: `*.a.com` also matches `x.y.a.com`)."""
    if wildcard == host or not is_wildcard(wildcard):
        return False
    if wildcard == CATCH_ALL_HOST:
        return True
    return host.endswith(wildcard[1:])


def breadth(host: str) -> tuple[int, int, str]:
    """Sort key, broadest first: `*`, then wildcards with fewer labels, then exact hosts."""
    if host == CATCH_ALL_HOST:
        return (0, 0, host)
    return (1 if host.startswith("*.") else 2, host.count("."), host)


def names(vhost: VirtualHost) -> list[str]:
    return [vhost.host, *vhost.aliases]


# --- layout ----------------------------------------------------------------------------------------


def plan(model: MeshModel, options: Options) -> None:
    """Bind every host to a Gateway and plan the Gateways' servers (rules 1 to 3, and 5)."""
    if options.gateway:
        for vhost in model.hosts.values():
            vhost.gateways = [options.gateway]
        _note_connection_reuse(model)
        return
    anchors: dict[str, VirtualHost] = {}
    for host in sorted(model.hosts, key=breadth):
        vhost = model.hosts[host]
        if vhost.credential and vhost.credential not in anchors and not vhost.passthrough:
            anchors[vhost.credential] = vhost
    plans: dict[tuple[str, str], GatewayPlan] = {}
    listed = _Listing()
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        anchor = anchors.get(vhost.credential or "", vhost) if not vhost.passthrough else vhost
        key = (anchor.namespace, _gateway_name(anchor.host))
        gateway = plans.get(key)
        if gateway is None:
            gateway = plans[key] = GatewayPlan(key[0], key[1], dict(options.gateway_selector))
            listed.members[id(gateway)] = set()
        _add_servers(gateway, vhost, listed)
        known = listed.members[id(gateway)]
        for ingress in vhost.ingresses:
            if ingress not in known:
                known.add(ingress)
                gateway.ingresses.append(ingress)
        vhost.gateways = [f"{gateway.namespace}/{gateway.name}"]
    model.gateways = [plans[k] for k in sorted(plans)]
    _note_connection_reuse(model)


def _gateway_name(host: str) -> str:
    if host == CATCH_ALL_HOST:
        return "meshify-catch-all"
    if host.startswith("*."):
        return dns_label("meshify-" + host_slug(host))
    return "meshify"


class _Listing:
    """Sets and keys beside the plan's lists (which keep their order), so adding is not a list scan."""

    def __init__(self) -> None:
        self.members: dict[int, set[str]] = {}  # id of a Gateway plan or Server -> its Ingresses or hosts
        self.servers: dict[tuple[int, int, str, tuple[tuple[str, str], ...] | None], Server] = {}


def _add_servers(gateway: GatewayPlan, vhost: VirtualHost, listed: _Listing) -> None:
    hosts = names(vhost)
    if vhost.passthrough:
        _server(gateway, 443, "TLS", "tls-passthrough", hosts, {"mode": "PASSTHROUGH"}, listed)
        if vhost.passthrough_secret is not None:  # plain HTTP on port 80 is redirected to HTTPS, as nginx did
            _server(gateway, 80, "HTTP", "http", hosts, None, listed)
        return
    _server(gateway, 80, "HTTP", "http", hosts, None, listed)
    if vhost.credential:
        tls = {"mode": "SIMPLE", "credentialName": vhost.credential}
        _server(gateway, 443, "HTTPS", "https-" + dns_label(vhost.credential), hosts, tls, listed)


def _server(
    gateway: GatewayPlan,
    port: int,
    protocol: str,
    name: str,
    hosts: list[str],
    tls: dict[str, str] | None,
    listed: _Listing,
) -> None:
    """Add hosts to the server with the same port, protocol and TLS settings, or add that server."""
    key = (id(gateway), port, protocol, None if tls is None else tuple(sorted(tls.items())))
    server = listed.servers.get(key)
    if server is not None:
        known = listed.members[id(server)]
        for host in hosts:
            if host not in known:
                known.add(host)
                server.hosts.append(host)
        return
    server = listed.servers[key] = Server(port, protocol, name, list(hosts), tls)
    listed.members[id(server)] = set(hosts)
    gateway.servers.append(server)


# --- rule 4: guards --------------------------------------------------------------------------------


def add_wildcard_guards(model: MeshModel, options: Options) -> None:
    """Guard routes on wildcard VirtualServices that share a Gateway with hosts they cover (rule 4).

    Runs last, when every route (redirects included) is final.
    """
    by_gateway: dict[str, list[VirtualHost]] = {}
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        if vhost.gateways and not vhost.passthrough and vhost.routes:
            by_gateway.setdefault(vhost.gateways[0], []).append(vhost)
    own_routes = {vhost.host: list(vhost.routes) for vhosts in by_gateway.values() for vhost in vhosts}
    for gateway, vhosts in sorted(by_gateway.items()):
        for wildcard in vhosts:
            if not any(is_wildcard(n) for n in names(wildcard)):
                continue
            covered = [
                v
                for v in vhosts
                if v is not wildcard and any(covers(w, n) for w in names(wildcard) for n in names(v))
            ]
            if not covered:
                continue
            guards: list[Route] = []
            for vhost in sorted(covered, key=lambda v: breadth(v.host), reverse=True):  # most specific first
                guards.extend(guard_routes(vhost, own_routes[vhost.host]))
                for ingress in vhost.ingresses:
                    model.link(ingress, wildcard)
            wildcard.routes = guards + wildcard.routes
            _note_guards(model, wildcard, covered, gateway, options)


def authority_regex(hosts: list[str]) -> str:
    """An RE2 pattern for the `:authority` of requests to `hosts` (any case, with or without a port)."""
    parts = []
    for host in hosts:
        if host == CATCH_ALL_HOST:
            parts.append("[^:]+")
        elif host.startswith("*."):
            parts.append("[^:]+" + _escape(host[1:]))
        else:
            parts.append(_escape(host))
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?i){body}(?::[0-9]+)?"


def _escape(host: str) -> str:
    return re.sub(r"([^A-Za-z0-9_-])", r"\\\1", host)


def guard_routes(vhost: VirtualHost, routes: list[Route]) -> list[Route]:
    """`vhost`'s routes limited to its authority, then a 404 for the rest of its requests."""
    authority = ("regex", authority_regex(names(vhost)))
    slug = host_slug(vhost.host)
    guards = []
    for route in routes:
        guard = copy.deepcopy(route)
        guard.name = f"{route.name}.for-{slug}"
        guard.matches = [replace(m, authority=m.authority or authority) for m in route.matches] or [
            Match(authority=authority)
        ]
        guards.append(guard)
    guards.append(
        Route(
            name=f"{slug}.not-found",
            origin=RouteOrigin(vhost.ingresses[0]),
            matches=[Match(authority=authority)],
            direct_response={"status": 404},
        )
    )
    return guards


def _note_guards(
    model: MeshModel, wildcard: VirtualHost, covered: list[VirtualHost], gateway: str, options: Options
) -> None:
    hosts = ", ".join(sorted(v.host for v in covered))
    if options.gateway:
        why = f"every VirtualService is bound to Gateway {gateway}, which may list them in one server"
    else:
        credential = wildcard.credential
        why = (
            f"they are served with one certificate ({credential}), so they share one HTTPS server on Gateway"
            f" {gateway} (separate servers with one certificate answer 404 to browsers that reuse an HTTP/2"
            " connection)"
        )
    text = (
        f"Istio applies the VirtualService of {wildcard.host} to {hosts} as well: {why}. Its first routes repeat"
        f" the routes of {hosts} limited to their Host header, then answer 404 for them, so each keeps exactly"
        " its own routing, as with ingress-nginx."
    )
    for key in dict.fromkeys([*wildcard.ingresses, *(k for v in covered for k in v.ingresses)]):
        record = model.records.get(key)
        if record is not None and not any(
            f.code == "TLS_WILDCARD_GUARD" and f.message == text for f in record.findings
        ):
            record.findings.append(
                Finding(
                    code="TLS_WILDCARD_GUARD",
                    severity=Severity.INFO,
                    verdict=Verdict.EXACT,
                    message=text,
                    ingress=key,
                )
            )


# --- rule 6: single-label hosts --------------------------------------------------------------------


def is_single_label(host: str) -> bool:
    """A name istiod would rewrite as a Kubernetes short name (no dot; `*` is kept)."""
    return host != CATCH_ALL_HOST and "." not in host


def bind_single_label_hosts(model: MeshModel, options: Options) -> None:
    """Rule 6. Runs after the guards, which copy the host's own routes."""
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        short = [n for n in names(vhost) if is_single_label(n)]
        if not short or not vhost.routes or vhost.passthrough:
            continue
        resolved = ", ".join(f"{n}.{vhost.namespace}.svc.{options.cluster_domain}" for n in short)
        why = (
            f"istiod rewrites VirtualService hosts without a dot into Kubernetes service names ({resolved};"
            f" ResolveVirtualServiceShortnames), so `hosts: [{', '.join(short)}]` answers nothing (404)."
        )
        if vhost.semantics is Semantics.ISTIO:
            text = (
                f"{why} Istio's own Ingress handling went through the same rewrite, so requests for"
                f" {', '.join(short)} already got 404; the VirtualService keeps that."
            )
            action = (
                "To serve it, use a host name with a dot, or convert the Ingress as an ingress-nginx one."
            )
            _note_single_label(model, vhost, text, action)
            continue
        vhost.virtual_service_hosts = [CATCH_ALL_HOST]
        vhost.routes = guard_routes(vhost, vhost.routes)
        where = (
            f"Gateway {options.gateway} must list {', '.join(short)} (or `*`) in its servers, as written"
            if options.gateway
            else f"its Gateway server lists {', '.join(short)} as written (Gateway hosts are not rewritten)"
        )
        text = (
            f"{why} The VirtualService lists `*` instead and limits every route to the Host"
            f" {', '.join(names(vhost))} (then a 404 for it), so those requests are routed as ingress-nginx"
            f" routed them; {where}."
        )
        _note_single_label(model, vhost, text, None)


def _note_single_label(model: MeshModel, vhost: VirtualHost, text: str, action: str | None) -> None:
    for key in vhost.ingresses:
        record = model.records.get(key)
        if record is not None and not any(
            f.code == "HOST_SINGLE_LABEL" and f.message == text for f in record.findings
        ):
            record.findings.append(
                Finding(
                    code="HOST_SINGLE_LABEL",
                    severity=Severity.INFO,
                    verdict=Verdict.EXACT,
                    message=text,
                    action=action,
                    ingress=key,
                )
            )


# --- rule 5: connection reuse across certificates ----------------------------------------------------


def _note_connection_reuse(model: MeshModel) -> None:
    served: dict[str, list[str]] = {}
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        if vhost.credential and not vhost.passthrough:
            served.setdefault(vhost.credential, []).extend(names(vhost))
    for credential, hosts in sorted(served.items()):
        for wildcard in (h for h in hosts if is_wildcard(h)):
            for other, other_hosts in sorted(served.items()):
                if other == credential:
                    continue
                for host in other_hosts:
                    if covers(wildcard, host) and host not in hosts:
                        _note_reuse(model, host, other, wildcard, credential)


def _note_reuse(
    model: MeshModel, host: str, credential: str, wildcard: str, wildcard_credential: str
) -> None:
    vhost = model.hosts.get(host) or next(v for v in model.hosts.values() if host in v.aliases)
    text = (
        f"Host {host} (credential {credential}) lies under {wildcard}, which is served with credential"
        f" {wildcard_credential}. If that certificate also covers {host}, browsers that opened an HTTP/2"
        f" connection for a {wildcard} host reuse it for {host}; Envoy then routes those requests with the"
        f" {wildcard} server's routes, not {host}'s (ingress-nginx routed each request by its Host header)."
    )
    action = (
        f"If it does, serve {host} and {wildcard} with the same secret so they share one server, or use a"
        f" certificate for {wildcard} that does not cover {host}."
    )
    for key in vhost.ingresses:
        record = model.records.get(key)
        if record is not None:
            record.findings.append(
                Finding(
                    code="TLS_CONNECTION_REUSE",
                    severity=Severity.WARNING,
                    verdict=Verdict.APPROXIMATED,
                    message=text,
                    action=action,
                    ingress=key,
                )
            )
