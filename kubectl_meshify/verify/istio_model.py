"""Istio ingress-gateway routing of a set of Istio objects, read from the objects alone.

Input is plain mappings (Gateway, VirtualService, DestinationRule, as emitted or as istiod
generates them in memory); nothing of the translator is consulted, so a translation mistake shows up
as a difference instead of being repeated. Modelled, following `pilot/pkg/networking/core/gateway.go`
and `route/route.go` (istio-semantics.md §7, §11) and Envoy's route matching:

- listeners: port 80 merges every HTTP server of every Gateway into one route configuration;
  on 443 each HTTPS server is its own filter chain chosen by SNI (exact name, then the longest
  wildcard, then `*`); TLS/PASSTHROUGH servers route by the VirtualServices' `tls` section;
- short names: istiod rewrites every VirtualService host without a dot (but `*` and IP addresses)
  to `<host>.<namespace>.svc.<domain>` before binding it (`ResolveVirtualServiceShortnames`,
  `pilot/pkg/model/virtualservice.go`); Gateway server hosts are taken as written
  (`sanitizeServerHostNamespace`, `pilot/pkg/model/gateway.go`), so `hosts: [foo]` never meets a
  server host `foo`;
- virtual hosts: for each server and each VirtualService bound to its Gateway, the intersection of
  the VirtualService hosts with the server hosts (`ns/host` filters honoured); routes of several
  VirtualServices for one host are concatenated; `tls.httpsRedirect` marks the host TLS-only (301);
- Host selection: exact domain, then the longest `*.suffix` wildcard (any number of labels), then
  `*`; no virtual host or no route → 404;
- routes: first match wins; a route's `match` entries are ORed; `uri` exact / prefix / regex (RE2,
  full match), `ignoreUriCase` for exact and prefix, `headers` (exact / prefix / regex / presence),
  `withoutHeaders`, `port`, `authority`, `scheme`, `method`, `gateways`; `prefix` is a plain string
  prefix unless the VirtualService carries `internal.istio.io/route-semantics: ingress` (then it is
  Envoy's path-separated prefix, as in Istio's own Ingress support);
- actions: `redirect` (`uri`, `authority`, `scheme`, `port`, `redirectCode` default 301; the
  query string is kept), `directResponse`, `route` weights (relative), `rewrite.uri` (replaces the
  matched prefix, or the whole path for exact and regex matches), `rewrite.uriRegexRewrite`
  (every match, `\\1` groups), `rewrite.authority`, request header `x-forwarded-prefix`;
- destinations: `<svc>.<ns>.svc.<domain>` (or a short name in the VirtualService namespace) →
  Service and port; `subset` → the DestinationRule's subset labels (a missing subset → 503).
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter, eq
from typing import Any

from kubectl_meshify.verify.regex import RegexError, compile_re2, envoy_substitute
from kubectl_meshify.verify.request import (
    COMPARED_HEADERS,
    Dest,
    Outcome,
    Probe,
    ServiceIndex,
    alone,
    normalise_dests,
    redirect,
    service_label,
    sticky_dest,
)

INGRESS_SEMANTICS = "internal.istio.io/route-semantics"
HTTP_PROTOCOLS = {"HTTP", "HTTP2", "GRPC", "HTTP1"}
_PLAIN_MATCH_KEYS = frozenset({"uri", "port", "ignoreUriCase", "name"})
# The keys of an `http` route that shape what it does beyond its destinations.
_ACTION_KEYS = frozenset({"redirect", "directResponse", "delegate", "rewrite", "headers"})
_MATCH_ANY: tuple[dict[str, Any]] = ({},)  # a route without `match` matches every request
# Outcomes without a trace are the same for every request: built once.
_NO_VIRTUAL_HOST = Outcome("status", status=404, note="no virtual host")
_NO_ROUTE = Outcome("status", status=404, note="no route matched")
_HTTPS_REDIRECT_TRACE = (("", "httpsRedirect"),)
# Wildcard names are told by `name[:1] == "*"` where the build asks it for every host: in CPython
# 3.11 `str.startswith` takes its arguments as a tuple to parse, several times the cost.


@dataclass(frozen=True)
class IstioSettings:
    cluster_domain: str = "cluster.local"
    # A VirtualService bound to a Gateway that is not among the objects (`--gateway ns/name`):
    # assume it serves every host on HTTP 80 and HTTPS 443.
    assume_external_gateways: bool = True


def _meta(obj: Mapping[str, Any]) -> tuple[str, str, str, Mapping[str, Any]]:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return (
        str(meta.get("namespace") or "default"),
        str(meta.get("name") or ""),
        str(meta.get("creationTimestamp") or ""),
        annotations if isinstance(annotations, dict) else {},
    )


# ---------------------------------------------------------------------------------------------
# Host names


def resolve_shortname(host: str, namespace: str, domain: str) -> str:
    """`ResolveShortnameToFQDN` (pilot/pkg/model/config.go): a name without a dot, other than `*`
    and IP addresses, gets `.<namespace>` and `.svc.<domain>` (each only when known)."""
    if not host or host == "*" or "." in host:
        return host
    try:
        ipaddress.ip_address(host)
        return host  # an IPv6 address has no dot either
    except ValueError:
        pass
    out = host + "." + namespace if namespace else host
    return out + ".svc." + domain if domain else out


def host_matches(pattern: str, host: str) -> bool:
    """Envoy/Istio host matching: `*` everything, `*.x` any subdomain depth of x, else equal."""
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def _subset_of(a: str, b: str) -> bool:
    """Istio host.Name.SubsetOf: every name a matches, b matches too."""
    if b == "*":
        return True
    if b.startswith("*"):
        if a.startswith("*"):
            return a[1:].endswith(b[1:])
        return host_matches(b, a)
    return a == b


def intersect_hosts(server_hosts: Iterable[str], vs_hosts: Iterable[str]) -> list[str]:
    result: list[str] = []
    vs_list = list(vs_hosts)
    for s in server_hosts:
        for v in vs_list:
            if _subset_of(v, s):
                chosen = v
            elif _subset_of(s, v):
                chosen = s
            else:
                continue
            if chosen not in result:
                result.append(chosen)
    return result


# ---------------------------------------------------------------------------------------------
# Compiled VirtualService routes


StrMatcher = Callable[[str | None], bool]


def _string_matcher(spec: Any, ignore_case: bool = False) -> StrMatcher:
    """An Istio StringMatch as a predicate on an optional value (None: header absent)."""
    if not isinstance(spec, dict) or not spec:
        return lambda value: value is not None  # `{}`: presence match
    if "exact" in spec:
        expected = str(spec["exact"])
        if ignore_case:
            expected = expected.lower()
            return lambda value: value is not None and value.lower() == expected
        return lambda value: value == expected
    if "prefix" in spec:
        prefix = str(spec["prefix"])
        if ignore_case:
            prefix = prefix.lower()
            return lambda value: value is not None and value.lower().startswith(prefix)
        return lambda value: value is not None and value.startswith(prefix)
    if "regex" in spec:
        pattern = compile_re2(str(spec["regex"]))
        return lambda value: value is not None and pattern.fullmatch(value) is not None
    raise RegexError(f"unsupported string match {dict(spec)}")


UriMatcher = Callable[[str], int | None]
# A path test as a callable and its operand: `test(path, operand)` is true when the path matches.
# Exact and case-sensitive prefix matches, nearly all of them, test with a C function
# (`operator.eq`, `str.startswith`): the first-match loop then runs no Python frame per match.
PathTest = tuple[Callable[[str, Any], Any], Any]
# A match's path test and how much of the path it covers (see `_uri_matcher`).
PathMatch = tuple[Callable[[str, Any], Any], Any, UriMatcher]


@lru_cache(maxsize=4096)  # pure: routes of many VirtualServices share their paths
def _uri_matcher(kind: str, value: str, ignore_case: bool) -> UriMatcher:
    """A path predicate returning the length of the matched prefix (the whole path for exact and
    regex matches, which a `rewrite.uri` replaces entirely), or None."""
    if kind == "regex":
        pattern = compile_re2(value)
        return lambda path: len(path) if pattern.fullmatch(path) else None
    if ignore_case:
        value = value.lower()
    size = len(value)
    if kind == "exact":
        if ignore_case:
            return lambda path: len(path) if path.lower() == value else None
        return lambda path: len(path) if path == value else None
    if kind == "prefix":
        if ignore_case:
            return lambda path: size if path.lower().startswith(value) else None
        return lambda path: size if path.startswith(value) else None
    # Envoy path_separated_prefix: the value itself, or the value followed by `/`.
    below = value + "/"
    if ignore_case:
        return lambda path: size if (p := path.lower()) == value or p.startswith(below) else None
    return lambda path: size if path == value or path.startswith(below) else None


def _covers(path: str, matcher: UriMatcher) -> bool:
    return matcher(path) is not None


@lru_cache(maxsize=4096)
def _path_match(kind: str, value: str, ignore_case: bool) -> PathMatch:
    matcher = _uri_matcher(kind, value, ignore_case)
    if not ignore_case and kind == "exact":
        return eq, value, matcher
    if not ignore_case and kind == "prefix":
        return str.startswith, value, matcher
    return _covers, matcher, matcher


def _any_path(path: str) -> int | None:
    return 1 if path.startswith("/") else 0  # Envoy's default match: prefix `/`


# Every path starts with the empty string: the test of a match without `uri`.
_ANY_PATH: PathMatch = (str.startswith, "", _any_path)


@dataclass(eq=False, slots=True)
class _Match:
    """One `match` entry of a route: its conditions. Nothing in it belongs to the route, so routes
    with the same match spelling share one (see `_compile_match`)."""

    path: PathMatch
    kind: str  # the uri match kind ("" without uri): `rewrite.uri` reads it
    port: int | None = None
    headers: Sequence[tuple[str, StrMatcher]] = ()
    without_headers: Sequence[tuple[str, StrMatcher]] = ()
    gateways: set[str] | None = None
    never: bool = False
    # Envoy's catch-all (prefix `/` or regex `.*`, nothing else): istiod moves it after the gateway's
    # other routes of the host (SortVHostRoutes, IsCatchAllRoute in pilot/pkg/networking/core/route).
    catch_all: bool = False

    def holds(self, port: int, gateway: str) -> bool:
        """The conditions a listener decides alone: the same for every request it receives."""
        if self.never:
            return False
        if self.port is not None and self.port != port:
            return False
        return self.gateways is None or gateway in self.gateways

    def headers_match(self, header_of: Callable[[str], str | None]) -> bool:
        return all(matcher(header_of(name)) for name, matcher in self.headers) and not any(
            matcher(header_of(name)) for name, matcher in self.without_headers
        )


@dataclass(eq=False, slots=True)
class _Action:
    trace: tuple[tuple[str, str], ...]
    fixed: Outcome | None = None  # the same outcome for every request (status, error)
    redirect: tuple[str, str, str, str, int] | None = None  # scheme, authority, port, uri, code
    dests: tuple[Dest, ...] = ()
    regex_rewrite: tuple[re.Pattern[str], str] | None = None
    uri_rewrite: str | None = None
    authority: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    # Proxies the request with its path and Host unchanged (most routes): `_act` reads nothing else.
    plain: bool = False


@dataclass(eq=False, slots=True)
class _Route:
    """An `http` route as its matches see it: the action they share, resolved on first use."""

    vs: str
    namespace: str  # the VirtualService's: short destination hosts are read in it
    index: int
    spec: Mapping[str, Any]
    action: _Action | None = None


# One match of a virtual host, for the first-match loop: path test, its operand, the match, and
# the route it belongs to (whose action `evaluate` takes once the match holds).
_Entry = tuple[Callable[[str, Any], Any], Any, _Match, _Route]
# A failed match (a regex Istio rejects): never holds.
_NEVER = _Match(_ANY_PATH, "", never=True)

# A VirtualService's matches as virtual hosts use them (see `_VHost.entries`): one `_Entry` per match
# of every route, in order, built once; whether every match holds on every listener (no port,
# gateway or never condition); whether any reads headers. One list per VirtualService, not one per
# route: a virtual host served by one VirtualService without conditions uses it as it is.
# Nothing in a `_Route` or a `_Match` refers back to these lists: without a reference cycle a model
# is freed as soon as it is dropped, instead of waiting for the cycle collector to walk all of it.
_RouteMatches = tuple[list[_Entry], bool, bool]


@dataclass(eq=False, slots=True)
class _VirtualService:
    namespace: str
    name: str
    hosts: list[str]
    gateways: set[str]
    http: _RouteMatches
    tls: list[Mapping[str, Any]]
    created: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(eq=False, slots=True)
class _VHost:
    # The VirtualServices' routes, in order, each with the gateway of the server it came from.
    routes: list[tuple[_RouteMatches, str]] = field(default_factory=list)
    require_tls: bool = False
    # Per listener port, the matches in first-match order with what the port and the gateway decide
    # already applied (see `entries`); and whether any of them reads headers.
    _entries: dict[int, tuple[list[_Entry], bool]] = field(default_factory=dict)

    def entries(self, port: int) -> tuple[list[_Entry], bool]:
        """The matches that can hold for requests on `port`, and whether headers decide any."""
        found = self._entries.get(port)
        if found is None:
            if len(self.routes) == 1 and self.routes[0][0][1]:
                # Most virtual hosts: one VirtualService, every match unconditional. Its list is
                # used as it is (never changed afterwards) unless a catch-all has to move.
                route_entries, _, uses_headers = self.routes[0][0]
                found = self._entries[port] = (_catch_alls_last(route_entries), uses_headers)
                return found
            entries: list[_Entry] = []
            uses_headers = False
            for (route_entries, unconditional, route_uses_headers), gateway in self.routes:
                if unconditional:
                    entries.extend(route_entries)
                    uses_headers = uses_headers or route_uses_headers
                    continue
                for entry in route_entries:
                    match = entry[2]
                    if match.holds(port, gateway):
                        entries.append(entry)
                        uses_headers = uses_headers or bool(match.headers or match.without_headers)
            found = self._entries[port] = (_catch_alls_last(entries), uses_headers)
        return found


def _catch_alls_last(entries: list[_Entry]) -> list[_Entry]:
    """istiod's SortVHostRoutes for a gateway's virtual host: catch-all routes after the others, each
    group in its own order. Returns `entries` itself when nothing moves (most hosts)."""
    seen_catch_all = False
    for entry in entries:
        if entry[2].catch_all:
            seen_catch_all = True
        elif seen_catch_all:
            break
    else:
        return entries
    return [e for e in entries if not e[2].catch_all] + [e for e in entries if e[2].catch_all]


@dataclass(eq=False, slots=True)
class _RouteConfig:
    vhosts: dict[str, _VHost] = field(default_factory=dict)
    _exact: dict[str, _VHost] = field(default_factory=dict)
    _wild: list[tuple[str, _VHost]] = field(default_factory=list)

    def vhost(self, name: str) -> _VHost:
        entry = self.vhosts.get(name)
        if entry is None:
            entry = self.vhosts[name] = _VHost()
        return entry

    def index(self) -> None:
        for name in self.vhosts:  # a loop, not `any(...)`: most configurations hold one or two names
            if name[:1] == "*":
                break
        else:
            # Most route configurations (one per HTTPS server) have exact names only: no copies.
            self._exact = self.vhosts
            self._wild = []
            return
        self._exact = {k: v for k, v in self.vhosts.items() if not k.startswith("*")}
        self._wild = sorted(
            ((k, v) for k, v in self.vhosts.items() if k.startswith("*")), key=lambda kv: -len(kv[0])
        )

    def find(self, host: str) -> _VHost | None:
        found = self._exact.get(host)
        if found is not None:
            return found
        for pattern, vhost in self._wild:
            if host_matches(pattern, host):
                return vhost
        return None


@dataclass(eq=False, slots=True)
class _HostRoutes:
    """Routing of the requests of one scheme and Host header, up to the path."""

    outcome: Outcome | None  # the same for every request (refused, no virtual host, passthrough)
    entries: Sequence[_Entry] = ()  # the matches that can hold, in order
    plain: bool = False  # the path alone decides (most hosts): `evaluate` loops over `entries`
    https_redirect: bool = False  # plain HTTP to an httpsRedirect host


@dataclass(eq=False, slots=True)
class _Server:
    gateway: str
    port: int
    protocol: str
    hosts: list[tuple[str, str]]  # (namespace filter, host)
    tls_mode: str
    https_redirect: bool
    config: _RouteConfig = field(default_factory=_RouteConfig)
    _by_namespace: dict[str, tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=dict)
    passthrough: bool = field(init=False)  # TLS passed on by SNI, not terminated (read per request)

    def __post_init__(self) -> None:
        self.passthrough = self.protocol == "TLS" or self.tls_mode in ("PASSTHROUGH", "AUTO_PASSTHROUGH")

    def hosts_for(self, vs_namespace: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """The server hosts a VirtualService of this namespace may use: (exact names, wildcards)."""
        cached = self._by_namespace.get(vs_namespace)
        if cached is None:
            gateway_namespace = self.gateway.split("/", 1)[0]
            # One plain loop: asked once per server and namespace, most servers naming one host,
            # for which comprehension frames would cost more than the work.
            exact: list[str] = []
            wild: list[str] = []
            for ns, host in self.hosts:
                if ns in ("*", "") or ns == vs_namespace or (ns == "." and vs_namespace == gateway_namespace):
                    (wild if host[:1] == "*" else exact).append(host)
            cached = self._by_namespace[vs_namespace] = (frozenset(exact), tuple(wild))
        return cached

    def intersect(self, vs_namespace: str, vs_hosts: list[str]) -> list[str]:
        """Istio's host intersection of this server with a VirtualService (see `intersect_hosts`)."""
        exact, wild = self.hosts_for(vs_namespace)
        if not wild:
            if len(vs_hosts) == 1 and vs_hosts[0][:1] != "*":
                # Most VirtualServices name one exact host: no generator or comprehension frames.
                return [vs_hosts[0]] if vs_hosts[0] in exact else []
            return (
                [h for h in vs_hosts if h in exact]
                if not any(h.startswith("*") for h in vs_hosts)
                else (intersect_hosts(exact, vs_hosts))
            )
        result: list[str] = []
        for host in vs_hosts:
            if host.startswith("*"):
                for found in intersect_hosts([*exact, *wild], [host]):
                    if found not in result:
                        result.append(found)
            elif (host in exact or any(host_matches(w, host) for w in wild)) and host not in result:
                result.append(host)
        return result


