"""Read what is live in a cluster into a `ResourceSet`: one paginated list call per kind, raw JSON.

The number of requests depends on the kinds and namespaces read and on pagination, never on how many
objects there are. Reads the conversion cannot do without (the namespace, Ingresses, Services and
workloads) fail the run; reads that only refine it (IngressClasses, ConfigMaps, cert-manager objects) become a
warning finding when RBAC denies them, so a namespace-scoped user can still review their namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kubectl_meshify.cluster.kubeapi import NO_IMPERSONATION, Forbidden, Identity, KubeApi, Resource, Target
from kubectl_meshify.cluster.kubeconfig import (
    SERVICE_ACCOUNT_DIR,
    client_configuration,
    parse_request_timeout,
    resolve_kubeconfig,
)
from kubectl_meshify.errors import UsageError
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.resources import KubeObject, Origin, ResourceSet

NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
SERVICES = Resource("", "v1", "services", "Service")
CONFIG_MAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")
PODS = Resource("", "v1", "pods", "Pod")
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
STATEFULSETS = Resource("apps", "v1", "statefulsets", "StatefulSet")
INGRESSES = Resource("networking.k8s.io", "v1", "ingresses", "Ingress")
INGRESS_CLASSES = Resource("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced=False)
CERTIFICATES = Resource("cert-manager.io", "v1", "certificates", "Certificate")
ISSUERS = Resource("cert-manager.io", "v1", "issuers", "Issuer")
CLUSTER_ISSUERS = Resource("cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", namespaced=False)

CUSTOM_HEADERS = "nginx.ingress.kubernetes.io/custom-headers"
CLUSTER_ORIGIN = Origin(path=None)


@dataclass(frozen=True)
class Scope:
    """One namespace, or every namespace (`namespace=None`); `selector` narrows the Ingresses only."""

    namespace: str | None = None
    selector: str | None = (
        None  # -l: a label selector for Ingresses; their Services and workloads are all read
    )

    def __str__(self) -> str:
        return f'namespace "{self.namespace}"' if self.namespace else "all namespaces"


@dataclass
class Discovery:
    """Served API groups and versions, from one `/apis` request."""

    groups: dict[str, list[str]] = field(default_factory=dict)  # group → served versions, preferred first

    def serves(self, group: str, version: str) -> bool:
        return version in self.groups.get(group, [])


def connect(
    kubeconfig: str | None = None,
    context: str | None = None,
    request_timeout: str | None = None,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    identity: Identity = NO_IMPERSONATION,
    log: TextIO | None = None,
) -> KubeApi:
    """A connection to the cluster kubectl would talk to with the same flags and environment."""
    timeout = parse_request_timeout(request_timeout)
    choice = resolve_kubeconfig(kubeconfig, context, environ, service_account_dir)
    # Like kubectl, --as/--as-group override the kubeconfig user's `as`/`as-groups`, each on its own.
    identity = Identity(identity.user or choice.as_user, identity.groups or choice.as_groups)
    if identity.groups and not identity.user:
        raise UsageError(
            "--as-group needs --as (or `as` in the kubeconfig user): kubectl impersonates groups only with a user"
        )
    configuration = client_configuration(choice, environ)
    api = KubeApi(configuration, timeout, where=choice.describe(), identity=identity, log=log)
    api.context_namespace = choice.namespace
    api.context_name = None if choice.in_cluster else choice.context
    return api


def discover(api: KubeApi) -> Discovery:
    groups = api.get("/apis", Target("get the list of API groups"))
    out: dict[str, list[str]] = {}
    for group in groups.get("groups") or []:
        versions = [v["version"] for v in group.get("versions") or [] if v.get("version")]
        preferred = (group.get("preferredVersion") or {}).get("version")
        if preferred in versions:
            versions.remove(preferred)
            versions.insert(0, preferred)
        out[str(group.get("name"))] = versions
    return Discovery(out)


def _add_all(resources: ResourceSet, items: Iterable[dict[str, Any]]) -> int:
    count = 0
    for item in items:
        resources.add(KubeObject(item, CLUSTER_ORIGIN))
        count += 1
    return count


def forbidden_finding(err: Forbidden, consequence: str) -> Finding:
    return Finding(
        code="PREFLIGHT_FORBIDDEN",
        severity=Severity.WARNING,
        verdict=Verdict.UNKNOWN,
        message=f"{err} {consequence}",
        action="grant the permission (docs/rbac.md) and run again for a complete review",
    )


def read_cluster(
    api: KubeApi, scope: Scope, discovery: Discovery, progress: Callable[[str], None] | None = None
) -> tuple[ResourceSet, list[Finding]]:
    """The Ingresses of the scope and everything their translation looks up, as a ResourceSet.

    `progress` is told what is being read (the CLI shows it on a terminal).
    """
    say = progress or (lambda _: None)
    resources = ResourceSet()
    findings: list[Finding] = []
    ns = scope.namespace
    if ns is not None:
        namespace = api.get(NAMESPACES.path(name=ns), Target("get", NAMESPACES, ns, ns))
        _add_all(resources, [{"apiVersion": "v1", "kind": "Namespace", **namespace}])
    else:
        _add_all(resources, api.list(NAMESPACES))
    for kind in (INGRESSES, SERVICES, DEPLOYMENTS, STATEFULSETS):
        say(f"reading {kind.plural} ({scope})")
        _add_all(resources, api.list(kind, ns, label_selector=scope.selector if kind is INGRESSES else None))

    try:
        _add_all(resources, api.list(INGRESS_CLASSES))
    except Forbidden as err:
        findings.append(
            forbidden_finding(
                err,
                "Ingress classes are resolved by name only: only classes nginx and istio are converted,"
                " unless --ingress-class names others.",
            )
        )

    referenced = _custom_header_maps(resources)
    if referenced:
        namespaces = [None] if ns is None else sorted({n for n, _ in referenced})
        try:
            for where in namespaces:
                for item in api.list(CONFIG_MAPS, where):
                    meta = item.get("metadata") or {}
                    if (meta.get("namespace"), meta.get("name")) in referenced:
                        resources.add(KubeObject(item, CLUSTER_ORIGIN))
        except Forbidden as err:
            findings.append(forbidden_finding(err, f"The {CUSTOM_HEADERS} ConfigMaps cannot be read."))

    if discovery.serves(CERTIFICATES.group, CERTIFICATES.version):
        # Certificates and their issuers: TLS secrets are issued again where the gateway reads them.
        for kind, where in ((CERTIFICATES, ns), (ISSUERS, ns), (CLUSTER_ISSUERS, None)):
            try:
                _add_all(resources, api.list(kind, where))
            except Forbidden as err:
                findings.append(
                    forbidden_finding(err, f"cert-manager {kind.kind}s are not taken into account.")
                )
    return resources, findings


def _custom_header_maps(resources: ResourceSet) -> set[tuple[str, str]]:
    """(namespace, name) of every ConfigMap a custom-headers annotation names (`ns/name` or `name`)."""
    out = set()
    for ingress in resources.ingresses:
        value = ingress.annotations.get(CUSTOM_HEADERS, "").strip()
        if value:
            namespace, _, name = value.rpartition("/")
            out.add((namespace or ingress.namespace, name))
    return out
