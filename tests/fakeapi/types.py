"""Resource types the fake API server serves: built-in ones, plus those its CRD objects define."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    versions: tuple[str, ...]  # served versions, newest first
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    builtin: bool = True  # built-in list items carry no apiVersion/kind; custom resources do

    @property
    def group_resource(self) -> str:
        """`ingresses.networking.k8s.io`, `services`: how Status messages name a resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def api_version(self, version: str) -> str:
        return f"{self.group}/{version}" if self.group else version

    def discovery_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(ALL_VERBS),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        return entry


BUILTIN_TYPES = (
    ResourceType("", ("v1",), "namespaces", "namespace", "Namespace", False, ("ns",)),
    ResourceType("", ("v1",), "services", "service", "Service", True, ("svc",), ("all",)),
    ResourceType("", ("v1",), "configmaps", "configmap", "ConfigMap", True, ("cm",)),
    ResourceType("", ("v1",), "secrets", "secret", "Secret", True),
    ResourceType("", ("v1",), "pods", "pod", "Pod", True, ("po",), ("all",)),
    ResourceType("", ("v1",), "serviceaccounts", "serviceaccount", "ServiceAccount", True, ("sa",)),
    ResourceType("apps", ("v1",), "deployments", "deployment", "Deployment", True, ("deploy",), ("all",)),
    ResourceType("apps", ("v1",), "statefulsets", "statefulset", "StatefulSet", True, ("sts",), ("all",)),
    ResourceType("apps", ("v1",), "daemonsets", "daemonset", "DaemonSet", True, ("ds",), ("all",)),
    ResourceType("networking.k8s.io", ("v1",), "ingresses", "ingress", "Ingress", True, ("ing",)),
    ResourceType("networking.k8s.io", ("v1",), "ingressclasses", "ingressclass", "IngressClass", False),
    ResourceType(
        "apiextensions.k8s.io",
        ("v1",),
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
    ),
)

CRD_TYPE = BUILTIN_TYPES[-1]
NAMESPACE_TYPE = BUILTIN_TYPES[0]


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version order: GA > beta > alpha, then by number (v1 > v1beta2 > v1beta1 > v1alpha3)."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (-1, 0, 0)
    major, stage, minor = match.groups()
    stage_rank = {"alpha": 0, "beta": 1, None: 2}[stage]
    return (stage_rank, int(major), int(minor or 0))


def type_from_crd(crd: dict[str, Any]) -> ResourceType | None:
    """The resource type a CustomResourceDefinition object defines, with its served versions."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    served = [v["name"] for v in spec.get("versions") or [] if v.get("served")]
    if not served or not names.get("plural") or not names.get("kind"):
        return None
    served.sort(key=version_priority, reverse=True)
    return ResourceType(
        group=spec.get("group", ""),
        versions=tuple(served),
        plural=names["plural"],
        singular=names.get("singular") or names["kind"].lower(),
        kind=names["kind"],
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        builtin=False,
    )
