"""The mesh model → Istio manifests (plain dicts), deterministic and in make-before-break order.

Order: Certificates, DestinationRules, Gateways, VirtualServices, AuthorizationPolicies (a route must
never reference a subset or gateway that does not exist yet); within a kind by namespace and name.
Every object carries the managed-by label and an annotation naming the Ingresses it came from.
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify.generated import metadata
from kubectl_meshify.model import DestinationPolicy, GatewayPlan, Match, MeshModel, Route, VirtualHost
from kubectl_meshify.naming import dns_label, host_slug, short_hash
from kubectl_meshify.options import Options

# The response header --trace-routes sets on every HTTP route (read by the smoke test).
ROUTE_HEADER = "x-meshify-route"
KIND_ORDER = ["Certificate", "DestinationRule", "Gateway", "VirtualService", "AuthorizationPolicy"]


def emit(model: MeshModel, options: Options) -> list[dict[str, Any]]:
    """Every generated object, in apply order; records which objects each Ingress produced."""
    objects: list[tuple[dict[str, Any], list[str]]] = []
    networking = f"networking.istio.io/{options.api_version}"
    for policy in model.policies:
        objects.append((_destination_rule(policy, networking), policy.ingresses))
    for plan in model.gateways:
        objects.append((_gateway(plan, networking), plan.ingresses))
    names = _virtual_service_names(model)
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        if vhost.routes or vhost.tls_routes:
            objects.append((_virtual_service(vhost, names[host], networking, options), vhost.ingresses))
    for extra in model.extras:
        objects.append((extra.manifest, extra.ingresses))
    objects.sort(key=lambda item: _sort_key(item[0]))
    for manifest, ingresses in objects:
        meta = manifest["metadata"]
        for key in ingresses:
            record = model.records.get(key)
            if record is not None:
                record.resources.append(
                    (manifest["apiVersion"], manifest["kind"], meta.get("namespace", ""), meta["name"])
                )
    return [manifest for manifest, _ in objects]


def _sort_key(manifest: dict[str, Any]) -> tuple[int, str, str]:
    kind = manifest["kind"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    meta = manifest["metadata"]
    return rank, meta.get("namespace", ""), meta["name"]


def _virtual_service_names(model: MeshModel) -> dict[str, str]:
    """Host → VirtualService name, unique per namespace even when two hosts slug alike."""
    names: dict[str, str] = {}
    taken: set[tuple[str, str]] = set()
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        name = dns_label(host_slug(host))
        if (vhost.namespace, name) in taken:
            name = dns_label(f"{name[:55]}-{short_hash(host)}")
        taken.add((vhost.namespace, name))
        names[host] = name
    return names


def _destination_rule(policy: DestinationPolicy, api_version: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"host": policy.host}
    if policy.workload_selector:
        spec["workloadSelector"] = {"matchLabels": dict(policy.workload_selector)}
    if policy.traffic_policy:
        spec["trafficPolicy"] = policy.traffic_policy
    if policy.subsets:
        spec["subsets"] = policy.subsets
    return {
        "apiVersion": api_version,
        "kind": "DestinationRule",
        "metadata": metadata(policy.name, policy.namespace, policy.ingresses),
        "spec": spec,
    }


def _gateway(plan: GatewayPlan, api_version: str) -> dict[str, Any]:
    servers = []
    for server in sorted(plan.servers, key=lambda s: (s.port, s.name)):
        entry: dict[str, Any] = {
            "port": {"number": server.port, "name": server.name, "protocol": server.protocol},
            "hosts": sorted(server.hosts),
        }
        if server.tls:
            entry["tls"] = dict(server.tls)
        servers.append(entry)
    return {
        "apiVersion": api_version,
        "kind": "Gateway",
        "metadata": metadata(plan.name, plan.namespace, plan.ingresses),
        "spec": {"selector": dict(sorted(plan.selector.items())), "servers": servers},
    }


def _virtual_service(vhost: VirtualHost, name: str, api_version: str, options: Options) -> dict[str, Any]:
    hosts = vhost.virtual_service_hosts or [vhost.host, *vhost.aliases]
    spec: dict[str, Any] = {"hosts": hosts, "gateways": list(vhost.gateways)}
    if vhost.routes:
        spec["http"] = [_http_route(route, options) for route in vhost.routes]
        if options.trace_routes:
            _trace_routes(spec["http"], f"{vhost.namespace}/{name}")
    if vhost.tls_routes:
        spec["tls"] = vhost.tls_routes
    return {
        "apiVersion": api_version,
        "kind": "VirtualService",
        "metadata": metadata(name, vhost.namespace, vhost.ingresses),
        "spec": spec,
    }


def _http_route(route: Route, options: Options) -> dict[str, Any]:
    out: dict[str, Any] = {"name": route.name}
    matches = [_match(m) for m in route.matches]
    if any(matches):
        out["match"] = matches
    if route.redirect is not None:
        out["redirect"] = dict(route.redirect)
    elif route.direct_response is not None:
        out["directResponse"] = dict(route.direct_response)
    else:
        out["route"] = [_destination(d, options) for d in route.destinations]
    for key in sorted(route.http):
        out[key] = route.http[key]
    return out


def _trace_routes(routes: list[dict[str, Any]], virtual_service: str) -> None:
    """`headers.response.set: {x-meshify-route: ns/vs/route}` on every route (Istio applies a route's
    response headers to its redirects and direct responses too: translateRoute, route.go). Names are
    made unique within the VirtualService so that the header names one route."""
    seen: set[str] = set()
    for route in routes:
        name = str(route.get("name") or "route")
        unique, n = name, 2
        while unique in seen:
            unique, n = f"{name}.{n}", n + 1
        seen.add(unique)
        route["name"] = unique
        headers = dict(route.get("headers") or {})
        response = dict(headers.get("response") or {})
        response["set"] = {**(response.get("set") or {}), ROUTE_HEADER: f"{virtual_service}/{unique}"}
        headers["response"] = response
        route["headers"] = headers


def _match(match: Match) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if match.uri is not None:
        out["uri"] = {match.uri[0]: match.uri[1]}
    if match.authority is not None:
        out["authority"] = {match.authority[0]: match.authority[1]}
    if match.headers:
        out["headers"] = {name: {kind: value} for name, (kind, value) in sorted(match.headers.items())}
    if match.port is not None:
        out["port"] = match.port
    return out


def _destination(dest: Any, options: Options) -> dict[str, Any]:
    destination: dict[str, Any] = {"host": options.service_host(dest.service, dest.namespace)}
    if dest.subset:
        destination["subset"] = dest.subset
    if dest.port is not None:
        destination["port"] = {"number": dest.port}
    out: dict[str, Any] = {"destination": destination}
    if dest.weight is not None:
        out["weight"] = dest.weight
    return out