class IstioModel:
    """Evaluates probes against Istio Gateway / VirtualService / DestinationRule objects."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]],
        services: ServiceIndex,
        settings: IstioSettings | None = None,
    ) -> None:
        self.settings = settings or IstioSettings()
        self.services = services
        self.errors: list[str] = []
        gateways: list[tuple[str, Mapping[str, Any]]] = []
        vss: list[_VirtualService] = []
        # DestinationRules, indexed on first use (`_subsets`): most carry only traffic policy, and
        # most sets of routes name no subset, so the index is often never needed.
        self._destination_rules: list[Mapping[str, Any]] = []
        self._subset_lists: dict[tuple[str, str], list[Any]] | None = None  # Service → `subsets`
        self._subsets_by_service: dict[tuple[str, str], dict[str, tuple[tuple[str, str], ...]]] = {}
        self._rules_by_service: dict[tuple[str, str], list[Mapping[str, Any]]] | None = None
        self._dests: dict[tuple[str, str, int, str, int], Dest | Outcome] = {}
        self._plain_matches: dict[tuple[Any, ...], _Match] = {}  # see `_compile_match`
        # Scheme → Host header → its routes. Nested, not keyed by a (scheme, Host) pair: a lookup
        # per request then builds, hashes and compares no key tuple.
        self._by_request_host: defaultdict[str, dict[str, _HostRoutes]] = defaultdict(dict)
        for obj in objects:
            kind = obj.get("kind")
            api = str(obj.get("apiVersion") or "")
            if not api.startswith("networking.istio.io/"):
                continue
            if kind == "Gateway":
                ns, name, _, _ = _meta(obj)
                gateways.append((f"{ns}/{name}", obj))
            elif kind == "VirtualService":
                vs = self._compile_vs(obj)
                if vs is not None:
                    vss.append(vs)
            elif kind == "DestinationRule":
                self._destination_rules.append(obj)
        vss.sort(key=attrgetter("created", "name", "namespace"))  # in C: no frame per VirtualService
        self.vss = vss
        self.servers: list[_Server] = []
        for key, gw in gateways:
            self.servers.extend(self._servers(key, gw))
        known = {s.gateway for s in self.servers}
        if self.settings.assume_external_gateways:
            for vs in vss:
                for ref in sorted(vs.gateways - known):
                    known.add(ref)
                    self.servers.append(_Server(ref, 80, "HTTP", [("*", "*")], "", False))
                    self.servers.append(_Server(ref, 443, "HTTPS", [("*", "*")], "SIMPLE", False))
        self._by_gateway = self._index_virtual_services(vss)
        self.port80 = _RouteConfig()
        self.has_port80 = False
        self.tls_servers: list[_Server] = []
        for server in self.servers:
            if server.port == 80 and server.protocol in HTTP_PROTOCOLS:
                self.has_port80 = True
                self._bind(server, self.port80)
            elif server.port == 443 and (server.protocol in ("HTTPS", "TLS") or server.passthrough):
                if not server.passthrough:
                    self._bind(server, server.config)
                    server.config.index()
                self.tls_servers.append(server)
        self.port80.index()
        # SNI → server: the first server naming the host exactly, else the longest wildcard, else `*`.
        self._sni_exact: dict[str, _Server] = {}
        wild: list[tuple[str, _Server]] = []
        for server in self.tls_servers:
            for _, pattern in server.hosts:
                if pattern[:1] == "*":
                    wild.append((pattern, server))
                else:
                    self._sni_exact.setdefault(pattern, server)
        self._sni_wild = sorted(wild, key=lambda entry: -len(entry[0]))

    # ------------------------------------------------------------------ build

    def _servers(self, key: str, gw: Mapping[str, Any]) -> list[_Server]:
        servers = []
        for spec in (gw.get("spec") or {}).get("servers") or []:
            if not isinstance(spec, dict):
                continue
            port = spec.get("port") or {}
            tls = spec.get("tls") or {}
            hosts = []
            for h in spec.get("hosts") or []:
                ns, _, host = str(h).rpartition("/")
                hosts.append((ns or "*", host.lower()))
            number = int(port.get("number") or 0)
            protocol = str(port.get("protocol") or "").upper()
            tls_mode = str(tls.get("mode") or ("SIMPLE" if tls else "")).upper()
            # By position: a dataclass __init__ called with keywords costs twice as much.
            servers.append(_Server(key, number, protocol, hosts, tls_mode, bool(tls.get("httpsRedirect"))))
        return servers

    @staticmethod
    def _index_virtual_services(
        vss: list[_VirtualService],
    ) -> dict[str, tuple[dict[str, list[int]], list[int]]]:
        """Per gateway: VirtualService positions by exact host, and those with a wildcard host."""
        index: dict[str, tuple[dict[str, list[int]], list[int]]] = {}
        for position, vs in enumerate(vss):
            for gateway in vs.gateways:
                exact, wild = index.setdefault(gateway, ({}, []))
                for host in vs.hosts:
                    if host[:1] == "*":
                        if not wild or wild[-1] != position:
                            wild.append(position)
                    else:
                        exact.setdefault(host, []).append(position)
        return index

    def _candidates(self, server: _Server) -> list[_VirtualService]:
        """The VirtualServices bound to the server's gateway that may share a host with it, in order."""
        exact, wild = self._by_gateway.get(server.gateway, ({}, []))
        positions = set(wild)
        # A plain loop: most servers (one per HTTPS certificate) name one or two exact hosts, for
        # which generator and comprehension frames would cost more than the work.
        for _, host in server.hosts:
            if host[:1] == "*":  # any VirtualService of the gateway may share a host with it
                positions.update(p for ps in exact.values() for p in ps)
                break
            positions.update(exact.get(host, ()))
        return list(map(self.vss.__getitem__, sorted(positions)))  # in C: no comprehension frame

    def _bind(self, server: _Server, config: _RouteConfig) -> None:
        for vs in self._candidates(server):
            hosts = server.intersect(vs.namespace, vs.hosts)
            for host in hosts:
                vhost = config.vhost(host)
                vhost.routes.append((vs.http, server.gateway))
                if server.https_redirect:
                    vhost.require_tls = True
        if server.https_redirect:
            for _, host in server.hosts:
                config.vhost(host).require_tls = True

    def _compile_vs(self, obj: Mapping[str, Any]) -> _VirtualService | None:
        ns, name, created, annotations = _meta(obj)
        spec = obj.get("spec") or {}
        gateways = set()
        for ref in spec.get("gateways") or ["mesh"]:
            ref = str(ref)
            if ref == "mesh":
                continue
            gateways.add(ref if "/" in ref else f"{ns}/{ref}")
        separated = str(annotations.get(INGRESS_SEMANTICS, "")) == "ingress"
        key = f"{ns}/{name}"
        # Every match of every route, in order, in one list (see `_RouteMatches`).
        entries: list[_Entry] = []
        unconditional = True
        uses_headers = False
        for index, route_spec in enumerate(spec.get("http") or ()):
            if not isinstance(route_spec, dict):
                continue
            route = _Route(key, ns, index, route_spec)
            error = ""
            for match_spec in route_spec.get("match") or _MATCH_ANY:
                if not isinstance(match_spec, dict):
                    continue
                try:
                    match = self._compile_match(match_spec, separated, ns)
                except RegexError as exc:
                    error = f"{key} http[{index}]: {exc}"
                    match = _NEVER
                test, operand, _ = match.path
                entries.append((test, operand, match, route))
                if match.headers or match.without_headers:
                    uses_headers = True
                if match.port is not None or match.gateways is not None or match.never:
                    unconditional = False
            if error:
                self.errors.append(error)
        hosts = []
        domain = self.settings.cluster_domain
        for host in spec.get("hosts") or ():  # mostly one: a loop costs less than a comprehension
            name = str(host).lower()
            hosts.append(name if "." in name else resolve_shortname(name, ns, domain))
        tls_spec = spec.get("tls")  # rare: no filtered copy without it
        tls: list[Mapping[str, Any]] = [t for t in tls_spec if isinstance(t, dict)] if tls_spec else []
        http = (entries, unconditional, uses_headers)
        return _VirtualService(ns, name, hosts, gateways, http, tls, created)

    def _compile_match(self, spec: Mapping[str, Any], separated: bool, namespace: str) -> _Match:
        uri = spec.get("uri")
        port = spec.get("port")
        ignore_case = bool(spec.get("ignoreUriCase"))
        plain_key: tuple[Any, ...] | None = None
        if _PLAIN_MATCH_KEYS.issuperset(spec):
            # The common case (a path, perhaps a port): no header, gateway or source conditions.
            # Such matches repeat across routes and VirtualServices (`prefix: /` in most of them):
            # compiled once per spelling and shared.
            plain_key = (tuple(uri.items()) if isinstance(uri, dict) else None, ignore_case, separated, port)
            try:
                found = self._plain_matches.get(plain_key)
            except TypeError:  # an unhashable value (not valid Istio): compiled on its own
                plain_key = None
            else:
                if found is not None:
                    return found
        if isinstance(uri, dict) and uri:
            path = self._uri(uri, ignore_case, separated)
            kind = next(iter(uri))
            everything = (kind, str(uri[kind])) in (("prefix", "/"), ("regex", ".*"))
        else:
            path, kind, everything = _ANY_PATH, "", True
        if plain_key is not None:
            match = self._plain_matches[plain_key] = _Match(
                path, kind, int(port) if port else None, catch_all=everything
            )
            return match
        headers = []
        for name, value in (spec.get("headers") or {}).items():
            headers.append((str(name).lower(), _string_matcher(value)))
        without = []
        for name, value in (spec.get("withoutHeaders") or {}).items():
            without.append((str(name).lower(), _string_matcher(value)))
        for pseudo, key in ((":authority", "authority"), (":scheme", "scheme"), (":method", "method")):
            if key in spec:
                headers.append((pseudo, _string_matcher(spec[key])))
        gateways = None
        if spec.get("gateways"):
            gateways = {str(g) if "/" in str(g) else f"{namespace}/{g}" for g in spec["gateways"]}
        never = bool(spec.get("queryParams") or spec.get("sourceLabels") or spec.get("sourceNamespace"))
        catch_all = everything and not (headers or without or never)
        return _Match(path, kind, int(port) if port else None, headers, without, gateways, never, catch_all)

    @staticmethod
    def _uri(uri_spec: Mapping[str, Any], ignore_case: bool, separated: bool) -> PathMatch:
        if "exact" in uri_spec:
            return _path_match("exact", str(uri_spec["exact"]), ignore_case)
        if "prefix" in uri_spec:
            prefix = str(uri_spec["prefix"])
            if separated and prefix not in ("", "/"):
                return _path_match("separated", prefix.rstrip("/") or "/", ignore_case)
            return _path_match("prefix", prefix, ignore_case)
        if "regex" in uri_spec:
            # ignoreUriCase does not apply to regex matches.
            return _path_match("regex", str(uri_spec["regex"]), False)
        raise RegexError(f"unsupported uri match {dict(uri_spec)}")

    def _index_destination_rules(self) -> dict[tuple[str, str], list[Any]]:
        """Service → the `subsets` lists of its DestinationRules, in object order."""
        subset_lists: dict[tuple[str, str], list[Any]] = {}
        for obj in self._destination_rules:
            spec = obj.get("spec") or {}
            if not spec.get("subsets"):
                continue  # traffic policy only: nothing that routes
            namespace = str((obj.get("metadata") or {}).get("namespace") or "default")
            target = self._service_of(str(spec.get("host") or ""), namespace)
            subset_lists.setdefault(target, []).append(spec["subsets"])
        return subset_lists

    def _subsets(self, namespace: str, name: str) -> dict[str, tuple[tuple[str, str], ...]]:
        """Subset name → labels for a Service, the first DestinationRule to name a subset winning.
        Read when a route names a subset: most DestinationRules only carry traffic policy."""
        found = self._subsets_by_service.get((namespace, name))
        if found is None:
            found = self._subsets_by_service[(namespace, name)] = {}
            if self._subset_lists is None:
                self._subset_lists = self._index_destination_rules()
            for subsets in self._subset_lists.get((namespace, name), ()):
                for subset in subsets:
                    if isinstance(subset, dict) and subset.get("name"):
                        labels = subset.get("labels") or {}
                        found.setdefault(
                            str(subset["name"]), tuple(sorted((str(k), str(v)) for k, v in labels.items()))
                        )
        return found

    def _service_of(self, host: str, namespace: str) -> tuple[str, str]:
        """(namespace, name) of a Kubernetes Service host, or ("", host) for anything else."""
        suffix = ".svc." + self.settings.cluster_domain
        if host.endswith(suffix):
            parts = host[: -len(suffix)].split(".")
            if len(parts) == 2:
                return parts[1], parts[0]
        if "." not in host and host != "*":
            return namespace, host
        return "", host

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, probe: Probe) -> Outcome:
        # The scheme and the Host header decide the listener and the virtual host: looked up once.
        by_host = self._by_request_host[probe.scheme]
        routes = by_host.get(probe.host)
        if routes is None:
            routes = by_host[probe.host] = self._host_routes(probe)
        if not routes.plain:
            return self._route_special(routes, probe)
        path = probe.path
        for test, operand, match, route in routes.entries:  # first match wins
            if test(path, operand):
                action = route.action
                if action is not None and action.plain:
                    # Most requests, once the route is resolved: proxied as they came, built here
                    # rather than in `_act` (a Python frame less per request).
                    return Outcome(
                        "proxy", action.dests, path, probe.host, action.headers, None, None, "", action.trace
                    )
                return self._act(match, route, probe)
        return _NO_ROUTE

    def _host_routes(self, probe: Probe) -> _HostRoutes:
        """What the listener and the virtual host decide for requests of this scheme and Host."""
        # `lower()` rather than an `islower()` test first: that test reads every character through
        # the Unicode tables, the lower-casing of an ASCII name does not.
        host = probe.host.lower()
        if ":" in host:
            host = host.split(":")[0]
        if probe.scheme == "http":
            if not self.has_port80:
                return _HostRoutes(Outcome("refused", note="no HTTP server on port 80"))
            return self._listener_routes(self.port80, host, 80, probe.scheme)
        server = self._sni_exact.get(host)
        if server is None:
            server = next((s for pattern, s in self._sni_wild if host_matches(pattern, host)), None)
        if server is None:
            return _HostRoutes(Outcome("refused", note="no TLS server for this SNI name"))
        if server.passthrough:
            return _HostRoutes(self._route_tls(server, host))
        return self._listener_routes(server.config, host, probe.port, probe.scheme)

    @staticmethod
    def _listener_routes(config: _RouteConfig, host: str, port: int, scheme: str) -> _HostRoutes:
        """Routes on a listener: `host` is the normalised Host header, `port` the listener's."""
        vhost = config.find(host)
        if vhost is None:
            return _HostRoutes(_NO_VIRTUAL_HOST)
        if vhost.require_tls and scheme == "http":
            return _HostRoutes(None, https_redirect=True)
        entries, uses_headers = vhost.entries(port)
        if not entries:
            return _HostRoutes(_NO_ROUTE)
        return _HostRoutes(None, entries, not uses_headers)

    def _route_special(self, routes: _HostRoutes, probe: Probe) -> Outcome:
        """The hosts the path alone does not decide: a fixed outcome, httpsRedirect, headers."""
        if routes.outcome is not None:
            return routes.outcome
        if routes.https_redirect:
            # A probe path starts with `/`: `redirect`'s check for a bare authority is not needed.
            location = f"https://{probe.host}{probe.path}"
            return Outcome("redirect", (), None, None, (), 301, location, "", _HTTPS_REDIRECT_TRACE)
        headers = dict(probe.headers)
        headers.setdefault(":authority", probe.host)
        headers.setdefault(":scheme", probe.scheme)
        headers.setdefault(":method", "GET")
        path = probe.path
        for test, operand, match, route in routes.entries:
            if test(path, operand) and match.headers_match(headers.get):  # True without header conditions
                return self._act(match, route, probe)
        return _NO_ROUTE

    def _act(self, match: _Match, route: _Route, probe: Probe) -> Outcome:
        action = route.action
        if action is None:  # resolved once per route, on its first request
            action = route.action = self._action(route)
        if action.plain:  # most routes; by position, as in request.redirect
            return Outcome(
                "proxy", action.dests, probe.path, probe.host, action.headers, None, None, "", action.trace
            )
        if action.fixed is not None:
            return action.fixed
        trace = action.trace
        if action.redirect is not None:
            scheme, authority, port, uri, code = action.redirect
            if port == "request":
                port = f":{probe.port}"
            tail = uri or probe.path
            location = f"{scheme or probe.scheme}://{authority or probe.host}{port}{tail}"
            if "/" in tail:  # `redirect` adds a `/` after a bare authority only: nothing to check
                return Outcome("redirect", (), None, None, (), code, location, "", trace)
            return redirect(code, location, trace)
        path = probe.path
        if action.regex_rewrite is not None:
            pattern, replacement = action.regex_rewrite
            path = pattern.sub(replacement, path)
        elif action.uri_rewrite is not None:
            replaced = (match.path[2](path) or 0) if match.kind in ("prefix", "") else len(path)
            path = action.uri_rewrite + path[replaced:]
        return Outcome(
            "proxy", action.dests, path, action.authority or probe.host, action.headers, None, None, "", trace
        )

    def _action(self, route: _Route) -> _Action:
        """What a route does, resolved once: everything that does not depend on the request."""
        spec = route.spec
        trace = ((route.vs, f"http[{route.index}]"),)
        if _ACTION_KEYS.isdisjoint(spec):
            destinations = spec.get("route")
            if isinstance(destinations, list) and len(destinations) == 1:
                only = destinations[0]
                if isinstance(only, dict) and "headers" not in only:
                    return self._forward_action(route, only, trace)
        return self._full_action(route, spec, trace)

    def _forward_action(
        self, route: _Route, destination: Mapping[str, Any], trace: tuple[tuple[str, str], ...]
    ) -> _Action:
        """Most routes: all traffic to one destination, path and Host unchanged, no header set.
        What `_full_action` makes of such a route, without its checks for everything else."""
        dest = self._dest(destination, route.namespace, True)
        if isinstance(dest, Outcome):
            return _Action(trace, Outcome(dest.kind, status=dest.status, note=dest.note, trace=trace))
        # A single destination has weight 100: `normalise_dests` would return this same tuple.
        return _Action(trace, None, None, alone(dest.identity, dest.label), None, None, None, (), True)

    def _full_action(
        self, route: _Route, spec: Mapping[str, Any], trace: tuple[tuple[str, str], ...]
    ) -> _Action:
        action = _Action(trace)
        target = spec.get("redirect")
        if isinstance(target, dict):
            port = target.get("port")
            port_text = (
                f":{port}" if port else ("request" if target.get("derivePort") == "FROM_REQUEST_PORT" else "")
            )
            scheme = str(target.get("scheme") or "")
            authority = str(target.get("authority") or "")
            uri = str(target.get("uri") or "")
            code = int(target.get("redirectCode") or 301)
            if scheme and authority and uri and port_text != "request":
                # Nothing taken from the request: the same redirect for all.
                action.fixed = redirect(code, f"{scheme}://{authority}{port_text}{uri}", trace)
            else:
                action.redirect = (scheme, authority, port_text, uri, code)
            return action
        direct = spec.get("directResponse")
        if isinstance(direct, dict):
            action.fixed = Outcome(
                "status", status=int(direct.get("status") or 200), note="direct response", trace=trace
            )
            return action
        if spec.get("delegate"):
            action.fixed = Outcome("unknown", note="delegate VirtualServices are not evaluated", trace=trace)
            return action
        destinations: list[Any] = spec.get("route") or []
        # One destination, as in most routes, needs no filtered copy.
        if not (
            isinstance(destinations, list) and len(destinations) == 1 and isinstance(destinations[0], dict)
        ):
            destinations = [d for d in destinations if isinstance(d, dict)]
        if not destinations:
            action.fixed = Outcome("unknown", note="route without destination", trace=trace)
            return action
        dests: list[Dest] = []
        namespace = route.namespace
        single = len(destinations) == 1
        for entry in destinations:
            dest = self._dest(entry, namespace, single)
            if isinstance(dest, Outcome):
                action.fixed = Outcome(dest.kind, status=dest.status, note=dest.note, trace=trace)
                return action
            dests.append(dest)
        action.dests = normalise_dests(dests)
        if not action.dests:
            action.fixed = Outcome("unknown", note="all route weights are zero", trace=trace)
            return action
        action.plain = True
        rewrite = spec.get("rewrite")
        if rewrite and isinstance(rewrite, dict):
            regex_rewrite = rewrite.get("uriRegexRewrite")
            if isinstance(regex_rewrite, dict) and regex_rewrite.get("match") is not None:
                try:
                    pattern = compile_re2(str(regex_rewrite["match"]))
                except RegexError as exc:
                    action.fixed = Outcome("unknown", note=f"uriRegexRewrite: {exc}", trace=trace)
                    return action
                action.regex_rewrite = (pattern, envoy_substitute(str(regex_rewrite.get("rewrite") or "")))
            elif rewrite.get("uri") is not None:
                action.uri_rewrite = str(rewrite["uri"])
            if rewrite.get("authority"):
                action.authority = str(rewrite["authority"])
            action.plain = (
                action.regex_rewrite is None and action.uri_rewrite is None and action.authority is None
            )
        if "headers" in spec or (single and "headers" in destinations[0]):  # most routes: none
            action.headers = _request_headers(spec, destinations)
        return action

    def _dest(self, entry: Mapping[str, Any], namespace: str, single: bool) -> Dest | Outcome:
        destination = entry.get("destination") or {}
        port_spec = destination.get("port") or {}
        subset = destination.get("subset")
        key = (
            namespace,
            str(destination.get("host") or ""),
            int(port_spec.get("number") or 0) if isinstance(port_spec, dict) else 0,
            str(subset) if subset else "",
            100 if single else int(entry.get("weight") or 0),
        )
        # Routes of one app name the same destination again and again: resolve each once.
        found = self._dests.get(key)
        if found is None:
            found = self._dests[key] = self._resolve_dest(*key)
        return found

    def _resolve_dest(self, namespace: str, host: str, port: int, subset: str, weight: int) -> Dest | Outcome:
        svc_ns, svc_name = self._service_of(host, namespace)
        if not port and svc_ns:
            ports = self.services.ports(svc_ns, svc_name)
            if len(ports) == 1 and isinstance(ports[0].get("port"), int):
                port = int(ports[0]["port"])
        if not svc_ns:
            return Dest(f"{host}:{port}", weight, f"{host}:{port}")
        ports = self.services.ports(svc_ns, svc_name)
        if ports and port and not self.services.has_port(svc_ns, svc_name, port):
            return Outcome("status", status=503, note=f"Service {svc_ns}/{svc_name} has no port {port}")
        labels: tuple[tuple[str, str], ...] = ()
        if subset:
            defined = self._subsets(svc_ns, svc_name)
            if subset not in defined:
                return Outcome(
                    "status", status=503, note=f"subset {subset} of {svc_ns}/{svc_name} is not defined"
                )
            labels = defined[subset]
        ident = self.services.identity(svc_ns, svc_name, port, labels)
        dest = Dest(ident, weight, service_label(svc_ns, svc_name, port or "?", subset or None))
        return sticky_dest(dest) if self.hash_cookie(svc_ns, svc_name, port, subset) is not None else dest

    def hash_cookie(self, namespace: str, name: str, port: int, subset: str = "") -> str | None:
        """The cookie the gateway's DestinationRule for the Service hashes this port (and subset) on,
        if any. A rule with a workloadSelector (one for gateway pods) is preferred over one without,
        the first of each in object order; a subset's policy replaces the rule's, a port's
        `portLevelSettings` entry its `loadBalancer` (DestinationRule reference, TrafficPolicy)."""
        if self._rules_by_service is None:
            self._rules_by_service = {}
            for obj in self._destination_rules:
                spec = obj.get("spec") or {}
                rule_ns = str((obj.get("metadata") or {}).get("namespace") or "default")
                target = self._service_of(str(spec.get("host") or ""), rule_ns)
                self._rules_by_service.setdefault(target, []).append(spec)
        rules = self._rules_by_service.get((namespace, name))
        if not rules:
            return None
        spec = next((r for r in rules if r.get("workloadSelector")), rules[0])
        policies = [spec.get("trafficPolicy") or {}]
        for entry in spec.get("subsets") or []:
            if (
                subset
                and isinstance(entry, dict)
                and entry.get("name") == subset
                and entry.get("trafficPolicy")
            ):
                policies.insert(0, entry["trafficPolicy"])
        for policy in policies:
            for level in policy.get("portLevelSettings") or []:
                if int((level.get("port") or {}).get("number") or 0) == port and level.get("loadBalancer"):
                    return _hash_cookie(level["loadBalancer"])
            if policy.get("loadBalancer"):
                return _hash_cookie(policy["loadBalancer"])
        return None

    def _route_tls(self, server: _Server, host: str) -> Outcome:
        for vs in self._candidates(server):
            if not server.intersect(vs.namespace, vs.hosts):
                continue
            for index, route in enumerate(vs.tls):
                if not _tls_route_matches(route, host, server):
                    continue
                destinations = [d for d in route.get("route") or [] if isinstance(d, dict)]
                dests = []
                for entry in destinations:
                    dest = self._dest(entry, vs.namespace, single=len(destinations) == 1)
                    if isinstance(dest, Outcome):
                        return dest
                    dests.append(dest)
                return Outcome(
                    "passthrough", dests=normalise_dests(dests), trace=((vs.key, f"tls[{index}]"),)
                )
        return Outcome("refused", note="no TLS route for this SNI name")


