"""Cluster preflight: what Istio needs in place for the converted configuration to work, as findings.

Checks, each a finding code (and a section of the report):
- PREFLIGHT_ISTIO / PREFLIGHT_NO_ISTIO / PREFLIGHT_API_VERSION_NOT_SERVED: Istio CRDs and the
  networking.istio.io versions they serve (the newest served one is emitted unless --api-version).
- PREFLIGHT_GATEWAY / PREFLIGHT_GATEWAY_MISSING: the ingress gateway workload (`istio: ingressgateway`
  from istioctl, `istio: ingress` from the Helm gateway chart), its namespace and selector.
- PREFLIGHT_TLS_CREDENTIAL_MISSING (after conversion): a credential not in the gateway namespace yet.
- facts["tls_secrets"]: the secrets of the gateway namespace and of the namespaces of TLS Ingresses, from
  metadata-only requests (secret data is never fetched); tls/credentials.py reports per credential.
- PREFLIGHT_INJECTION: sidecar injection / ambient labels of each namespace with Ingresses.
- PREFLIGHT_PEER_AUTH_STRICT: STRICT mTLS that the old controller's pods (outside the mesh) cannot pass.
- PREFLIGHT_VIRTUALSERVICE_CONFLICT / PREFLIGHT_GATEWAY_CONFLICT: existing Istio objects claiming the same
  host on the same gateway, or the same host and port on the same gateway workload; Istio would merge
  them in an undefined order.
- PREFLIGHT_FORBIDDEN: a check RBAC did not allow; the rest of the review goes on.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.cluster.kubeapi import Forbidden, KubeApi, Resource, Target
from kubectl_meshify.cluster.source import (
    CLUSTER_ORIGIN,
    DEPLOYMENTS,
    PODS,
    SECRETS,
    Discovery,
    Scope,
    forbidden_finding,
)
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import Credential
from kubectl_meshify.resources import KubeObject, ResourceSet

NETWORKING = "networking.istio.io"
SECURITY = "security.istio.io"
ISTIO_VERSIONS = ("v1", "v1beta1", "v1alpha3")  # newest first
SECURITY_VERSIONS = ("v1", "v1beta1")
GATEWAY_LABEL = "istio"
GATEWAY_LABEL_VALUES = ("ingressgateway", "ingress")  # istioctl, Helm gateway chart
DEFAULT_GATEWAY_NAMESPACE = "istio-system"
ROOT_NAMESPACE = "istio-system"  # Istio's default meshConfig.rootNamespace: mesh-wide policies live here
MANAGED_BY = ("app.kubernetes.io/managed-by", "kubectl-meshify")


@dataclass
class Overrides:
    """What the user set on the command line; preflight discovers only what is left unset."""

    api_version: str | None = None
    gateway_namespace: str | None = None
    gateway_selector: dict[str, str] | None = None


@dataclass
class Preflight:
    facts: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        action: str | None = None,
        ingress: str | None = None,
    ) -> None:
        # A fact about the cluster, not about one key: an info is no difference, a warning or error is
        # something the tool cannot resolve from here.
        verdict = Verdict.EXACT if severity is Severity.INFO else Verdict.UNKNOWN
        self.findings.append(Finding(code, severity, verdict, message, action, None, ingress))


def run_preflight(
    api: KubeApi,
    scope: Scope,
    discovery: Discovery,
    resources: ResourceSet,
    overrides: Overrides,
    progress: Callable[[str], None] | None = None,
) -> Preflight:
    """Every preflight check; the facts are also stored in `resources.cluster_facts`."""
    if progress is not None:
        progress("preflight checks")
    result = Preflight()
    _istio_versions(api, discovery, overrides, result)
    _gateway_workload(api, overrides, result)
    _tls_secrets(api, scope, resources, result)
    _injection(resources, result)
    _peer_authentication(api, scope, discovery, resources, result)
    _existing_istio_objects(api, scope, result)
    resources.cluster_facts.update(result.facts)
    return result


# --- Istio APIs ------------------------------------------------------------------------------------


def _istio_versions(api: KubeApi, discovery: Discovery, overrides: Overrides, result: Preflight) -> None:
    served = [v for v in discovery.groups.get(NETWORKING, []) if v in ISTIO_VERSIONS]
    served.sort(key=ISTIO_VERSIONS.index)
    security = [v for v in SECURITY_VERSIONS if discovery.serves(SECURITY, v)]
    result.facts.update(
        istio_installed=bool(served),
        networking_versions=served,
        security_versions=security,
        security_api_version=security[0] if security else None,
    )
    if not served:
        result.facts["api_version"] = overrides.api_version
        result.add(
            "PREFLIGHT_NO_ISTIO",
            Severity.WARNING,
            "Istio is not installed in this cluster: it serves no networking.istio.io API. "
            "The conversion is printed, but it cannot be applied until Istio is installed.",
            "install Istio (istioctl install, or the istio/base and istiod Helm charts) before --apply",
        )
        return
    if overrides.api_version:
        chosen = overrides.api_version
        if chosen not in served:
            result.add(
                "PREFLIGHT_API_VERSION_NOT_SERVED",
                Severity.ERROR,
                f"--api-version {chosen}: this cluster's Istio CRDs do not serve {NETWORKING}/{chosen} "
                f"(served: {', '.join(served)}); applying the output would fail",
                f"use --api-version {served[0]}, or leave it out to use the newest served version",
            )
    else:
        chosen = served[0]
        for version in served:  # a version may be served for some kinds only
            listing = api.get(
                f"/apis/{NETWORKING}/{version}", Target(f"get the resources of {NETWORKING}/{version}")
            )
            names = {r.get("name") for r in listing.get("resources") or []}
            if {"gateways", "virtualservices", "destinationrules"} <= names:
                chosen = version
                break
    result.facts["api_version"] = chosen
    result.add(
        "PREFLIGHT_ISTIO",
        Severity.INFO,
        f"Istio CRDs are installed: {NETWORKING} serves {', '.join(served)}; emitting {NETWORKING}/{chosen}",
    )


# --- the ingress gateway workload ------------------------------------------------------------------


def _gateway_workload(api: KubeApi, overrides: Overrides, result: Preflight) -> None:
    selector = f"{GATEWAY_LABEL} in ({','.join(GATEWAY_LABEL_VALUES)})"
    candidates: list[tuple[str, str, str, str]] = []  # (namespace, kind, name, istio label value)
    try:
        for item in api.list(DEPLOYMENTS, None, label_selector=selector):
            obj = KubeObject(item, CLUSTER_ORIGIN)
            # The Gateway selector matches pod labels: prefer the pod template's.
            value = obj.pod_template_labels.get(GATEWAY_LABEL) or obj.labels.get(GATEWAY_LABEL)
            if value:
                candidates.append((obj.namespace, "Deployment", obj.name, str(value)))
        if not candidates:
            seen = set()
            for item in api.list(PODS, None, label_selector=selector):
                meta = item.get("metadata") or {}
                value = (meta.get("labels") or {}).get(GATEWAY_LABEL)
                if value and (meta.get("namespace"), value) not in seen:
                    seen.add((meta.get("namespace"), value))
                    candidates.append((str(meta.get("namespace")), "Pod", str(meta.get("name")), str(value)))
    except Forbidden as err:
        result.findings.append(
            forbidden_finding(
                err,
                "The ingress gateway workload could not be looked up; "
                "pass --gateway-namespace and --gateway-selector "
                "if it is not istio-system / istio=ingressgateway.",
            )
        )
    wanted_ns = overrides.gateway_namespace
    wanted_sel = overrides.gateway_selector
    candidates.sort(
        key=lambda c: (
            wanted_ns is not None and c[0] != wanted_ns,
            wanted_sel is not None and {GATEWAY_LABEL: c[3]} != wanted_sel,
            c[3] != "ingressgateway",
            c[0] != DEFAULT_GATEWAY_NAMESPACE,
            c,
        )
    )
    found = candidates[0] if candidates else None
    namespace = wanted_ns or (found[0] if found else DEFAULT_GATEWAY_NAMESPACE)
    gw_selector = wanted_sel or ({GATEWAY_LABEL: found[3]} if found else {GATEWAY_LABEL: "ingressgateway"})
    result.facts.update(
        gateway_namespace=namespace,
        gateway_selector=gw_selector,
        gateway_workload=f"{found[1]} {found[0]}/{found[2]}" if found else None,
    )
    sel_text = ",".join(f"{k}={v}" for k, v in sorted(gw_selector.items()))
    if found:
        others = [f"{c[0]}/{c[2]} ({GATEWAY_LABEL}={c[3]})" for c in candidates[1:]]
        also = f"; other gateway workloads: {', '.join(others)}" if others else ""
        result.add(
            "PREFLIGHT_GATEWAY",
            Severity.INFO,
            f"ingress gateway workload: {found[1]} {found[0]}/{found[2]} ({GATEWAY_LABEL}={found[3]}); "
            f"Gateways select {sel_text} and TLS secrets must be in namespace {namespace}{also}",
            "pass --gateway-namespace and --gateway-selector to use another one" if others else None,
        )
        if (wanted_ns and found[0] != wanted_ns) or (wanted_sel and {GATEWAY_LABEL: found[3]} != wanted_sel):
            result.add(
                "PREFLIGHT_GATEWAY_MISSING",
                Severity.WARNING,
                f"no ingress gateway workload matches the given gateway ({sel_text} in {namespace})",
                "check --gateway-namespace and --gateway-selector",
            )
    elif not any(f.code == "PREFLIGHT_FORBIDDEN" for f in result.findings):
        result.add(
            "PREFLIGHT_GATEWAY_MISSING",
            Severity.WARNING,
            "no ingress gateway workload found (no Deployment or Pod labelled "
            f"{GATEWAY_LABEL}=ingressgateway or {GATEWAY_LABEL}=ingress); "
            f"the Gateways select {sel_text} in namespace {namespace}",
            "install an ingress gateway (istioctl install, or helm install istio-ingress istio/gateway "
            "-n istio-ingress) before applying, or pass --gateway-namespace and --gateway-selector",
        )


# --- TLS secrets -----------------------------------------------------------------------------------


def _tls_secrets(api: KubeApi, scope: Scope, resources: ResourceSet, result: Preflight) -> None:
    """Which secrets exist in the gateway namespace and next to TLS Ingresses (`facts["tls_secrets"]`).

    Metadata-only lists, as many requests as namespaces (and pages), never one per secret: no response
    carries secret data. The TLS planning (tls/credentials.py) says per credential what is there.
    """
    sources = sorted({i.namespace for i in resources.ingresses if i.spec.get("tls")})
    if not sources:
        return
    gateway_ns = str(result.facts["gateway_namespace"])
    wanted = {gateway_ns, *sources}
    namespaces: list[str | None] = [None]
    if scope.namespace is not None:
        namespaces = [*sorted(wanted)]
    existing: dict[str, list[str]] = {namespace: [] for namespace in sorted(wanted)}
    try:
        for namespace in namespaces:
            for item in api.list(SECRETS, namespace, metadata_only=True):
                meta = item.get("metadata") or {}
                if meta.get("namespace") in existing:
                    existing[str(meta["namespace"])].append(str(meta.get("name")))
    except Forbidden as err:
        result.findings.append(forbidden_finding(err, "Which TLS secrets exist was not checked."))
        return
    result.facts["tls_secrets"] = {namespace: sorted(names) for namespace, names in existing.items()}


# --- namespaces: injection and mTLS ----------------------------------------------------------------


def _ingress_namespaces(resources: ResourceSet) -> list[str]:
    return sorted({i.namespace for i in resources.ingresses})


def _injection(resources: ResourceSet, result: Preflight) -> None:
    modes = {}
    for namespace in _ingress_namespaces(resources):
        obj = resources.namespaces.get(namespace)
        labels = obj.labels if obj else {}
        if labels.get("istio.io/dataplane-mode") == "ambient":
            mode, text = "ambient", "is in ambient mode (istio.io/dataplane-mode=ambient)"
        elif labels.get("istio-injection") == "enabled":
            mode, text = "sidecar", "has sidecar injection enabled (istio-injection=enabled)"
        elif labels.get("istio.io/rev") and labels.get("istio-injection") != "disabled":
            mode = "revision:" + labels["istio.io/rev"]
            text = f"has sidecar injection by revision {labels['istio.io/rev']} (istio.io/rev)"
        else:
            mode, text = "none", "is not in the mesh (no istio-injection, istio.io/rev or ambient label)"
        modes[namespace] = mode
        action = None
        if mode == "none":
            action = (
                "the gateway reaches its pods in plain text; to add them to the mesh: "
                f"kubectl label namespace {shlex.quote(namespace)} istio-injection=enabled, "
                "then restart the workloads"
            )
        result.add("PREFLIGHT_INJECTION", Severity.INFO, f"namespace {namespace} {text}", action)
    result.facts["injection_modes"] = modes
    # The report's prerequisites line reads this one.
    result.facts["injection"] = "; ".join(f"{ns}: {mode}" for ns, mode in modes.items()) or "no namespaces"


def _peer_authentication(
    api: KubeApi, scope: Scope, discovery: Discovery, resources: ResourceSet, result: Preflight
) -> None:
    version = next((v for v in SECURITY_VERSIONS if discovery.serves(SECURITY, v)), None)
    namespaces = _ingress_namespaces(resources)
    if version is None or not namespaces:
        return
    kind = Resource(SECURITY, version, "peerauthentications", "PeerAuthentication")
    where = [None] if scope.namespace is None else sorted({scope.namespace, ROOT_NAMESPACE})
    policies: list[KubeObject] = []
    try:
        for namespace in where:
            policies += [KubeObject(item, None) for item in api.list(kind, namespace)]  # type: ignore[arg-type]
    except Forbidden as err:
        result.findings.append(forbidden_finding(err, "STRICT mTLS policies were not checked."))
        return

    def mode(policy: KubeObject) -> str:
        return str((policy.spec.get("mtls") or {}).get("mode") or "UNSET")

    def selects_workloads(policy: KubeObject) -> bool:
        return bool((policy.spec.get("selector") or {}).get("matchLabels"))

    mesh = [p for p in policies if p.namespace == ROOT_NAMESPACE and not selects_workloads(p)]
    for namespace in namespaces:
        own = [p for p in policies if p.namespace == namespace and not selects_workloads(p)]
        effective = next((p for p in own if mode(p) != "UNSET"), None) or next(
            (p for p in mesh if mode(p) != "UNSET"), None
        )
        strict = [
            p for p in policies if p.namespace == namespace and selects_workloads(p) and mode(p) == "STRICT"
        ]
        if effective is not None and mode(effective) == "STRICT":
            scope_text = (
                "mesh-wide" if effective.namespace == ROOT_NAMESPACE and namespace != ROOT_NAMESPACE else ""
            )
            which = f"PeerAuthentication {effective.key}" + (f" ({scope_text})" if scope_text else "")
            message = f"mTLS is STRICT for namespace {namespace} ({which})"
        elif strict:
            names = ", ".join(p.key for p in strict)
            message = (
                f"mTLS is STRICT for some workloads of namespace {namespace} (PeerAuthentication {names})"
            )
        else:
            continue
        result.add(
            "PREFLIGHT_PEER_AUTH_STRICT",
            Severity.WARNING,
            message
            + ": the old ingress controller's pods are outside the mesh and cannot reach these backends "
            "while both controllers serve traffic",
            "keep mTLS PERMISSIVE for these workloads until traffic has moved to the Istio gateway, "
            "then switch to STRICT",
        )


# --- existing Istio objects ------------------------------------------------------------------------


def _existing_istio_objects(api: KubeApi, scope: Scope, result: Preflight) -> None:
    version = result.facts.get("api_version")
    existing: dict[str, list[dict[str, Any]]] = {"Gateway": [], "VirtualService": []}
    result.facts["existing_istio"] = existing
    if not result.facts.get("istio_installed") or version not in result.facts.get("networking_versions", []):
        return
    kinds = (
        Resource(NETWORKING, str(version), "gateways", "Gateway"),
        Resource(NETWORKING, str(version), "virtualservices", "VirtualService"),
    )
    for kind in kinds:
        try:
            existing[kind.kind] = list(api.list(kind))
        except Forbidden as err:
            if scope.namespace is None:
                result.findings.append(
                    forbidden_finding(err, "Existing Istio objects were not checked for conflicts.")
                )
                continue
            # A namespace-scoped user: check what is visible from the namespace and the gateway's.
            namespaces = sorted({scope.namespace, str(result.facts["gateway_namespace"])})
            try:
                existing[kind.kind] = [item for ns in namespaces for item in api.list(kind, ns)]
            except Forbidden as err2:
                result.findings.append(
                    forbidden_finding(err2, "Existing Istio objects were not checked for conflicts.")
                )


def credential_findings(credentials: Iterable[Credential]) -> list[Finding]:
    """PREFLIGHT_TLS_CREDENTIAL_MISSING: a Gateway server's credential that is not in the gateway namespace yet."""
    findings: list[Finding] = []
    for credential in credentials:
        if credential.present is not False:
            continue
        where = f"{credential.namespace}/{credential.name}"
        if credential.provider == "cert-manager":
            action = f"apply Certificate {where} first (--apply does) and wait until it is Ready"
        elif credential.command:
            action = "copy it: " + credential.command
        else:
            action = (
                f"create it: kubectl create secret tls {shlex.quote(credential.name)}"
                f" -n {shlex.quote(credential.namespace)} --cert=tls.crt --key=tls.key"
            )
        findings.append(
            Finding(
                code="PREFLIGHT_TLS_CREDENTIAL_MISSING",
                severity=Severity.WARNING,
                verdict=Verdict.UNKNOWN,
                message=f'TLS credential "{credential.name}" for {", ".join(credential.hosts)} is not in'
                f" namespace {credential.namespace} yet, where the ingress gateway reads it: HTTPS would fail",
                action=action,
                ingress=credential.ingresses[0] if credential.ingresses else None,
            )
        )
    return findings


