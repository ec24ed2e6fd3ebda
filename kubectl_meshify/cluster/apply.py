"""`--apply`: put the emitted Istio objects into the cluster by server-side apply, safely.

- Field manager `kubectl-meshify`; every object carries `app.kubernetes.io/managed-by: kubectl-meshify`.
- Order: Certificates, DestinationRules, Gateways, VirtualServices, AuthorizationPolicies, so nothing
  routes to a subset or a gateway that does not exist yet.
- An existing object of the same name that kubectl-meshify does not manage is not taken over unless
  `force_conflicts`; then nothing at all is written. Without `force_conflicts`, fields another manager
  owns are not overwritten either (the server answers 409 and the run stops).
- `dry_run` sends every write with `dryRun=All`: the server validates and persists nothing.
- Only Istio and cert-manager kinds are written: Ingresses (kept with --keep-ingress) are never touched.
- Re-running is idempotent: applying the same objects again changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.cluster.kubeapi import KubeApi, NotFound, Resource, Target
from kubectl_meshify.cluster.source import NAMESPACES, Discovery
from kubectl_meshify.errors import ClusterError

FIELD_MANAGER = "kubectl-meshify"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
APPLY_ORDER = ("Certificate", "DestinationRule", "Gateway", "VirtualService", "AuthorizationPolicy")
PLURALS = {
    "Certificate": "certificates",
    "DestinationRule": "destinationrules",
    "Gateway": "gateways",
    "VirtualService": "virtualservices",
    "AuthorizationPolicy": "authorizationpolicies",
    "ServiceEntry": "serviceentries",
    "EnvoyFilter": "envoyfilters",
    "PeerAuthentication": "peerauthentications",
    "RequestAuthentication": "requestauthentications",
    "Sidecar": "sidecars",
}
APPLIED_GROUPS = ("networking.istio.io", "security.istio.io", "cert-manager.io")
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")


@dataclass(frozen=True)
class Applied:
    kind: str
    group: str
    namespace: str
    name: str
    action: str  # created, configured, unchanged
    dry_run: bool

    def __str__(self) -> str:
        suffix = " (server dry run)" if self.dry_run else ""
        return f"{self.kind.lower()}.{self.group}/{self.name} -n {self.namespace} {self.action}{suffix}"


@dataclass
class ApplyResult:
    applied: list[Applied] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # kinds never written (Ingress, ...), as kind/ns/name
    # ingress-shim Certificates that already are the emitted object (owned by their Ingress), not taken over
    kept: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for a in self.applied if a.action == action)


def _resource_of(obj: dict[str, Any]) -> Resource:
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    kind = str(obj.get("kind", ""))
    return Resource(group, version, PLURALS[kind], kind)


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def plan(objects: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The objects to apply in apply order, and the ones that are never written."""
    writes, skipped = [], []
    for obj in objects:
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        meta = _meta(obj)
        ident = f"{obj.get('kind')} {meta.get('namespace', '')}/{meta.get('name', '')}"
        if group not in APPLIED_GROUPS:
            skipped.append(ident)
            continue
        if obj.get("kind") not in PLURALS:
            raise ClusterError(
                f"cannot apply {obj.get('apiVersion')} {ident}: kubectl-meshify does not apply this kind"
            )
        if not meta.get("name") or not meta.get("namespace"):
            raise ClusterError(f"cannot apply {ident}: the object has no metadata.name or metadata.namespace")
        writes.append(obj)

    def order(obj: dict[str, Any]) -> tuple[int, str, str]:
        kind = str(obj.get("kind"))
        rank = APPLY_ORDER.index(kind) if kind in APPLY_ORDER else len(APPLY_ORDER)
        return (rank, str(_meta(obj)["namespace"]), str(_meta(obj)["name"]))

    return sorted(writes, key=order), skipped


