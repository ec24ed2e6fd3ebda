"""Gateway-scoped DestinationRules: traffic policies that only the ingress gateway applies.

An Ingress annotation only ever changed traffic coming in through the controller. A plain
DestinationRule for the Service would also change mesh-internal calls, so ingress-only policies go into
a DestinationRule in the gateway's namespace whose `workloadSelector` selects the gateway pods
(annotations-map.md §0). The gateway prefers a DestinationRule in its own namespace over one in the
Service's namespace, so the subsets of a service-level rule are copied in, and the report says the
two must be kept in sync.

Settings are written per Service port (`portLevelSettings`), because ingress-nginx configured one
upstream per Service port. When two Ingresses set one field differently, the older Ingress wins, as
in ingress-nginx (which processes Ingresses oldest first); the other one is told.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import DestinationPolicy, IngressRecord, MeshModel
from kubectl_meshify.naming import dns_label, short_hash

# IngressSettings.extra key: {(policy namespace, policy name, port, field): value} this Ingress set.
_OWNED = "gateway_policy_fields"


@dataclass(frozen=True, order=True)
class Backend:
    """A Service port an Ingress sends traffic to; `port` is None when a named port is unresolved."""

    namespace: str
    service: str
    port: int | None

    def label(self) -> str:
        return f"{self.namespace}/{self.service}" + (f":{self.port}" if self.port is not None else "")


@dataclass(frozen=True)
class Claim:
    """The outcome of setting one field: `kept` False when an older Ingress's value stays."""

    kept: bool
    other: str | None = None  # the Ingress whose value was kept, or whose value this one replaced


def ingress_backends(ctx: FamilyContext) -> list[Backend]:
    """Every Service port the Ingress's rules and default backend name, in spec order, once each.

    Read from the spec (not from routes) so a canary Ingress, whose routes are merged into its
    primary's, still finds its own backends.
    """
    spec = ctx.record.obj.spec
    refs: list[Any] = []
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        for path in paths if isinstance(paths, list) else []:
            if isinstance(path, dict):
                refs.append(path.get("backend"))
    refs.append(spec.get("defaultBackend") or spec.get("backend"))
    found: list[Backend] = []
    for ref in refs:
        backend = backend_of(ctx, ref)
        if backend is not None and backend not in found:
            found.append(backend)
    return found


def backend_of(ctx: FamilyContext, ref: Any) -> Backend | None:
    """The Service port an Ingress backend reference names (named ports resolved through the Service)."""
    if not isinstance(ref, dict) or "resource" in ref:
        return None
    namespace = ctx.record.obj.namespace
    if "serviceName" in ref:
        name, port = str(ref["serviceName"]), ref.get("servicePort")
    else:
        service = ref.get("service")
        if not isinstance(service, dict) or not service.get("name"):
            return None
        port_spec = service.get("port") or {}
        name = str(service["name"])
        port = port_spec.get("number", port_spec.get("name")) if isinstance(port_spec, dict) else None
    if isinstance(port, int):
        return Backend(namespace, name, port)
    if isinstance(port, str) and port.isdigit():
        return Backend(namespace, name, int(port))
    service_obj = ctx.resources.services.get((namespace, name))
    for entry in (service_obj.spec.get("ports") or []) if service_obj else []:
        if isinstance(entry, dict) and entry.get("name") == port and isinstance(entry.get("port"), int):
            return Backend(namespace, name, int(entry["port"]))
    return Backend(namespace, name, None)


def set_policy(ctx: FamilyContext, backend: Backend, field: tuple[str, ...], value: Any) -> Claim:
    """Set one traffic-policy field for `backend` in its gateway-scoped DestinationRule."""
    policy = gateway_rule(ctx, backend)
    entry = _port_entry(policy, backend.port)
    ident = (policy.namespace, policy.name, backend.port, ".".join(field))
    current = _get(entry, field)
    owned: dict[Any, Any] = ctx.settings.extra.setdefault(_OWNED, {})
    if current is None or current == value:
        _set(entry, field, copy.deepcopy(value))
        owned[ident] = value
        return Claim(True)
    owner = _owner(ctx.model, ident)
    if owner is not None and owner.order > ctx.record.order:
        # This Ingress is older: ingress-nginx used its value for the shared upstream.
        _set(entry, field, copy.deepcopy(value))
        owner.settings.extra[_OWNED].pop(ident, None)
        owned[ident] = value
        owner.findings.append(
            Finding(
                code="GATEWAY_POLICY_OVERRIDDEN",
                severity=Severity.WARNING,
                verdict=Verdict.EXACT,
                message=f"{'.'.join(field)} for {backend.label()} in DestinationRule"
                f" {policy.namespace}/{policy.name} comes from the older Ingress {ctx.ingress}, as in"
                " ingress-nginx; this Ingress's value is not used.",
                action="Give both Ingresses the same value if they should agree.",
                ingress=owner.key,
            )
        )
        return Claim(True, owner.key)
    return Claim(False, owner.key if owner else None)