def conflict_findings(facts: dict[str, Any], emitted: Iterable[dict[str, Any]]) -> list[Finding]:
    """Existing VirtualServices/Gateways that would share a host with the emitted ones on the same gateway.

    Objects kubectl-meshify applied before (same kind, namespace and name) are updates, not conflicts.
    """
    existing = facts.get("existing_istio") or {}
    emitted = list(emitted)
    findings: list[Finding] = []
    ours = {(o.get("kind"), _ns(o), _name(o)) for o in emitted}
    live_gateways = [g for g in existing.get("Gateway", []) if ("Gateway", _ns(g), _name(g)) not in ours]
    live_services = [
        v for v in existing.get("VirtualService", []) if ("VirtualService", _ns(v), _name(v)) not in ours
    ]

    # Index the live VirtualServices by host, so a large cluster costs a lookup per emitted host.
    by_host: dict[str, list[int]] = {}
    wildcard: list[int] = []
    for index, other in enumerate(live_services):
        for host in _hosts(other):
            if "*" in host:
                wildcard.append(index)
            else:
                by_host.setdefault(host.lower(), []).append(index)
    for vs in (o for o in emitted if o.get("kind") == "VirtualService"):
        gateways = _vs_gateways(vs)
        candidates = set(wildcard)
        for host in _hosts(vs):
            if "*" in host:
                candidates = set(range(len(live_services)))
                break
            candidates.update(by_host.get(host.lower(), []))
        for other in (live_services[i] for i in sorted(candidates)):
            shared_gw = gateways & _vs_gateways(other)
            shared_hosts = sorted(h for h in _hosts(vs) if any(_host_overlap(h, o) for o in _hosts(other)))
            if shared_gw and shared_hosts:
                findings.append(
                    Finding(
                        "PREFLIGHT_VIRTUALSERVICE_CONFLICT",
                        Severity.WARNING,
                        Verdict.UNKNOWN,
                        f"VirtualService {_ns(other)}/{_name(other)} already binds "
                        f"{', '.join(shared_hosts)} on gateway {', '.join(sorted(shared_gw))}, like the "
                        f"generated {_ns(vs)}/{_name(vs)}: Istio merges VirtualServices of one host "
                        "in an undefined order",
                        f"merge the routes into one VirtualService or delete {_ns(other)}/{_name(other)} "
                        "after the migration",
                    )
                )
    for gw in (o for o in emitted if o.get("kind") == "Gateway"):
        selector = (gw.get("spec") or {}).get("selector") or {}
        for other in live_gateways:
            if ((other.get("spec") or {}).get("selector") or {}) != selector:
                continue
            for port, host in sorted(_server_claims(gw)):
                if any(p == port and _host_overlap(host, h) for p, h in _server_claims(other)):
                    findings.append(
                        Finding(
                            "PREFLIGHT_GATEWAY_CONFLICT",
                            Severity.WARNING,
                            Verdict.UNKNOWN,
                            f"Gateway {_ns(other)}/{_name(other)} already claims {host} on port {port} "
                            f"of the same gateway workload as the generated {_ns(gw)}/{_name(gw)}: "
                            "Istio would merge the two servers in an undefined order",
                            f"bind the VirtualServices to {_ns(other)}/{_name(other)} with --gateway "
                            f"{_ns(other)}/{_name(other)}, or remove its server for {host}",
                        )
                    )
                    break
    return findings