def _apply_body(obj: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(obj)
    body.pop("status", None)
    meta = body["metadata"]
    for key in SERVER_FIELDS:
        meta.pop(key, None)
    meta.setdefault("labels", {})[MANAGED_BY_LABEL] = FIELD_MANAGER
    return body


def _ingress_owner(live: dict[str, Any]) -> str | None:
    """`namespace/name` of the Ingress controlling a live cert-manager Certificate (ingress-shim's), if any."""
    if live.get("kind") != "Certificate":
        return None
    for ref in _meta(live).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("kind") == "Ingress" and ref.get("controller"):
            return f"{_meta(live).get('namespace', '')}/{ref.get('name', '')}"
    return None


def _changed(before: dict[str, Any], after: dict[str, Any], dry_run: bool) -> bool:
    """Whether the server changed the object, as kubectl decides "unchanged": the API server skips a write
    that changes nothing and keeps the resourceVersion. A dry run stores nothing, so its answer (the object
    as it would be) is compared with the live one instead, server-kept fields aside."""
    if not dry_run:
        return bool(_meta(after).get("resourceVersion") != _meta(before).get("resourceVersion"))
    return _content(after) != _content(before)


def _content(obj: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")}
    meta = dict(_meta(obj))
    for key in SERVER_FIELDS:
        meta.pop(key, None)
    body["metadata"] = meta
    return body


def apply_objects(
    api: KubeApi,
    discovery: Discovery,
    objects: Iterable[dict[str, Any]],
    *,
    dry_run: bool = False,
    force_conflicts: bool = False,
) -> ApplyResult:
    """Server-side apply of the emitted objects; raises ClusterError before writing anything it refuses."""
    writes, skipped = plan(objects)
    result = ApplyResult(skipped=skipped)
    if not writes:
        return result

    # Checks that can refuse the whole apply come first, so a refusal writes nothing.
    for group_version in sorted({str(o["apiVersion"]) for o in writes}):
        group, _, version = group_version.rpartition("/")
        if not discovery.serves(group, version):
            hint = " (is Istio installed?)" if group.endswith("istio.io") else ""
            raise ClusterError(f"cannot apply: the cluster does not serve {group_version}{hint}")
    for namespace in sorted({str(_meta(o)["namespace"]) for o in writes}):
        try:
            api.get(NAMESPACES.path(name=namespace), Target("get", NAMESPACES, namespace, namespace))
        except NotFound:
            raise ClusterError(f'cannot apply: namespace "{namespace}" does not exist') from None
    live: dict[tuple[str, str, str], dict[str, Any]] = {}
    for resource, namespace in sorted(
        {(_resource_of(o), str(_meta(o)["namespace"])) for o in writes}, key=str
    ):
        for item in api.list(resource, namespace):
            live[(resource.kind, namespace, str(_meta(item).get("name")))] = item
    foreign = []
    for obj in list(writes):
        meta = _meta(obj)
        current = live.get((str(obj["kind"]), str(meta["namespace"]), str(meta["name"])))
        if (
            current is not None
            and (_meta(current).get("labels") or {}).get(MANAGED_BY_LABEL) != FIELD_MANAGER
        ):
            owner = _ingress_owner(current)
            if owner is not None and not force_conflicts:
                # ingress-shim's own Certificate, emitted so that it outlives the Ingress: it is that object
                # already, so it is left as it is (the finding CERT_MANAGER_KEPT_CERTIFICATE says how to keep it).
                writes.remove(obj)
                result.kept.append(
                    f"{obj['kind']} {meta['namespace']}/{meta['name']} (owned by Ingress {owner})"
                )
                continue
            foreign.append(f"{obj['kind']} {meta['namespace']}/{meta['name']}")
    if foreign and not force_conflicts:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ClusterError(
            f"refusing to take over {len(foreign)} existing object{'s' if len(foreign) > 1 else ''} that "
            f"kubectl-meshify does not manage ({MANAGED_BY_LABEL} is not {FIELD_MANAGER}): {shown}; "
            "nothing was applied; rename them, delete them, or pass --force-conflicts to take them over"
        )

    for index, obj in enumerate(writes):
        resource = _resource_of(obj)
        body = _apply_body(obj)
        meta = body["metadata"]
        current = live.get((resource.kind, meta["namespace"], meta["name"]))
        try:
            status, answer = api.apply(resource, body, FIELD_MANAGER, force=force_conflicts, dry_run=dry_run)
        except ClusterError as err:
            done = f"{index} of {len(writes)} objects were applied before it" + (
                " (dry run)" if dry_run else ""
            )
            hint = (
                "; pass --force-conflicts to take over the conflicting fields"
                if "conflict" in str(err)
                else ""
            )
            where = f"{resource.kind} {meta['namespace']}/{meta['name']}"
            raise ClusterError(f"apply stopped at {where}: {err}; {done}{hint}") from None
        if status == 201 or current is None:
            action = "created"
        else:
            action = "configured" if _changed(current, answer, dry_run) else "unchanged"
        result.applied.append(
            Applied(resource.kind, resource.group, meta["namespace"], meta["name"], action, dry_run)
        )
    return result
