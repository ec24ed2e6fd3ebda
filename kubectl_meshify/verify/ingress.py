"""Reading Ingress objects the way both source controllers do: order, class, paths, backends."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ISTIO_CONTROLLER = "istio.io/ingress-controller"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


# Not frozen (nothing assigns to it after `ingress_doc`): a frozen dataclass initialises each
# field through object.__setattr__, and every Ingress is read into one.
@dataclass(eq=False, slots=True)
class IngressDoc:
    """An Ingress body with the fields the models read, computed once."""

    body: Mapping[str, Any]
    namespace: str
    name: str
    created: str  # RFC 3339 creationTimestamp, "" when absent (sorts first, like Go's zero time)
    index: int = 0  # position in the input
    key: str = ""  # namespace/name
    annotations: Mapping[str, str] = field(default_factory=dict)
    spec: Mapping[str, Any] = field(default_factory=dict)
    rule_list: tuple[Mapping[str, Any], ...] = ()
    # What several readers derive from the body, derived once (the models and the probes all ask).
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def rules(self) -> tuple[Mapping[str, Any], ...]:
        return self.rule_list

    def default_backend(self) -> Any:
        return self.spec.get("defaultBackend") or self.spec.get("backend")  # `backend` in v1beta1

    def tls(self) -> list[Mapping[str, Any]]:
        """The `spec.tls` entries (read-only: it is shared)."""
        found = self._derived.get("tls")
        if found is None:
            found = self._derived["tls"] = [t for t in self.spec.get("tls") or [] if isinstance(t, dict)]
        return found

    def tls_hosts(self) -> frozenset[str]:
        """Hosts listed in `spec.tls` with a secret (lower-case)."""
        found = self._derived.get("tls_hosts")
        if found is None:
            found = self._derived["tls_hosts"] = frozenset(
                str(h).lower() for t in self.tls() if t.get("secretName") for h in t.get("hosts") or []
            )
        return found

    def controller_annotations(self, prefix: str) -> Mapping[str, str]:
        """The annotations named `<prefix><key>`, by key (read-only: it is shared)."""
        found = self._derived.get("annotations:" + prefix)
        if found is None:
            found = self._derived["annotations:" + prefix] = {
                k[len(prefix) :]: v for k, v in self.annotations.items() if k.startswith(prefix)
            }
        return found


def ingress_doc(obj: Any, default_namespace: str = "default", index: int = 0) -> IngressDoc:
    """Accept a plain dict or anything with a `.body` dict (a KubeObject)."""
    body = obj.body if hasattr(obj, "body") else obj
    meta = body.get("metadata") or {}
    namespace = str(meta.get("namespace") or default_namespace)
    name = str(meta.get("name") or "")
    ann = meta.get("annotations") or {}
    spec = body.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    return IngressDoc(
        body=body,
        namespace=namespace,
        name=name,
        created=str(meta.get("creationTimestamp") or ""),
        index=index,
        key=f"{namespace}/{name}",
        annotations={str(k): "" if v is None else str(v) for k, v in ann.items()}
        if isinstance(ann, dict)
        else {},
        spec=spec,
        rule_list=tuple([r for r in spec.get("rules") or () if isinstance(r, dict)]),
    )


def nginx_order(docs: Iterable[IngressDoc]) -> list[IngressDoc]:
    """ingress-nginx's order: creationTimestamp ascending; equal timestamps by `namespace/name`
    *descending* (store.sortIngressSlice compares `in > jn`).

    Ingresses read from files carry no timestamp: their creation order is unknown, so they keep
    the input order (the order `kubectl apply` creates them in), the translator's assumption too.
    """
    by_name = sorted(docs, key=lambda d: d.key, reverse=True)
    return sorted(by_name, key=lambda d: (d.created, 0 if d.created else d.index))


def istio_order(docs: Iterable[IngressDoc]) -> list[IngressDoc]:
    """Istio's order: creationTimestamp, then name, then namespace (all ascending)."""
    return sorted(docs, key=lambda d: (d.created, d.name, d.namespace))


def is_istio_class(doc: IngressDoc, ingress_classes: Mapping[str, Mapping[str, Any]]) -> bool:
    """Istio's own class filter (STRICT mode, ingressClass `istio`), see istio-semantics.md §2.1."""
    annotation = doc.annotations.get(CLASS_ANNOTATION)
    if annotation is not None:
        return annotation == "istio"
    class_name = doc.spec.get("ingressClassName")
    if not class_name:
        return False
    cls = ingress_classes.get(str(class_name))
    if cls is None:
        return str(class_name) == "istio"
    return str((cls.get("spec") or {}).get("controller") or "") == ISTIO_CONTROLLER


def backend_service(backend: Any) -> tuple[str, int | str] | None:
    """(service name, port number or name) of an Ingress backend, or None for other backends."""
    if not isinstance(backend, dict):
        return None
    if backend.get("serviceName"):  # extensions/v1beta1 and networking.k8s.io/v1beta1
        port_ref = backend.get("servicePort")
        if isinstance(port_ref, int) or (isinstance(port_ref, str) and port_ref.isdigit()):
            return str(backend["serviceName"]), int(port_ref)
        return str(backend["serviceName"]), str(port_ref or "")
    service = backend.get("service")
    if not isinstance(service, dict):
        return None
    name = service.get("name")
    if not name:
        return None
    port = service.get("port") or {}
    if isinstance(port, dict):
        number = port.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            return str(name), number
        port_name = port.get("name")
        if port_name:
            return str(name), str(port_name)
    return None


def http_paths(rule: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The paths of a rule, or None when the rule has no `http` block."""
    http = rule.get("http")
    if not isinstance(http, dict):
        return None
    return [p for p in http.get("paths") or [] if isinstance(p, dict)]


# What the API server stores (kubernetes pkg/apis/networking/validation `validateIngressRules`,
# `validateHTTPIngressPath`) and what ingress-nginx's admission webhook lets through for its own class
# (`inspector.ValidatePathType` under strict-validate-path-type). An Ingress either refuses was never
# served by anyone: the models leave it out, so a conversion that routes it shows as a difference.
_STORED_HOST = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_IPV4 = re.compile(r"[0-9.]+")
_NGINX_PATH = re.compile(r"/[A-Za-z0-9._\-/]*")


def refused_at_admission(doc: IngressDoc, nginx_class: bool) -> bool:
    """Whether the API server, or (`nginx_class`) ingress-nginx's webhook, refuses this Ingress."""
    for rule in doc.rules():
        host = rule.get("host")
        if host and (
            not isinstance(host, str)
            or len(host) > 253
            or not _STORED_HOST.fullmatch(host)
            or _IPV4.fullmatch(host) is not None
        ):
            return True
        for path in http_paths(rule) or []:
            value, kind = path.get("path") or "", path.get("pathType")
            if kind not in ("Exact", "Prefix"):
                if value and not str(value).startswith("/"):
                    return True
                continue
            value = str(value)
            if not value.startswith("/") or any(s in value for s in ("//", "/./", "/../", "%2f", "%2F")):
                return True
            if value.endswith(("/..", "/.")) or (nginx_class and not _NGINX_PATH.fullmatch(value)):
                return True
    return False