def gateway_rule(ctx: FamilyContext, backend: Backend) -> DestinationPolicy:
    """The gateway-scoped DestinationRule for a Service (created on first use), noted on the Ingress."""
    options = ctx.options
    host = options.service_host(backend.service, backend.namespace)
    selector = dict(options.gateway_selector)
    policy = ctx.model.policy_index.scoped(ctx.model.policies, host, options.gateway_namespace, selector)
    if policy is None:
        policy = DestinationPolicy(
            namespace=options.gateway_namespace,
            name=_unique_name(ctx.model, options.gateway_namespace, backend, host),
            host=host,
            workload_selector=selector,
        )
        service_rule = _service_rule(ctx.model, host, policy)
        if service_rule is not None:
            policy.subsets = copy.deepcopy(service_rule.subsets)
        ctx.model.policies.append(policy)
    if ctx.ingress not in policy.ingresses:
        policy.ingresses.append(ctx.ingress)
        _note_scope(ctx, policy, backend)
    return policy


def _service_rule(model: MeshModel, host: str, gateway: DestinationPolicy) -> DestinationPolicy | None:
    rule = model.policy_index.service_level(model.policies, host)
    return None if rule is gateway else rule


def _note_scope(ctx: FamilyContext, policy: DestinationPolicy, backend: Backend) -> None:
    selector = ", ".join(f"{k}={v}" for k, v in sorted((policy.workload_selector or {}).items()))
    service_rule = _service_rule(ctx.model, policy.host, policy)
    text = (
        f"Ingress-only traffic policy for Service {backend.namespace}/{backend.service} is emitted as"
        f" DestinationRule {policy.namespace}/{policy.name} with workloadSelector {selector}: it applies only"
        " to requests the ingress gateway sends, not to mesh-internal calls, as the annotation only"
        " affected traffic through ingress-nginx."
    )
    if service_rule is not None:
        text += (
            f" Its subsets are copied from DestinationRule {service_rule.namespace}/{service_rule.name},"
            " because the gateway uses the rule in its own namespace first: keep the two in sync."
        )
    action = (
        f"If a DestinationRule for {policy.host} already exists in the cluster, the gateway now uses this"
        " one instead: copy its subsets and traffic policy into it (kubectl get destinationrule -A)."
    )
    ctx.note(
        Finding(
            code="GATEWAY_DESTINATION_RULE",
            severity=Severity.WARNING if service_rule is not None else Severity.INFO,
            verdict=Verdict.EXACT,
            message=text,
            action=action,
            ingress=ctx.ingress,
        )
    )


def _unique_name(model: MeshModel, namespace: str, backend: Backend, host: str) -> str:
    name = dns_label(f"{backend.namespace}-{backend.service}")
    if model.policy_index.has_name(model.policies, namespace, name):
        digest = short_hash(host)
        name = dns_label(f"{name[:55]}-{digest}")
    return name


def _port_entry(policy: DestinationPolicy, port: int | None) -> dict[str, Any]:
    if port is None:
        return policy.traffic_policy
    entries: list[dict[str, Any]] = policy.traffic_policy.setdefault("portLevelSettings", [])
    for entry in entries:
        if entry["port"]["number"] == port:
            return entry
    entry = {"port": {"number": port}}
    entries.append(entry)
    entries.sort(key=lambda e: int(e["port"]["number"]))
    return entry


def _get(entry: dict[str, Any], field: tuple[str, ...]) -> Any:
    node: Any = entry
    for part in field:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _set(entry: dict[str, Any], field: tuple[str, ...], value: Any) -> None:
    node = entry
    for part in field[:-1]:
        node = node.setdefault(part, {})
    node[field[-1]] = value


def _owner(model: MeshModel, ident: tuple[Any, ...]) -> IngressRecord | None:
    for record in model.records.values():
        if ident in record.settings.extra.get(_OWNED, {}):
            return record
    return None


def routed_by_others(ctx: FamilyContext, backend: Backend) -> list[str]:
    """Other Ingresses whose routes send traffic to the same Service port (they share the rule)."""
    others: list[str] = []
    for vhost in ctx.model.hosts.values():
        for route in vhost.routes:
            key = route.origin.ingress
            if key == ctx.ingress or key in others:
                continue
            for dest in route.destinations:
                if (dest.namespace, dest.service) == (backend.namespace, backend.service) and (
                    backend.port is None or dest.port in (None, backend.port)
                ):
                    others.append(key)
                    break
    return sorted(others)
