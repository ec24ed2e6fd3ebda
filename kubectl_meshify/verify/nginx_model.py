"""ingress-nginx routing, rebuilt from the Ingress objects (controller v1.x, up to v1.15).

Only what decides where a request goes is modelled, reproducing the controller's code rather than
the Kubernetes spec (paths cite `kubernetes/ingress-nginx`):

- servers: one per host, merged across every Ingress of the class in every namespace, Ingresses
  in `store.sortIngressSlice` order; the first Ingress to name a host creates its server, whose
  root location `/` serves that Ingress's `spec.defaultBackend` (or the controller's 404) and
  carries that Ingress's annotations (`controller.createServers`);
- paths (`controller.getBackendServers`, `location.updateServerLocations`,
  `template.buildLocation`): pathType unset or ImplementationSpecific is Prefix
  (`k8s.SetDefaultNGINXPathType`); Exact → `= /p`; Prefix → `/p/` plus `= /p` (no extra exact
  when an Exact `/p` exists; `/p/` stays `/p/`); locations sorted by length then path, both
  descending; the first Ingress to define a (path, pathType) keeps it;
- regex mode: any location of the host with `use-regex` or an effective `rewrite-target` turns
  every location into `~* "^<path>"` (case-insensitive, start-anchored, first match in that order);
- nginx prefix matching: an exact location wins, else the longest prefix; a request for `/p`
  when a location `/p/` exists and no location `/p` does gets nginx's automatic 301 to `/p/`;
- server selection: exact names and `server-alias` names, then wildcard hosts as the regex
  `^[\\w-]+\\.<rest>$` (one label only, `template.buildServerName`), then the catch-all server `_`
  (rules without host; the first rule-less Ingress with `spec.defaultBackend`);
- certificates (`controller.createServers`, `extractTLSSecretName`): every rule host of an Ingress
  with any `spec.tls` entry gets one, from the first such Ingress of the host: the secret of the entry
  listing the host, else of an entry whose certificate covers it (`*.x` one label, or an entry
  without hosts), else the controller's default certificate; the catch-all server `_` always has the
  default certificate;
- per location, in nginx's phase order: `app-root` (server level, 302 on `/`), permanent /
  temporal redirect (`return`), HTTP→HTTPS redirect (`lua_ingress.lua redirect_to_https`:
  ssl-redirect when a certificate is configured for the request's Host or its one-label wildcard,
  `certificate.lua get_pem_cert_uid`, so never for unknown hosts on the catch-all server;
  force-ssl-redirect; trailing `/` stripped unless preserve-trailing-slash;
  code from the ConfigMap, 308 by default), then proxying: canary choice (`balancer.lua`),
  `rewrite-target` (whole-URI replacement with `$n` groups), `x-forwarded-prefix` (only with an
  effective rewrite), `upstream-vhost`;
- `from-to-www-redirect`, ssl-passthrough (TLS requests by SNI, root location's backend).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from kubectl_meshify.verify.ingress import (
    IngressDoc,
    backend_service,
    http_paths,
    nginx_order,
)
from kubectl_meshify.verify.regex import RegexError, compile_pcre, nginx_substitute
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

DEFAULT_SERVER = "_"
REDIRECT_CODES = (301, 302, 303, 307, 308)  # codes nginx's `return code URL` sends a Location with
Trace = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NginxSettings:
    """Controller-wide settings (ConfigMap and flags) that change routing."""

    annotation_prefix: str = "nginx.ingress.kubernetes.io/"
    ssl_redirect: bool = True  # ConfigMap `ssl-redirect`
    http_redirect_code: int = 308  # ConfigMap `http-redirect-code`
    enable_ssl_passthrough: bool = True  # controller flag; assume on when Ingresses ask for it


# Go's strconv.ParseBool: the spellings it accepts (anything else leaves the default).
_GO_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}


def _go_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# Compared and hashed by identity (eq=False): one object per Ingress, and `_shared_plan` keys on it.
@dataclass(slots=True, eq=False)
class Annotations:
    """The routing-relevant annotations of one Ingress, parsed like ingress-nginx does."""

    key: str
    canary: bool = False
    canary_header: str = ""
    canary_header_value: str = ""
    canary_header_pattern: str = ""
    canary_cookie: str = ""
    canary_weight: int = 0
    canary_weight_total: int = 100
    use_regex: bool = False
    rewrite_target: str = ""
    app_root: str = ""
    x_forwarded_prefix: str = ""
    redirect_url: str = ""
    redirect_code: int = 0
    redirect_key: str = ""
    from_to_www: bool = False
    aliases: tuple[str, ...] = ()
    upstream_vhost: str = ""
    ssl_redirect: bool = True
    force_ssl_redirect: bool = False
    preserve_trailing_slash: bool = False
    use_port_in_redirects: bool = False
    relative_redirects: bool = False  # `absolute_redirect off` in the location
    affinity_cookie: bool = False  # `affinity: cookie`: the upstream's balancer is sticky
    affinity_canary_legacy: bool = False  # `affinity-canary-behavior: legacy`
    ssl_passthrough: bool = False

    @classmethod
    def parse(cls, doc: IngressDoc, settings: NginxSettings) -> Annotations:
        raw = doc.controller_annotations(settings.annotation_prefix)
        ann = cls(doc.key, ssl_redirect=settings.ssl_redirect)
        if raw.keys().isdisjoint(ROUTING_KEYS):
            return ann  # most Ingresses: the defaults, found with one set operation
        ann.canary = _GO_BOOLS.get(raw.get("canary", ""), False)
        if ann.canary:
            ann.canary_header = raw.get("canary-by-header", "").strip()
            ann.canary_header_value = raw.get("canary-by-header-value", "")
            ann.canary_header_pattern = raw.get("canary-by-header-pattern", "")
            ann.canary_cookie = raw.get("canary-by-cookie", "").strip()
            ann.canary_weight = _go_int(raw.get("canary-weight")) or 0
            ann.canary_weight_total = _go_int(raw.get("canary-weight-total")) or 100
        ann.use_regex = _GO_BOOLS.get(raw.get("use-regex", ""), False)
        ann.rewrite_target = raw.get("rewrite-target", "")
        # rewrite.go keeps app-root only as an absolute path (url.ParseRequestURI, not absolute).
        app_root = raw.get("app-root", "")
        ann.app_root = app_root if app_root.startswith("/") else ""
        ann.x_forwarded_prefix = raw.get("x-forwarded-prefix", "")
        ann.from_to_www = _GO_BOOLS.get(raw.get("from-to-www-redirect", ""), False)
        if "server-alias" in raw:
            ann.aliases = tuple(a.strip().lower() for a in raw["server-alias"].split(",") if a.strip())
        ann.upstream_vhost = raw.get("upstream-vhost", "")
        ann.ssl_redirect = _GO_BOOLS.get(raw.get("ssl-redirect", ""), settings.ssl_redirect)
        ann.force_ssl_redirect = _GO_BOOLS.get(raw.get("force-ssl-redirect", ""), False)
        ann.preserve_trailing_slash = _GO_BOOLS.get(raw.get("preserve-trailing-slash", ""), False)
        ann.use_port_in_redirects = _GO_BOOLS.get(raw.get("use-port-in-redirects", ""), False)
        ann.relative_redirects = _GO_BOOLS.get(raw.get("relative-redirects", ""), False)
        # sessionaffinity/main.go reads the type as written; balancer.lua makes it sticky for "cookie".
        ann.affinity_cookie = raw.get("affinity", "") == "cookie"
        ann.affinity_canary_legacy = raw.get("affinity-canary-behavior", "") == "legacy"
        ann.ssl_passthrough = (
            _GO_BOOLS.get(raw.get("ssl-passthrough", ""), False) and settings.enable_ssl_passthrough
        )
        # redirect.go: temporal-redirect wins; codes outside the valid range fall back.
        temporal = raw.get("temporal-redirect", "")
        permanent = raw.get("permanent-redirect", "")
        if temporal and _valid_url(temporal):
            code = _go_int(raw.get("temporal-redirect-code")) or 302
            ann.redirect_url, ann.redirect_key = temporal, "temporal-redirect"
            ann.redirect_code = code if 300 <= code <= 307 else 302
        elif permanent:  # not URL-validated: only temporal-redirect is (redirect.go, isValidURL)
            code = _go_int(raw.get("permanent-redirect-code")) or 301
            ann.redirect_url, ann.redirect_key = permanent, "permanent-redirect"
            ann.redirect_code = code if 300 <= code <= 308 else 301
        return ann


# The canary annotations (balancer.lua's traffic policy and the flag that makes an Ingress a canary).
CANARY_KEYS = (
    "canary",
    "canary-by-header",
    "canary-by-header-value",
    "canary-by-header-pattern",
    "canary-by-cookie",
    "canary-weight",
    "canary-weight-total",
)
# Every annotation `Annotations.parse` reads: what the behaviour check models (the report names the rest).
ROUTING_KEYS = frozenset(
    (
        *CANARY_KEYS,
        "use-regex",
        "rewrite-target",
        "app-root",
        "x-forwarded-prefix",
        "from-to-www-redirect",
        "server-alias",
        "upstream-vhost",
        "ssl-redirect",
        "force-ssl-redirect",
        "preserve-trailing-slash",
        "use-port-in-redirects",
        "relative-redirects",
        "affinity",
        "affinity-canary-behavior",
        "ssl-passthrough",
        "temporal-redirect",
        "temporal-redirect-code",
        "permanent-redirect",
        "permanent-redirect-code",
    )
)


def _valid_url(value: str) -> bool:
    return bool(re.match(r"^https?://[^/\s]", value))


# An nginx upstream: one Service port of one namespace, named as the Ingress wrote the port:
# (namespace, service, port). A plain tuple: upstreams key several dictionaries, and tuples hash
# and compare in C (a named tuple's constructor is a Python call, made for every backend).
Upstream = tuple[str, str, int | str]


@dataclass(eq=False, slots=True)
class _Plan:
    """The request-independent part of a location's behaviour (see `NginxModel._plan`)."""

    trace: Trace
    early: bool = False  # a redirect, or a rewrite to an absolute URL: both come first
    redirect: tuple[int, str, Trace] | None = None  # code, URL, trace
    # ssl-redirect or force-ssl-redirect: port, strip `/`, trace, trace when stripped
    https: tuple[str, bool, Trace, Trace] | None = None
    forced: bool = False  # force-ssl-redirect: whatever the certificates (else only with one)
    fixed: Outcome | None = None  # the same answer for every request
    dests: tuple[Dest, ...] | None = None  # None: a canary decides per request
    rewrite: tuple[re.Pattern[str], str] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    vhost: str | None = None
    proxy_trace: Trace = ()
    plain: bool = False  # proxied with the request's own path and Host (no rewrite, no vhost)
    # `dests` of a plain plan with nothing else to do (no canary, no early answer): most
    # requests, answered in `evaluate` itself.
    direct: tuple[Dest, ...] | None = None


