"""Kubernetes objects read from files or a cluster, indexed for translation.

Objects stay plain JSON-like dicts (as the API server or a YAML loader gives them); each carries
its `Origin` so findings and reports can point back at the file and document it came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubectl_meshify.yamlio import DuplicateKey

# Kinds the translation reads; every other kind is counted and otherwise ignored.
INGRESS_KINDS = {"Ingress"}
RESOLUTION_KINDS = {
    "Service",
    "Deployment",
    "StatefulSet",
    "IngressClass",
    "Namespace",
    "ConfigMap",
    "Certificate",
    "Issuer",
    "ClusterIssuer",
}
WANTED_KINDS = INGRESS_KINDS | RESOLUTION_KINDS


@dataclass(frozen=True)
class Origin:
    """Where an object came from: a file and its 0-based document index, or the cluster."""

    path: str | None = None
    document: int = 0
    line: int | None = None  # 1-based line of the document start, when known

    def __str__(self) -> str:
        return "cluster" if self.path is None else f"{self.path}#{self.document}"


@dataclass
class KubeObject:
    """One Kubernetes object with its origin."""

    body: dict[str, Any]
    origin: Origin
    # Keys its YAML gave twice in one mapping (paths from the object's root; lines in the file, 1-based).
    duplicate_keys: tuple[DuplicateKey, ...] = ()
    # `metadata` and `spec` of the body ({} when absent or not a mapping), looked up once: translation reads
    # them hundreds of thousands of times, and the body does not change once read.
    metadata: dict[str, Any] = field(init=False, repr=False, compare=False)
    spec: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        meta, spec = self.body.get("metadata"), self.body.get("spec")
        self.metadata = meta if isinstance(meta, dict) else {}
        self.spec = spec if isinstance(spec, dict) else {}

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "")

    @cached_property
    def key(self) -> str:
        """`namespace/name`, the way reports name objects (fixed once read)."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @cached_property
    def annotations(self) -> dict[str, str]:
        """The string-valued annotations, read once (objects are not changed after loading).

        A value of another type is left out, never stringified (an aliased value can expand enormously):
        the API server takes only strings, and an Ingress with such a value fails validation instead.
        """
        ann = self.metadata.get("annotations")
        return {str(k): v for k, v in ann.items() if isinstance(v, str)} if isinstance(ann, dict) else {}

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels")
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}

    @cached_property
    def pod_template_labels(self) -> dict[str, str]:
        """Labels of a workload's pod template (Deployment, StatefulSet); empty for other kinds."""
        template = self.spec.get("template")
        meta = template.get("metadata") if isinstance(template, dict) else None
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


@dataclass
class ResourceSet:
    """Everything one run read, grouped by what translation needs.

    Namespaced lookups are keyed by (namespace, name). `ignored` counts other kinds.
    """

    ingresses: list[KubeObject] = field(default_factory=list)
    services: dict[tuple[str, str], KubeObject] = field(default_factory=dict)
    workloads: list[KubeObject] = field(default_factory=list)  # Deployments and StatefulSets
    ingress_classes: dict[str, KubeObject] = field(default_factory=dict)
    namespaces: dict[str, KubeObject] = field(default_factory=dict)
    config_maps: dict[tuple[str, str], KubeObject] = field(default_factory=dict)
    certificates: list[KubeObject] = field(default_factory=list)
    # cert-manager issuers by (kind, namespace, name); a ClusterIssuer has namespace "".
    issuers: dict[tuple[str, str, str], KubeObject] = field(default_factory=dict)
    ignored: Counter[str] = field(default_factory=Counter)
    # Facts learned about the target cluster (cluster mode preflight); empty in file mode.
    cluster_facts: dict[str, Any] = field(default_factory=dict)
    _workload_index: dict[str, list[KubeObject]] | None = field(default=None, repr=False, compare=False)
    _indexed_count: int = field(default=0, repr=False, compare=False)

    def add(self, obj: KubeObject) -> None:
        """File an object under its kind; unknown kinds are only counted."""
        kind = obj.kind
        if kind == "Ingress":
            self.ingresses.append(obj)
        elif kind == "Service":
            self.services[(obj.namespace, obj.name)] = obj
        elif kind in ("Deployment", "StatefulSet"):
            self.workloads.append(obj)
        elif kind == "IngressClass":
            self.ingress_classes[obj.name] = obj
        elif kind == "Namespace":
            self.namespaces[obj.name] = obj
        elif kind == "ConfigMap":
            self.config_maps[(obj.namespace, obj.name)] = obj
        elif kind == "Certificate" and obj.api_version.startswith("cert-manager.io/"):
            self.certificates.append(obj)
        elif kind in ("Issuer", "ClusterIssuer") and obj.api_version.startswith("cert-manager.io/"):
            namespace = obj.namespace if kind == "Issuer" else ""
            self.issuers[(kind, namespace, obj.name)] = obj
        else:
            self.ignored[kind or "(no kind)"] += 1

    def release_workloads(self) -> None:
        """Drop the workloads (and their index) once nothing is left to read them."""
        self.workloads = []
        self._workload_index, self._indexed_count = None, 0

    def release_services(self) -> None:
        """Drop the Services once the behaviour check and the smoke test, their last readers, have run:
        the writers and the reports get the memory."""
        self.services = {}

    def workloads_in(self, namespace: str) -> list[KubeObject]:
        """Deployments and StatefulSets of one namespace (indexed on first use)."""
        if self._workload_index is None or self._indexed_count != len(self.workloads):
            index: dict[str, list[KubeObject]] = {}
            for workload in self.workloads:
                index.setdefault(workload.namespace, []).append(workload)
            self._workload_index, self._indexed_count = index, len(self.workloads)
        return self._workload_index.get(namespace, [])
