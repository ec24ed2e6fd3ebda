"""Which controller served an Ingress, from its class, and whether this run converts it.

By default only what ingress-nginx or Istio served is converted: class `nginx` or `istio` (the
`kubernetes.io/ingress.class` annotation, which both controllers read before `spec.ingressClassName`), or an
IngressClass whose `spec.controller` is `k8s.io/ingress-nginx` or `istio.io/ingress-controller`. An
Ingress without a class is assumed to be ingress-nginx's (what it serves with `--watch-ingress-without-class`).
Any other class belongs to another controller (contour, traefik, alb, gce, haproxy, kong, ...) and is left
alone. `--ingress-class NAME` (repeatable, `*` for all) replaces that choice.

The default IngressClass (`ingressclass.kubernetes.io/is-default-class: "true"`) matters only for manifests:
the API server's DefaultIngressClass admission plugin writes its name into `spec.ingressClassName` when a
class-less Ingress is created, so a class-less manifest applied next to it gets that class. A class-less
Ingress read from a cluster was created without one (the plugin does not touch stored objects), so the
default class does not name its controller.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_meshify.resources import KubeObject, ResourceSet

NGINX_CONTROLLER = "k8s.io/ingress-nginx"
ISTIO_CONTROLLER = "istio.io/ingress-controller"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
ALL_CLASSES = "*"

NGINX, ISTIO, OTHER = "nginx", "istio", "other"


@dataclass(frozen=True)
class IngressClassInfo:
    """The class of one Ingress and what it tells about the controller that served it."""

    name: str | None  # None: the Ingress has no class
    controller: str | None  # spec.controller of its IngressClass, when that is among the inputs
    how: str  # where the class came from, for findings
    served_by: str  # NGINX, ISTIO or OTHER
    default_ignored: str | None = None  # a default IngressClass that does not apply (cluster objects)

    def describe(self) -> str:
        """`class traefik (spec.ingressClassName; IngressClass controller traefik.io/ingress-controller)`."""
        if self.name is None:
            return "no class"
        controller = f"; IngressClass controller {self.controller}" if self.controller else ""
        return f"class {self.name} ({self.how}{controller})"


def resolve(obj: KubeObject, resources: ResourceSet) -> IngressClassInfo:
    """The class of `obj`: the annotation, else spec.ingressClassName, else (manifests) the default class."""
    annotated = obj.annotations.get(CLASS_ANNOTATION)
    spec_name = obj.spec.get("ingressClassName")
    if annotated:
        return _named(annotated, f"annotation {CLASS_ANNOTATION}", resources)
    if isinstance(spec_name, str) and spec_name:
        return _named(spec_name, "spec.ingressClassName", resources)
    default = next(
        (
            c
            for c in resources.ingress_classes.values()
            if c.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"
        ),
        None,
    )
    if default is not None and obj.origin.path is not None:
        return _named(default.name, "the default IngressClass, set when the manifest is applied", resources)
    return IngressClassInfo(None, None, "no class set", NGINX, default.name if default is not None else None)


def _named(name: str, how: str, resources: ResourceSet) -> IngressClassInfo:
    cls = resources.ingress_classes.get(name)
    controller = cls.spec.get("controller") if cls is not None else None
    if isinstance(controller, str) and controller:
        served_by = {NGINX_CONTROLLER: NGINX, ISTIO_CONTROLLER: ISTIO}.get(controller, OTHER)
        return IngressClassInfo(name, controller, how, served_by)
    return IngressClassInfo(name, None, how, {"nginx": NGINX, "istio": ISTIO}.get(name, OTHER))


def selected(info: IngressClassInfo, wanted: list[str]) -> bool:
    """Whether this run converts an Ingress of this class (`wanted`: the --ingress-class values)."""
    if not wanted:
        return info.served_by != OTHER
    return ALL_CLASSES in wanted or (info.name is not None and info.name in wanted)


def controller_namespaces(resources: ResourceSet, classes: list[IngressClassInfo]) -> set[str]:
    """Namespaces the old controllers run in: `ingress-nginx`, and those their IngressClasses reveal.

    An IngressClass tells it through a namespaced `spec.parameters` reference, or through Helm's
    `meta.helm.sh/release-namespace` annotation (Helm puts it on every object of a release). The classes
    considered are ingress-nginx's and those of `classes` (the converted Ingresses), except Istio's:
    Istio keeps running after the migration.
    """
    namespaces = {"ingress-nginx"}
    names = {c.name for c in classes if c.name is not None and c.served_by != ISTIO}
    for cls in resources.ingress_classes.values():
        controller = cls.spec.get("controller")
        if controller == ISTIO_CONTROLLER or (controller != NGINX_CONTROLLER and cls.name not in names):
            continue
        parameters = cls.spec.get("parameters")
        if (
            isinstance(parameters, dict)
            and parameters.get("scope") == "Namespace"
            and parameters.get("namespace")
        ):
            namespaces.add(str(parameters["namespace"]))
        release = cls.annotations.get("meta.helm.sh/release-namespace")
        if release:
            namespaces.add(release)
    return namespaces