def _tls_route_matches(route: Mapping[str, Any], host: str, server: _Server) -> bool:
    matches = [m for m in route.get("match") or [] if isinstance(m, dict)]
    if not matches:
        return True
    for match in matches:
        port = match.get("port")
        if port and int(port) != server.port:
            continue
        gateways = match.get("gateways")
        if gateways and server.gateway not in {str(g) for g in gateways}:
            continue
        sni = [str(s).lower() for s in match.get("sniHosts") or []]
        if not sni or any(host_matches(s, host) for s in sni):
            return True
    return False


def _request_headers(
    route: Mapping[str, Any], destinations: Sequence[Mapping[str, Any]]
) -> tuple[tuple[str, str], ...]:
    sources = [route, destinations[0]] if len(destinations) == 1 else [route]
    values: dict[str, str] = {}
    for source in sources:
        if not source.get("headers"):
            continue  # most routes: nothing to read
        request = source["headers"].get("request") or {}
        for op in ("set", "add"):
            for name, value in (request.get(op) or {}).items():
                if str(name).lower() in COMPARED_HEADERS:
                    values[str(name).lower()] = str(value)
    return tuple(sorted(values.items())) if values else ()


def _hash_cookie(load_balancer: Mapping[str, Any]) -> str | None:
    hashing = load_balancer.get("consistentHash")
    cookie = hashing.get("httpCookie") if isinstance(hashing, Mapping) else None
    return str(cookie.get("name") or "") if isinstance(cookie, Mapping) else None