@dataclass(eq=False, slots=True)
class Location:
    path: str
    path_type: str  # "Exact" or "Prefix"
    upstream: Upstream | None  # None: the controller's default backend (404)
    ann: Annotations | None  # annotations of the Ingress the location came from
    is_def_backend: bool = False
    # Regex mode: compiled `^<path>`, case-insensitive; None if it does not compile.
    pattern: re.Pattern[str] | None = None
    rewrites: bool = False  # `needs_rewrite()` of the final path, set once the server is final
    plan: _Plan | None = None

    def needs_rewrite(self) -> bool:
        return bool(self.ann and self.ann.rewrite_target and self.ann.rewrite_target != self.path)


@dataclass(eq=False, slots=True)
class Server:
    hostname: str
    locations: list[Location]
    creator: Annotations | None
    # The shortest prefix (else the last location), the answer when no prefix test matches: the
    # root location until `_index_static` knows them all.
    fallback: Location
    aliases: tuple[str, ...] = ()
    certificate: str = ""  # "" none, "default" (the controller's default certificate), "secret"
    passthrough: bool = False
    from_to_www: bool = False
    regex_mode: bool = False
    regex_forcers: tuple[tuple[str, str], ...] = ()
    # Whether a location's annotations have use-regex, rewrite-target or app-root: what
    # `_finalise` must look at each location for (most servers have none).
    shaped: bool = False
    exact: dict[str, Location] = field(default_factory=dict)
    # What the prefix match tests: every prefix but the shortest, which answers when none of them
    # matches anyway (most requests end at `/`), as (path, location) pairs.
    prefix_tests: tuple[tuple[str, Location], ...] = ()
    # Static locations ending in `/`, named without it, when no location has that name: the
    # requests nginx redirects there (301).
    auto_redirect: AbstractSet[str] = frozenset()
    app_root: tuple[str, str] | None = None  # (path, ingress key) of the first location with it
    # No app-root, regex locations or automatic 301: a lookup in `exact` and `prefix_tests` finds the
    # location of every request (most servers; set by `_finalise`).
    simple: bool = False
    # The first location of each path, while the Ingresses add theirs (the list scan, by name).
    first_by_path: dict[str, Location] = field(default_factory=dict)


