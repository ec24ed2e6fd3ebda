"""Where generated VirtualServices (and so their Gateways) live: never in the old controller's namespace.

A host's VirtualService goes to the namespace of its first Ingress. When that is the namespace the old
controller runs in (`ingress-nginx`, or one an IngressClass or the controller's Deployment reveals), deleting
the controller's namespace after the cut-over would delete the migrated routing with it. The VirtualService
then goes to the namespace of the host's first Ingress outside it, else to the gateway namespace.

DestinationRules stay with their Service: they describe it, and go when it goes.
"""

from __future__ import annotations

from kubectl_meshify import classes
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import MeshModel, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet

# How the ingress-nginx controller's pods are recognised: its image, or the binary its chart runs.
CONTROLLER_IMAGE = "ingress-nginx/controller"
CONTROLLER_BINARY = "/nginx-ingress-controller"


def controller_namespaces(model: MeshModel, resources: ResourceSet) -> set[str]:
    """`ingress-nginx`, the namespaces the converted Ingresses' IngressClasses reveal, and those of
    ingress-nginx controller Deployments among the inputs."""
    served = [r for r in model.records.values() if r.status not in (Status.SKIPPED, Status.FAILED)]
    namespaces = classes.controller_namespaces(resources, [classes.resolve(r.obj, resources) for r in served])
    for workload in resources.workloads:
        if _runs_ingress_nginx(workload.spec):
            namespaces.add(workload.namespace)
    return namespaces


def _runs_ingress_nginx(spec: dict[str, object]) -> bool:
    template = spec.get("template")
    pod = template.get("spec") if isinstance(template, dict) else None
    containers = pod.get("containers") if isinstance(pod, dict) else None
    for container in containers if isinstance(containers, list) else []:
        if not isinstance(container, dict):
            continue
        image = str(container.get("image") or "")
        args = container.get("args")
        if CONTROLLER_IMAGE in image or (isinstance(args, list) and CONTROLLER_BINARY in map(str, args)):
            return True
    return False


def place_hosts(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """Move each VirtualService out of the old controller's namespace, with a finding on its Ingresses."""
    if not model.hosts:
        return
    avoided = controller_namespaces(model, resources)
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        if vhost.namespace not in avoided:
            continue
        old = vhost.namespace
        owners = [model.records[key] for key in vhost.ingresses if key in model.records]
        outside = next((r.obj.namespace for r in owners if r.obj.namespace not in avoided), None)
        vhost.namespace = outside or options.gateway_namespace
        why = "the namespace of its first Ingress outside it" if outside else "the gateway namespace"
        for record in owners:
            if record.obj.namespace != old:
                continue
            record.findings.append(
                Finding(
                    code="NAMESPACE_OF_OLD_CONTROLLER",
                    severity=Severity.INFO,
                    verdict=Verdict.EXACT,
                    message=f"Ingress {record.key} is in namespace {old}, where the old ingress controller runs;"
                    f" the VirtualService for host {host} (and its Gateway) goes to namespace"
                    f" {vhost.namespace}, {why}, so that removing the controller's namespace after the"
                    " cut-over does not remove the migrated routing.",
                    ingress=record.key,
                )
            )