def _ns(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _hosts(vs: dict[str, Any]) -> list[str]:
    return [str(h) for h in (vs.get("spec") or {}).get("hosts") or []]


def _vs_gateways(vs: dict[str, Any]) -> set[str]:
    """Gateways a VirtualService binds, as `namespace/name` (bare names are in its own namespace)."""
    out = set()
    for ref in (vs.get("spec") or {}).get("gateways") or []:
        ref = str(ref)
        if ref == "mesh":
            continue
        out.add(ref if "/" in ref else f"{_ns(vs)}/{ref}")
    return out


def _server_claims(gw: dict[str, Any]) -> set[tuple[int, str]]:
    out = set()
    for server in (gw.get("spec") or {}).get("servers") or []:
        port = (server.get("port") or {}).get("number")
        for host in server.get("hosts") or []:
            out.add((int(port or 0), str(host).split("/", 1)[-1]))
    return out


def _host_overlap(a: str, b: str) -> bool:
    """Whether two Istio hosts can match one request host (`*` and `*.suffix` wildcards)."""
    a, b = a.lower(), b.lower()
    if a == b or a == "*" or b == "*":
        return True
    if a.startswith("*.") and (b.endswith(a[1:]) or (b.startswith("*.") and (a.endswith(b[1:])))):
        return True
    return b.startswith("*.") and a.endswith(b[1:])
