"""The intermediate model between Ingress semantics and Istio manifests.

Routes are kept in final first-match order per host. Every element says where it came from
(`RouteOrigin`), so findings, comments and the report can point back at the Ingress, rule and path.
Fields that annotation families set on an HTTPRoute (rewrite, headers, timeout, ...) live in
`Route.http`, already in Istio's field names: the families own them, the emitter copies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kubectl_meshify.findings import Finding
from kubectl_meshify.resources import KubeObject


class Semantics(StrEnum):
    """Which controller served an Ingress, and so what its fields meant."""

    NGINX = "ingress-nginx"
    ISTIO = "istio"


class Status(StrEnum):
    CONVERTED = "converted"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RouteOrigin:
    """The Ingress (`ns/name`), rule index and path index a route was made from.

    `rule`/`path` are None for a route made from `spec.defaultBackend`.
    """

    ingress: str
    rule: int | None = None
    path: int | None = None


@dataclass
class Destination:
    """A backend Service port; `port` is None when a named port could not be resolved."""

    service: str
    namespace: str
    port: int | None
    weight: int | None = None
    subset: str | None = None


@dataclass
class Match:
    """One HTTPMatchRequest (the clauses of a route are ORed)."""

    uri: tuple[str, str] | None = None  # ("exact" | "prefix" | "regex", value); None matches any path
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)
    port: int | None = None
    authority: tuple[str, str] | None = None  # (kind, value) on the Host header; see gateways.py


@dataclass
class Route:
    """One HTTPRoute of a host, in final order."""

    name: str
    origin: RouteOrigin
    matches: list[Match]
    destinations: list[Destination] = field(default_factory=list)
    redirect: dict[str, Any] | None = None
    direct_response: dict[str, Any] | None = None
    http: dict[str, Any] = field(default_factory=dict)  # further HTTPRoute fields, Istio names
    # Ingress path as written, for reports and for families that need it (rewrite, canary).
    path: str | None = None
    path_type: str | None = None
    # Sort key inputs: longer location first, then rank (0 exact, 1 prefix/regex, 2 catch-all).
    sort_length: int = 0
    sort_rank: int = 1


@dataclass
class VirtualHost:
    """All routes of one host, merged across Ingresses: becomes one VirtualService."""

    host: str
    namespace: str
    semantics: Semantics
    ingresses: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    tls_routes: list[dict[str, Any]] = field(default_factory=list)  # VirtualService `tls` (passthrough)
    aliases: list[str] = field(default_factory=list)
    tls_secret: str | None = None  # the Ingress TLS secret of the host, if any
    tls_secret_namespace: str | None = None
    # ssl-passthrough host listed in spec.tls: nginx held a certificate, so it redirected plain HTTP to HTTPS.
    passthrough_secret: str | None = None
    credential: str | None = None  # its `credentialName` in the gateway namespace (tls/credentials.py)
    # ingress-nginx served the controller's default certificate here (tls_secret names it when known).
    default_certificate: bool = False
    passthrough: bool = False
    gateways: list[str] = field(default_factory=list)  # `ns/name`, filled by gateway assignment
    # The VirtualService's `hosts` when they cannot be the host and its aliases (single-label names).
    virtual_service_hosts: list[str] | None = None
    regex_mode: bool = False


@dataclass
class Server:
    port: int
    protocol: str
    name: str
    hosts: list[str]
    tls: dict[str, Any] | None = None


@dataclass
class GatewayPlan:
    namespace: str
    name: str
    selector: dict[str, str]
    servers: list[Server] = field(default_factory=list)
    ingresses: list[str] = field(default_factory=list)


@dataclass
class DestinationPolicy:
    """A DestinationRule: subsets and/or a traffic policy for one Service host."""

    namespace: str
    name: str
    host: str
    subsets: list[dict[str, Any]] = field(default_factory=list)
    traffic_policy: dict[str, Any] = field(default_factory=dict)
    workload_selector: dict[str, str] | None = None
    ingresses: list[str] = field(default_factory=list)


SelectorKey = tuple[tuple[str, str], ...] | None


class PolicyIndex:
    """Lookups over `MeshModel.policies` by scope, host and name, so each is not a scan of every rule.

    The list only grows (rules are appended and never removed or renamed), so the index catches up with
    whatever was appended since the last lookup; each key keeps the first rule, as a scan would find it.
    """

    def __init__(self) -> None:
        self._seen = 0
        self._by_scope: dict[tuple[str, str, SelectorKey], DestinationPolicy] = {}
        self._service_level: dict[str, DestinationPolicy] = {}
        self._names: set[tuple[str, str]] = set()

    @staticmethod
    def selector_key(selector: dict[str, str] | None) -> SelectorKey:
        return None if selector is None else tuple(sorted(selector.items()))

    def _catch_up(self, policies: list[DestinationPolicy]) -> None:
        for policy in policies[self._seen :]:
            scope = (policy.host, policy.namespace, self.selector_key(policy.workload_selector))
            self._by_scope.setdefault(scope, policy)
            if policy.workload_selector is None:
                self._service_level.setdefault(policy.host, policy)
            self._names.add((policy.namespace, policy.name))
        self._seen = len(policies)

    def scoped(
        self, policies: list[DestinationPolicy], host: str, namespace: str, selector: dict[str, str] | None
    ) -> DestinationPolicy | None:
        """The first rule for `host` in `namespace` with exactly this workload selector."""
        self._catch_up(policies)
        return self._by_scope.get((host, namespace, self.selector_key(selector)))

    def service_level(self, policies: list[DestinationPolicy], host: str) -> DestinationPolicy | None:
        """The first rule for `host` without a workload selector (it applies to every client)."""
        self._catch_up(policies)
        return self._service_level.get(host)

    def has_name(self, policies: list[DestinationPolicy], namespace: str, name: str) -> bool:
        self._catch_up(policies)
        return (namespace, name) in self._names


@dataclass
class Credential:
    """One TLS secret as the ingress gateway reads it: `name` in the gateway namespace.

    `provider` says how it gets there: "cert-manager" (a Certificate is emitted), "copy" (the report gives
    the command that copies the secret) or "in-place" (the secret already lives in the gateway namespace).
    """

    name: str
    namespace: str
    source_namespace: str
    source_secret: str
    provider: str = "copy"
    hosts: list[str] = field(default_factory=list)  # hosts served with it, sorted
    ingresses: list[str] = field(default_factory=list)  # Ingresses whose spec.tls names the secret
    issuer: str | None = None  # cert-manager issuer, `Kind/name`, when known
    command: str | None = None  # the copy command ("copy" only)
    # Whether the credential / the source secret exist (cluster preflight, metadata only); None: not known.
    present: bool | None = None
    source_present: bool | None = None


@dataclass(frozen=True)
class AppProtocolPatch:
    """A Service port that must declare `appProtocol` for the gateway to speak the right protocol to it."""

    namespace: str
    service: str
    port_index: int  # index in spec.ports (the JSON patch path)
    app_protocol: str


@dataclass
class ExtraObject:
    """A finished manifest an annotation family produced (AuthorizationPolicy, Certificate, ...)."""

    manifest: dict[str, Any]
    ingresses: list[str] = field(default_factory=list)


@dataclass
class IngressSettings:
    """Per-Ingress behaviour switches that core translation reads; annotation families set them.

    `extra` holds family-private state (e.g. the canary family's parsed rules).
    """

    regex: bool = False  # use-regex / rewrite-target: host-wide regex mode
    ssl_redirect: bool = True  # nginx default: redirect HTTP to HTTPS when the host has TLS
    force_ssl_redirect: bool = False  # redirect even without TLS on the host
    redirect_code: int = 308  # nginx http-redirect-code default
    canary: bool = False  # a canary Ingress is merged by the canary family, not routed by itself
    passthrough: bool = False  # ssl-passthrough: TLS by SNI, paths are meaningless
    aliases: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngressRecord:
    """One input Ingress and everything the run says about it."""

    obj: KubeObject
    semantics: Semantics
    status: Status = Status.CONVERTED
    settings: IngressSettings = field(default_factory=IngressSettings)
    findings: list[Finding] = field(default_factory=list)
    resources: list[tuple[str, str, str, str]] = field(default_factory=list)  # apiVersion, kind, ns, name
    order: tuple[str, ...] = ()  # nginx/istio processing order key

    @property
    def key(self) -> str:
        return self.obj.key


@dataclass
class MeshModel:
    """The whole translation result before emission."""

    hosts: dict[str, VirtualHost] = field(default_factory=dict)
    gateways: list[GatewayPlan] = field(default_factory=list)
    policies: list[DestinationPolicy] = field(default_factory=list)
    extras: list[ExtraObject] = field(default_factory=list)
    records: dict[str, IngressRecord] = field(default_factory=dict)
    run_findings: list[Finding] = field(default_factory=list)
    credentials: dict[str, Credential] = field(default_factory=dict)  # by credential name
    # Service ports to patch before the cut-over → the Ingresses that need each (the report's batch script).
    app_protocol_patches: dict[AppProtocolPatch, list[str]] = field(default_factory=dict)
    # Ingress key → hosts it contributes to, so per-Ingress lookups do not scan every host.
    ingress_hosts: dict[str, list[str]] = field(default_factory=dict)
    policy_index: PolicyIndex = field(default_factory=PolicyIndex, repr=False, compare=False)
    # Indexes an annotation family derives from the records once per run, by the family's own key.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def release_routing(self) -> None:
        """Drop what only translation and emission read (the hosts and their routes, the Gateway plans,
        policies, extra objects and the indexes): the records, credentials and patches stay for the
        reports, and the behaviour check and the writers get the memory."""
        self.hosts, self.gateways, self.policies, self.extras = {}, [], [], []
        self.ingress_hosts, self.derived = {}, {}
        self.policy_index = PolicyIndex()

    def hosts_of(self, ingress: str) -> list[VirtualHost]:
        return [self.hosts[h] for h in self.ingress_hosts.get(ingress, []) if h in self.hosts]

    def link(self, ingress: str, vhost: VirtualHost) -> None:
        """Record that `ingress` contributes to `vhost` (both directions)."""
        if ingress not in vhost.ingresses:
            vhost.ingresses.append(ingress)
        hosts = self.ingress_hosts.setdefault(ingress, [])
        if vhost.host not in hosts:
            hosts.append(vhost.host)