_Path = tuple[str, str, str, Upstream]  # server name, location path, Exact|Prefix, upstream


class _IngressRead(NamedTuple):
    """What the build reads of one Ingress, read once (every build step walks the Ingresses)."""

    doc: IngressDoc
    ann: Annotations
    default: Upstream | None  # `spec.defaultBackend`
    hosts: list[str]  # the server name of each rule
    paths: list[_Path]  # the Service paths of every rule


class _HostRoute(NamedTuple):
    """Where a Host header and scheme lead, whatever the path (see `NginxModel.evaluate`)."""

    server: Server | None  # None: the host answers every path alike (`answer` or `www_target`)
    trace: Trace  # how the server was chosen: the start of every trace there
    answer: Outcome | None = None  # ssl-passthrough
    www_target: str = ""  # from-to-www-redirect: the host redirected to
    certified: bool = False  # a certificate is configured for the Host (lua `redirect_to_https`)


@dataclass(frozen=True, slots=True)
class _CanaryPolicy:
    upstream: Upstream
    ann: Annotations | None  # None: the upstream has no traffic policy (weight 0, no header)


class NginxModel:
    """Evaluates probes against the ingress-nginx configuration of a set of Ingresses."""

    def __init__(
        self,
        ingresses: Iterable[IngressDoc],
        services: ServiceIndex,
        settings: NginxSettings | None = None,
    ) -> None:
        self.settings = settings or NginxSettings()
        self.services = services
        self.docs = nginx_order(ingresses)
        # Every build step walks the Ingresses: each is read once, into a compact record.
        self.owners: dict[Upstream, Annotations] = {}  # see `_read`
        self._reads = [self._read(doc) for doc in self.docs]
        self.anns = {read.ann.key: read.ann for read in self._reads}
        self.servers: dict[str, Server] = {}
        self.wildcards: list[tuple[re.Pattern[str], Server]] = []
        self.www_redirects: dict[str, str] = {}
        self.alternatives: dict[Upstream, list[_CanaryPolicy]] = {}
        self.deleted: set[Upstream] = set()
        self.sticky: set[Upstream] = set()  # upstreams with cookie affinity (see `_session_affinity`)
        self._dests: dict[Upstream, Dest | Outcome] = {}
        # By scheme, then Host header: two lookups cost less than building a (host, scheme) key.
        self._routes: dict[str, dict[str, _HostRoute]] = {}
        self._plans: dict[tuple[Any, ...], _Plan] = {}  # see `_shared_plan`
        self._choices: dict[tuple[Upstream, Any], tuple[tuple[Dest, ...] | Outcome, Trace]] = {}
        self._build()

    # ------------------------------------------------------------------ build

    def _read(self, doc: IngressDoc) -> _IngressRead:
        """An Ingress's annotations, default backend, server name per rule and Service paths.

        Also controller.createUpstreams, in the same pass (the Ingresses come in order): the first
        Ingress to use a Service port decides what the upstream is. A canary's makes it
        canary-only (no location routes to it) with the canary's traffic policy; a normal
        Ingress's carries no policy, so a later canary on it gets no traffic."""
        namespace = doc.namespace
        ann = Annotations.parse(doc, self.settings)
        owners = self.owners
        backend = doc.default_backend()
        found = backend_service(backend) if backend else None
        default = (namespace, found[0], found[1]) if found is not None else None
        if default is not None:
            owners.setdefault(default, ann)
        upstreams: dict[tuple[str, int | str], Upstream] = {}  # one per backend, shared by its paths
        hosts: list[str] = []
        paths: list[_Path] = []
        for rule in doc.rule_list:
            host = str(rule.get("host") or "").lower() or DEFAULT_SERVER
            hosts.append(host)
            for path in http_paths(rule) or ():
                found = backend_service(path.get("backend"))
                if found is None:
                    continue
                upstream = upstreams.get(found)
                if upstream is None:
                    upstream = upstreams[found] = (namespace, found[0], found[1])
                    owners.setdefault(upstream, ann)
                path_type = "Exact" if path.get("pathType") == "Exact" else "Prefix"
                paths.append((host, str(path.get("path") or "") or "/", path_type, upstream))
        return _IngressRead(doc, ann, default, hosts, paths)

    def _build(self) -> None:
        default_root = Location("/", "Prefix", None, None, is_def_backend=True)
        # createServers: the catch-all server always carries the default certificate.
        self.servers[DEFAULT_SERVER] = Server(
            DEFAULT_SERVER, [default_root], None, default_root, certificate="default"
        )
        self.servers[DEFAULT_SERVER].first_by_path["/"] = default_root
        primaries = [read for read in self._reads if not read.ann.canary]
        all_aliases: dict[str, tuple[str, ...]] = {}
        for read in primaries:
            ann = read.ann
            if read.default and not read.hosts and default_root.is_def_backend:
                # The first rule-less Ingress with a default backend becomes the catch-all; its
                # redirect and rewrite annotations are not applied there (createServers TODO).
                default_root.is_def_backend = False
                default_root.upstream = read.default
                default_root.ann = _without_redirect_and_rewrite(ann)
            for host in read.hosts:
                if host in self.servers:
                    continue
                root = Location("/", "Prefix", read.default, ann, is_def_backend=True)
                server = self.servers[host] = Server(host, [root], ann, root, passthrough=ann.ssl_passthrough)
                server.shaped = _shapes_locations(ann)
                server.first_by_path["/"] = root
            # Aliases and certificates depend only on the Ingresses before this one: same pass.
            self._alias_and_certificate(read, all_aliases)
        for host, aliases in all_aliases.items():
            unique: list[str] = []
            for alias in aliases:
                if alias != host and alias not in self.servers and alias not in unique:
                    unique.append(alias)
            self.servers[host].aliases = tuple(sorted(unique))
        for read in primaries:
            self._add_locations(read)
        if primaries:
            for read in self._reads:
                if read.ann.canary:
                    self._merge_canary(read)
        for server in self.servers.values():
            self._finalise(server)
        self._session_affinity()
        self._index_names()

    def _session_affinity(self) -> None:
        """Which upstreams are sticky. An Ingress with cookie affinity makes the upstreams it names
        sticky (getBackendServers); merging a canary copies the primary upstream's affinity onto the
        canary's, sticky or not, unless the canary says `affinity-canary-behavior: legacy`
        (mergeAlternativeBackend in internal/ingress/controller/controller.go)."""
        for read in self._reads:
            if read.ann.affinity_cookie:
                self.sticky.update(upstream for _, _, _, upstream in read.paths)
                if read.default is not None:
                    self.sticky.add(read.default)
        copied: dict[Upstream, bool] = {}
        for primary, policies in self.alternatives.items():
            for policy in policies:
                if policy.ann is not None and not policy.ann.affinity_canary_legacy:
                    copied[policy.upstream] = primary in self.sticky
        for alt, sticky in copied.items():
            if sticky:
                self.sticky.add(alt)
            else:
                self.sticky.discard(alt)

    def _canary_only(self, upstream: Upstream) -> bool:
        owner = self.owners.get(upstream)
        return owner is not None and owner.canary

    def _alias_and_certificate(self, read: _IngressRead, all_aliases: dict[str, tuple[str, ...]]) -> None:
        """The first Ingress naming a host with `server-alias` gives the server its aliases; the
        first with any `spec.tls` entry, its certificate (createServers): the entry's secret when
        `extractTLSSecretName` finds one for the host, else the default certificate."""
        aliases = read.ann.aliases
        tls_entries = read.doc.tls()
        if not aliases and not tls_entries:
            return  # most Ingresses
        for host in read.hosts:
            server = self.servers[host]
            if not server.aliases and aliases:
                server.aliases = aliases
                all_aliases.setdefault(host, aliases)
            if server.certificate or not tls_entries:
                continue
            server.certificate = "secret" if _tls_secret_for(host, tls_entries) else "default"

    def _add_locations(self, read: _IngressRead) -> None:
        """A path adds a location unless the first location of the server with that path has its
        pathType; when that one is a default-backend root, the path takes it over."""
        ann = read.ann
        shapes = _shapes_locations(ann)
        marks = shapes or ann.from_to_www  # what an added location marks its server with
        for host, nginx_path, path_type, upstream in read.paths:
            server = self.servers.get(host) or self.servers[DEFAULT_SERVER]
            if self._canary_only(upstream):
                continue  # "Backend is not referenced to by a server"
            first = server.first_by_path.get(nginx_path)
            if first is None or first.path_type != path_type:
                loc = Location(nginx_path, path_type, upstream, ann)
                server.locations.append(loc)
                server.first_by_path.setdefault(nginx_path, loc)
            elif first.is_def_backend:
                first.upstream, first.ann, first.is_def_backend = upstream, ann, False
            else:
                continue
            if marks:
                server.from_to_www = server.from_to_www or ann.from_to_www
                server.shaped = server.shaped or shapes

    def _merge_canary(self, read: _IngressRead) -> None:
        """controller.mergeAlternativeBackends. The traffic policy is the upstream owner's; an
        alternative that fails to merge for one path is deleted, which disables it everywhere."""
        alt_default = read.default
        if alt_default is not None and alt_default not in self.deleted:
            # A canary catch-all attaches to every location of the catch-all server.
            merged = equal = False
            for loc in self.servers[DEFAULT_SERVER].locations:
                equal = loc.upstream == alt_default
                if equal:
                    break
                if loc.upstream is not None and not self._canary_only(loc.upstream):
                    merged = self._attach(loc.upstream, alt_default) or merged
            if not equal and not merged:
                self.deleted.add(alt_default)
        for host, nginx_path, path_type, alt in read.paths:
            server = self.servers.get(host)
            if server is None:
                continue  # "cannot merge alternative backend into hostname that does not exist"
            if alt in self.deleted:
                continue
            merged = equal = False
            for loc in server.locations:
                primary = loc.upstream
                equal = primary == alt
                if equal:
                    break  # the canary is a primary elsewhere: not merged
                if primary is not None and loc.path == nginx_path and loc.path_type == path_type:
                    merged = self._attach(primary, alt) or merged
            if not equal and not merged:
                self.deleted.add(alt)  # "unable to find real backend for alternative backend"

    def _attach(self, primary: Upstream, alt: Upstream) -> bool:
        policies = self.alternatives.setdefault(primary, [])
        if all(p.upstream != alt for p in policies):
            owner = self.owners.get(alt)
            # A normal Ingress created the upstream: no traffic policy, so it never gets traffic.
            policy = owner if owner is not None and owner.canary else None
            policies.append(_CanaryPolicy(alt, policy))
        return True

    def _finalise(self, server: Server) -> None:
        if not server.shaped:
            # No location rewrites, forces regex mode or has an app-root: the defaults stand.
            self._finalise_static(server)
            return
        locs = server.locations
        if len(locs) > 1:
            # getBackendServers: stable sort by path descending, then by length descending (one
            # stable sort on both keys gives the same order).
            locs = sorted(locs, key=lambda loc: (len(loc.path), loc.path), reverse=True)
        # updateServerLocations: Prefix /p → /p/ plus an exact copy = /p.
        exact_paths = {loc.path for loc in locs if loc.path_type == "Exact"}
        final: list[Location] = []
        for loc in locs:
            ann = loc.ann
            if (
                loc.path_type != "Prefix"
                or loc.path == "/"
                or (ann is not None and (ann.use_regex or loc.needs_rewrite()))
            ):
                final.append(loc)
                continue
            original = loc.path
            loc.path = original if original.endswith("/") else original + "/"
            final.append(loc)
            if original not in exact_paths:
                final.append(Location(original, "Exact", loc.upstream, loc.ann, loc.is_def_backend))
        server.locations = final
        forcers: list[tuple[str, str]] = []
        for loc in final:  # the final paths: a Prefix `/p` is `/p/` by now
            ann = loc.ann
            if ann is None:
                continue
            # Most locations have no rewrite-target: the method call only when one is set.
            loc.rewrites = rewrites = bool(ann.rewrite_target) and loc.needs_rewrite()
            if rewrites or ann.use_regex:
                forcer = (ann.key, "rewrite-target" if rewrites else "use-regex")
                if forcer not in forcers:
                    forcers.append(forcer)
            if ann.app_root and server.app_root is None:
                server.app_root = (ann.app_root, ann.key)
        server.regex_mode = bool(forcers)
        server.regex_forcers = tuple(forcers)
        if server.regex_mode:
            for loc in final:
                try:
                    loc.pattern = compile_pcre("^" + loc.path, ignore_case=True)
                except RegexError:
                    loc.pattern = None  # nginx would not load this configuration: `_regex_location`
        else:
            self._index_static(server)
            server.simple = server.app_root is None and not server.auto_redirect

    @staticmethod
    def _finalise_static(server: Server) -> None:
        """`_finalise` and `_index_static` for a server of static locations, in one pass and
        without sorting them: their nginx order decides only which of two Prefix locations with
        the same final path wins (the longer path as written, else the first) and the order the
        prefixes are tried in (longest first), both worked out here. The exact copy `= /p` of a
        Prefix location is only looked up by path, where it behaves as that location: the
        location stands for it (one object, one plan)."""
        locs = server.locations
        exact_paths = {loc.path for loc in locs if loc.path_type == "Exact"}
        exact = server.exact
        prefixes: dict[str, Location] = {}  # by final path
        from_bare: set[str] = set()  # final paths `/p/` whose location was written `/p`
        slashed: list[str] = []
        for loc in locs:
            path = loc.path
            if loc.path_type == "Exact":
                exact.setdefault(path, loc)
                if path.endswith("/") and path != "/":
                    slashed.append(path[:-1])
                continue
            if path == "/":
                prefixes.setdefault(path, loc)
                continue
            if path not in exact_paths:
                exact.setdefault(path, loc)  # the copy `= /p` (its name is unique)
            if path.endswith("/"):
                if path not in prefixes or path in from_bare:
                    prefixes[path] = loc
                    from_bare.discard(path)
            else:
                path = loc.path = path + "/"
                if path not in prefixes:
                    prefixes[path] = loc
                    from_bare.add(path)
            slashed.append(path[:-1])
        # The root `/` is the only one-character prefix (every other ends with `/` after a name):
        # the fallback, which `Server` starts with.
        if len(prefixes) > 1:
            tests = [(path, loc) for path, loc in prefixes.items() if path != "/"]
            tests.sort(key=lambda test: len(test[0]), reverse=True)
            server.prefix_tests = tuple(tests)
        if slashed:
            # nginx's automatic 301 from `/p` to `/p/` applies only when no location is named `/p`.
            server.auto_redirect = {p for p in slashed if p not in exact and p not in prefixes}
        server.simple = not server.auto_redirect

    @staticmethod
    def _index_static(server: Server) -> None:
        """The lookup tables of a shaped server that ended without regex locations (its final,
        sorted list, exact copies included)."""
        prefix_paths: set[str] = set()
        prefixes: list[Location] = []
        slashed: list[str] = []
        exact = server.exact
        for loc in server.locations:
            path = loc.path
            if loc.path_type == "Exact":
                exact.setdefault(path, loc)
            elif path not in prefix_paths:
                prefix_paths.add(path)
                prefixes.append(loc)
            if path.endswith("/") and path != "/":
                slashed.append(path[:-1])
        if len(prefixes) > 1:
            prefixes.sort(key=lambda loc: len(loc.path), reverse=True)
            server.prefix_tests = tuple([(loc.path, loc) for loc in prefixes[:-1]])
        server.fallback = prefixes[-1] if prefixes else server.locations[-1]
        if slashed:
            # nginx's automatic 301 from `/p` to `/p/` applies only when no location is named `/p`.
            server.auto_redirect = {p for p in slashed if p not in exact and p not in prefix_paths}

    def _index_names(self) -> None:
        r"""nginx server_name lookup tables: exact names, `*.x` and `x.*` wildcards (server-alias
        only), then regular expressions in configuration order (servers sorted by host name; a
        wildcard Ingress host is the regex `^[\w-]+\.<rest>$`, template.buildServerName)."""
        self.names: dict[str, Server] = {}
        # Names with a certificate (certificate.lua's `certificate_servers`). configureCertificates
        # lists an alias with the server's certificate when that certificate names it: certificates
        # are not read, so a server's certificate is taken to name its aliases.
        self.certified_names: set[str] = set()
        for host, server in self.servers.items():
            if server.certificate:
                self.certified_names.add(host)
                self.certified_names.update(server.aliases)
        leading: list[tuple[str, Server]] = []
        trailing: list[tuple[str, Server]] = []
        # One pass in host order: aliases never name a server (`_build` drops those), so setting
        # each host's name and then its aliases' gives what names first, aliases next would.
        for host, server in sorted(self.servers.items()):
            if host.startswith("*."):
                rest = re.escape(host[2:])
                self.wildcards.append((re.compile(r"^[\w-]+\." + rest + "$"), server))
            elif host != DEFAULT_SERVER:
                self.names[host] = server
            for alias in server.aliases:
                if alias.startswith("~"):
                    try:
                        self.wildcards.append((compile_pcre(alias[1:]), server))
                    except RegexError:
                        continue
                elif alias.startswith("*."):
                    leading.append((alias[1:], server))
                elif alias.endswith(".*"):
                    trailing.append((alias[:-1], server))
                else:
                    self.names.setdefault(alias, server)
            # template.buildRedirects: the www / non-www twin, unless a server already has that name.
            if server.from_to_www and host != DEFAULT_SERVER:
                twin = host[4:] if host.startswith("www.") else "www." + host
                if twin not in self.servers:
                    self.www_redirects.setdefault(twin, host)
        self.leading = sorted(leading, key=lambda entry: -len(entry[0]))
        self.trailing = sorted(trailing, key=lambda entry: -len(entry[0]))

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, probe: Probe) -> Outcome:
        # Host normalisation, ssl-passthrough, the www redirect and the server lookup depend on
        # the Host header and scheme only: one cached record per pair, one lookup per probe.
        routes = self._routes.get(probe.scheme)
        if routes is None:
            routes = self._routes[probe.scheme] = {}
        route = routes.get(probe.host)
        if route is None:
            route = routes[probe.host] = self._route(probe.host, probe.scheme)
        server, trace, answer, www_target, certified = route
        if server is None:
            return answer if answer is not None else self._www_redirect(www_target, trace, probe)
        if not server.simple:
            return self._special_outcome(server, probe, trace, certified)
        # `_static_location` and the start of `_location_outcome`, inlined: most requests end
        # here, and a Python call costs as much as the rest of this path.
        path = probe.path
        loc = server.exact.get(path)
        if loc is None:
            for prefix, candidate in server.prefix_tests:
                if path.startswith(prefix):
                    loc = candidate
                    break
            else:
                loc = server.fallback
        plan = loc.plan
        if plan is None:
            plan = loc.plan = self._shared_plan(server, loc)
        if plan.direct is not None and (
            plan.https is None or probe.scheme != "http" or not (certified or plan.forced)
        ):
            # By position, as in request.redirect.
            return Outcome(
                "proxy", plan.direct, path, probe.host, (), None, None, "", trace + plan.proxy_trace
            )
        return self._location_outcome(server, loc, plan, probe, trace, certified)

    def _special_outcome(self, server: Server, probe: Probe, trace: Trace, certified: bool) -> Outcome:
        """`evaluate` on a server with an app-root, regex locations or automatic 301s."""
        path = probe.path
        if server.app_root and path == "/":
            app_root, owner = server.app_root
            return redirect(302, f"{probe.scheme}://{probe.host}{app_root}", (*trace, (owner, "app-root")))
        if server.regex_mode:
            trace += server.regex_forcers
            found = self._regex_location(server, path)
            if found is None:
                return Outcome("unknown", note="regex location could not be evaluated", trace=trace)
            loc = found
        else:
            if path in server.auto_redirect:
                return redirect(
                    301, f"{probe.scheme}://{probe.host}{path}/", (*trace, ("", "trailing-slash-redirect"))
                )
            loc = self._static_location(server, path)
        plan = loc.plan
        if plan is None:
            plan = loc.plan = self._shared_plan(server, loc)
        return self._location_outcome(server, loc, plan, probe, trace, certified)

    @staticmethod
    def _static_location(server: Server, path: str) -> Location:
        """nginx prefix matching: an exact location, else the longest prefix (else the last)."""
        loc = server.exact.get(path)
        if loc is not None:
            return loc
        for prefix, candidate in server.prefix_tests:
            if path.startswith(prefix):
                return candidate
        return server.fallback

    def _route(self, host_header: str, scheme: str) -> _HostRoute:
        host = host_header.lower().split(":")[0]
        if scheme == "https":
            passthrough = self._passthrough(host)
            if passthrough is not None:
                return _HostRoute(None, (), passthrough)
        # Redirect servers come first in nginx.conf, so they win a server_name clash with an alias.
        target = self.www_redirects.get(host)
        if target is not None:
            return _HostRoute(
                None, self._owner_trace(self.servers[target], "from-to-www-redirect"), None, target
            )
        certified = scheme == "http" and self._certified(host)
        server = self.names.get(host)
        if server is not None and not server.passthrough:
            # Most hosts: a server's own name, nothing to trace.
            return _HostRoute(server, (), None, "", certified)
        server, trace = self._server_and_trace(host, scheme)
        return _HostRoute(server, trace, None, "", certified)

    def _certified(self, host: str) -> bool:
        """certificate.lua `get_pem_cert_uid`: a certificate is configured for the Host (without a
        trailing dot) or for its one-label wildcard `*.<rest>` (configureCertificates lists each
        server's name with its certificate, and its aliases when that certificate covers them)."""
        host = host[:-1] if host.endswith(".") else host
        if host in self.certified_names:
            return True
        head, dot, rest = host.partition(".")
        return bool(head and dot) and "*." + rest in self.certified_names

    def _www_redirect(self, target: str, trace: Trace, probe: Probe) -> Outcome:
        uri = probe.path[:-1] if probe.path.endswith("/") else probe.path
        return redirect(self.settings.http_redirect_code, f"{probe.scheme}://{target}{uri}", trace)

    def _server_and_trace(self, host: str, scheme: str) -> tuple[Server, Trace]:
        """The server answering `host`, and how it was chosen (the start of every trace there)."""
        server, how = self._server_for(host)
        trace: list[tuple[str, str]] = []
        if how:
            trace.append(("", how))
        if server.passthrough:
            # Plain HTTP still goes through the locations; the translation may have dropped them.
            feature = "ssl-passthrough-http" if scheme == "http" else "ssl-passthrough"
            trace.extend(self._owner_trace(server, feature))
        return server, tuple(trace)

    def _server_for(self, host: str) -> tuple[Server, str]:
        server = self.names.get(host)
        if server is not None:
            return server, ""
        for suffix, candidate in self.leading:
            if host.endswith(suffix):
                return candidate, "server-alias"
        for prefix, candidate in self.trailing:
            if host.startswith(prefix):
                return candidate, "server-alias"
        for pattern, candidate in self.wildcards:
            if pattern.search(host):
                return candidate, "wildcard-host"
        return self.servers[DEFAULT_SERVER], "default-server"

    def _passthrough(self, host: str) -> Outcome | None:
        server = self.servers.get(host)
        if server is None or not server.passthrough:
            return None
        for loc in server.locations:
            if loc.path == "/" and loc.upstream is not None:
                dest = self._dest(loc.upstream)
                trace = self._owner_trace(server, "ssl-passthrough")
                if isinstance(dest, Outcome):
                    return dest
                return Outcome("passthrough", dests=(dest,), trace=trace)
        return None

    @staticmethod
    def _owner_trace(server: Server, feature: str) -> Trace:
        return ((server.creator.key if server.creator else "", feature),)

    @staticmethod
    def _regex_location(server: Server, path: str) -> Location | None:
        for loc in server.locations:
            if loc.pattern is None:
                return None  # nginx would not have loaded this configuration
            if loc.pattern.match(path):
                return loc
        return None

    @staticmethod
    def _loc_trace(loc: Location) -> Trace:
        if loc.ann is None:
            return ()
        feature = "location"
        if loc.is_def_backend:
            feature = "default-backend" if loc.upstream else "no-path"
        return ((loc.ann.key, feature),)

    def _shared_plan(self, server: Server, loc: Location) -> _Plan:
        """The location's plan, shared by the locations it is the same for: a plan reads the path
        only as a rewrite's regex, so a Prefix location and its exact twin usually share one."""
        key = (
            loc.ann,
            loc.upstream,
            loc.is_def_backend,
            loc.path if loc.rewrites else None,
        )
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(server, loc)
        return plan

    def _plan(self, server: Server, loc: Location) -> _Plan:
        """Everything a location does that does not depend on the request, worked out once."""
        ann = loc.ann
        trace = self._loc_trace(loc)
        plan = _Plan(trace)
        if ann is not None and ann.redirect_url:
            url, why = ann.redirect_url, (*trace, (ann.key, ann.redirect_key))
            if url.startswith("/") and ann.relative_redirects:
                why += ((ann.key, "relative-redirects"),)  # `absolute_redirect off`: sent as written
            elif url.startswith("/"):
                # `return 301 /p` with absolute_redirect on (the default): nginx prefixes the scheme and
                # the Host header (server_name_in_redirect and port_in_redirect are off).
                url = "$scheme://$host" + url
            plan.redirect = (ann.redirect_code, url, why)
            plan.early = True
            return plan
        if ann is not None and (ann.force_ssl_redirect or ann.ssl_redirect):
            # Whether it applies depends on the request's Host (`_Plan.forced`, `_HostRoute.certified`).
            plan.forced = ann.force_ssl_redirect
            feature = (ann.key, "force-ssl-redirect" if ann.force_ssl_redirect else "ssl-redirect")
            plan.https = (
                ":443" if ann.use_port_in_redirects else "",
                not ann.preserve_trailing_slash,
                (*trace, feature),
                (*trace, feature, (ann.key, "preserve-trailing-slash")),
            )
        extra: Trace = ()
        if loc.rewrites and ann is not None:
            # Even on a default-backend location: an absolute target still redirects.
            extra += ((ann.key, "rewrite-target"),)
            try:
                plan.rewrite = (compile_pcre(loc.path, ignore_case=True), ann.rewrite_target)
            except RegexError as exc:
                plan.fixed = Outcome("unknown", note=f"rewrite regex: {exc}", trace=trace)
                return plan
            plan.early = ann.rewrite_target.startswith(("http://", "https://", "$scheme"))
            if ann.x_forwarded_prefix and "x-forwarded-prefix" in COMPARED_HEADERS:
                plan.headers = (("x-forwarded-prefix", ann.x_forwarded_prefix),)
                extra += ((ann.key, "x-forwarded-prefix"),)
        if loc.upstream is None:
            plan.proxy_trace = trace + extra
            plan.fixed = Outcome("status", status=404, note="default backend", trace=trace)
            return plan
        if ann and ann.upstream_vhost:
            plan.vhost = ann.upstream_vhost
            extra += ((ann.key, "upstream-vhost"),)
        plan.proxy_trace = trace + extra
        plan.plain = plan.rewrite is None and plan.vhost is None
        if loc.upstream not in self.alternatives:
            dest = self._dest(loc.upstream)
            if isinstance(dest, Outcome):
                plan.fixed = Outcome(dest.kind, status=dest.status, note=dest.note, trace=trace)
            else:
                plan.dests = alone(dest.identity, dest.label)  # `dest` carries weight 1
                if plan.plain:
                    plan.direct = plan.dests
        return plan

    def _location_outcome(
        self, server: Server, loc: Location, plan: _Plan, probe: Probe, prefix: Trace, certified: bool
    ) -> Outcome:
        if plan.early:
            answer = self._early_answer(plan, probe, prefix)
            if answer is not None:
                return answer
        if plan.https is not None and probe.scheme == "http" and (certified or plan.forced):
            port, strip, plain, stripped = plan.https
            uri = probe.path
            if strip and uri.endswith("/"):
                uri, trace = uri[:-1], prefix + stripped
            else:
                trace = prefix + plain
            location = f"https://{probe.host}{port}{uri}"
            if uri[:1] == "/":  # the URL has its path: `request.redirect` would leave it as it is
                return Outcome(
                    "redirect", (), None, None, (), self.settings.http_redirect_code, location, "", trace
                )
            return redirect(self.settings.http_redirect_code, location, trace)
        if plan.fixed is not None:
            return plan.fixed if not prefix else _with_trace(plan.fixed, prefix + plan.fixed.trace)
        trace = prefix + plan.proxy_trace
        dests = plan.dests
        if dests is None:
            assert loc.upstream is not None
            chosen, dynamic = self._canary_choice(loc.upstream, probe)
            if isinstance(chosen, Outcome):
                return chosen
            dests = chosen
            trace += dynamic
        if plan.plain:
            # By position, as in request.redirect: most probes end here.
            return Outcome("proxy", dests, probe.path, probe.host, (), None, None, "", trace)
        path = probe.path
        if plan.rewrite is not None:
            pattern, target = plan.rewrite
            match = pattern.search(path)
            if match:
                path = _expand_nginx_vars(nginx_substitute(target, match), probe)
        host = _expand_nginx_vars(plan.vhost, probe) if plan.vhost else probe.host
        return Outcome("proxy", dests, path, host, plan.headers, None, None, "", trace)

    @staticmethod
    def _early_answer(plan: _Plan, probe: Probe, prefix: Trace) -> Outcome | None:
        """A `return` (permanent / temporal redirect), or a rewrite to an absolute URL."""
        if plan.redirect is not None:
            code, url, extra = plan.redirect
            if code not in REDIRECT_CODES:
                # `return 300 URL`: nginx sends the URL as the body, with no Location header.
                return Outcome("status", status=code, note="response body is the URL", trace=prefix + extra)
            return redirect(code, _expand_nginx_vars(url, probe), prefix + extra)
        assert plan.rewrite is not None
        # A `rewrite` to an absolute URL answers with a 302, in the rewrite phase: before the
        # HTTPS redirect, which runs at the end of that phase (rewrite_by_lua).
        pattern, target = plan.rewrite
        match = pattern.search(probe.path)
        if match:
            location = _expand_nginx_vars(nginx_substitute(target, match), probe)
            return redirect(302, location, prefix + plan.proxy_trace)
        return None

    def _dest(self, upstream: Upstream) -> Dest | Outcome:
        cached = self._dests.get(upstream)
        if cached is None:
            cached = self._resolve(upstream)
            if upstream in self.sticky and isinstance(cached, Dest):
                cached = sticky_dest(cached)
            self._dests[upstream] = cached
        return cached

    def _resolve(self, upstream: Upstream) -> Dest | Outcome:
        namespace, service, port = upstream
        if isinstance(port, str):
            number = self.services.port_by_name(namespace, service, port)
            if number is None:
                known = self.services.get(namespace, service) is not None
                return Outcome(
                    "status" if known else "unknown",
                    status=503 if known else None,
                    note=f"port {port!r} of Service {namespace}/{service} not found",
                )
            # The Service lists that number: the same backend as an upstream naming it, shared.
            return self._dest((namespace, service, number))
        if self.services.get(namespace, service) is not None and not self.services.has_port(
            namespace, service, port
        ):
            return Outcome("status", status=503, note=f"Service {namespace}/{service} has no port {port}")
        ident = self.services.identity(namespace, service, port)
        return Dest(ident, 1, service_label(namespace, service, port))

    def _canary_choice(self, primary: Upstream, probe: Probe) -> tuple[tuple[Dest, ...] | Outcome, Trace]:
        """`_choose` and what it adds to the trace. The choice reads nothing of the request but its
        headers: worked out once per upstream and header set."""
        key = (primary, probe.headers)
        found = self._choices.get(key)
        if found is None:
            dynamic: list[tuple[str, str]] = []
            chosen = self._choose(primary, probe, dynamic)
            found = self._choices[key] = (chosen, tuple(dynamic))
        return found

    def _choose(
        self, primary: Upstream, probe: Probe, trace: list[tuple[str, str]]
    ) -> tuple[Dest, ...] | Outcome:
        """balancer.lua route_to_alternative_balancer: header, then cookie, then weight."""
        main = self._dest(primary)
        if isinstance(main, Outcome):
            return main
        policies = self.alternatives.get(primary)
        if not policies:
            return (main,)
        policy = policies[0]  # "TODO: support traffic shaping for n > 1 alternative backends"
        canary = self._dest(policy.upstream)
        ann = policy.ann
        if ann is None or policy.upstream in self.deleted or isinstance(canary, Outcome):
            return (main,)
        trace.append((ann.key, "canary"))
        if ann.canary_header:
            # nginx reads $http_<name>: dashes and underscores are the same, case does not matter.
            value = probe.header(ann.canary_header.lower().replace("_", "-"))
            if value is not None:
                trace.append((ann.key, "canary-by-header"))
                if ann.canary_header_value:
                    trace.append((ann.key, "canary-by-header-value"))
                    if value == ann.canary_header_value:
                        return (canary,)
                elif ann.canary_header_pattern:
                    trace.append((ann.key, "canary-by-header-pattern"))
                    try:
                        if compile_pcre(ann.canary_header_pattern).search(value):
                            return (canary,)
                    except RegexError:
                        return (main,)
                elif value == "always":
                    return (canary,)
                elif value == "never":
                    return (main,)
        if ann.canary_cookie:
            cookie = _cookie(probe.header("cookie"), ann.canary_cookie)
            if cookie is not None:
                trace.append((ann.key, "canary-by-cookie"))
                if cookie == "always":
                    return (canary,)
                if cookie == "never":
                    return (main,)
        total = ann.canary_weight_total if ann.canary_weight_total > 100 else 100
        weight = min(max(ann.canary_weight, 0), total)
        if ann.canary_weight:
            trace.append((ann.key, "canary-weight"))
        if ann.canary_weight_total != 100:
            trace.append((ann.key, "canary-weight-total"))
        return normalise_dests(
            [Dest(main.identity, total - weight, main.label), Dest(canary.identity, weight, canary.label)]
        )


def _shapes_locations(ann: Annotations) -> bool:
    """Whether the annotations change how `_finalise` treats their locations."""
    return bool(ann.use_regex or ann.rewrite_target or ann.app_root)


def _with_trace(outcome: Outcome, trace: Trace) -> Outcome:
    """`dataclasses.replace(outcome, trace=trace)`, at a tenth of the cost."""
    o = outcome
    return Outcome(o.kind, o.dests, o.path, o.host, o.headers, o.status, o.location, o.note, trace)


def _without_redirect_and_rewrite(ann: Annotations) -> Annotations:
    return replace(
        ann,
        redirect_url="",
        redirect_code=0,
        redirect_key="",
        rewrite_target="",
        use_regex=False,
        app_root="",
    )


def _tls_secret_for(host: str, entries: list[Mapping[str, Any]]) -> str | None:
    """controller.extractTLSSecretName: the secret of the entry listing the host, else an entry whose
    certificate may cover it (a wildcard or an empty host list). "" means listed without a secret."""
    for entry in entries:
        if any(str(h).lower() == host for h in entry.get("hosts") or []):
            return str(entry.get("secretName") or "")
    for entry in entries:
        secret = str(entry.get("secretName") or "")
        if not secret:
            continue
        hosts = [str(h).lower() for h in entry.get("hosts") or []]
        if not hosts or any(_wildcard_covers(h, host) for h in hosts):
            return secret
    return None


def _wildcard_covers(pattern: str, host: str) -> bool:
    """A certificate name `*.example.com` covers exactly one extra label."""
    if not pattern.startswith("*."):
        return False
    head, _, rest = host.partition(".")
    return bool(head) and rest == pattern[2:]


def _cookie(header: str | None, name: str) -> str | None:
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == name.lower():
            return value
    return None


_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def _expand_nginx_vars(url: str, probe: Probe) -> str:
    if "$" not in url:
        return url  # most redirect URLs and rewritten paths: nothing to expand
    values = {
        "request_uri": probe.path,
        "uri": probe.path,
        "host": probe.host,
        "http_host": probe.host,
        "best_http_host": probe.host,
        "scheme": probe.scheme,
        "args": "",
        "is_args": "",
        "query_string": "",
    }
    return _VAR.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), url)
