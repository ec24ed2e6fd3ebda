"""Ingress backends → Service destinations, as ingress-nginx resolved them.

Shared by the core translation (path and default backends, translate.py) and the canary family (canary
backends), so that families need not import the translator.
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import Destination, IngressRecord
from kubectl_meshify.options import Options
from kubectl_meshify.resources import KubeObject, ResourceSet

# The host of a rule without one, and of spec.defaultBackend.
CATCH_ALL_HOST = "*"


def resolve_backend(
    record: IngressRecord, backend: dict[str, Any], where: str, resources: ResourceSet, options: Options
) -> Destination | None:
    """An Ingress backend → its Service destination; named ports go through the Service. None when not
    routable. Findings about the backend go to `record`."""
    namespace = record.obj.namespace
    if "resource" in backend:
        kind = (backend.get("resource") or {}).get("kind", "resource")
        record.findings.append(
            _finding(
                "BACKEND_RESOURCE",
                Severity.ERROR,
                Verdict.UNSUPPORTED,
                record.key,
                f"{where} points at a {kind} resource backend; Istio routes only to Services, so this"
                " path is not converted.",
                "Serve the content from a Service and point the path at it.",
            )
        )
        return None
    if "serviceName" in backend:
        name, port_ref = str(backend["serviceName"]), backend.get("servicePort")
        port_spec: dict[str, Any] = (
            {"number": port_ref} if isinstance(port_ref, int) else {"name": str(port_ref)}
        )
        if isinstance(port_ref, str) and port_ref.isdigit():
            port_spec = {"number": int(port_ref)}
    else:
        name, port_spec = str(backend["service"]["name"]), dict(backend["service"]["port"])
    service = resources.services.get((namespace, name))
    if "number" in port_spec:
        number = int(port_spec["number"])
        if service is not None and not _service_has_port(service, number):
            record.findings.append(
                _finding(
                    "BACKEND_PORT_NOT_IN_SERVICE",
                    Severity.WARNING,
                    Verdict.EXACT,
                    record.key,
                    f"{where}: Service {namespace}/{name} has no port {number}; ingress-nginx answered 503"
                    " and the Istio gateway will too.",
                    "Fix the port number in the Ingress or the Service.",
                )
            )
        return Destination(name, namespace, number)
    port_name = str(port_spec.get("name"))
    if service is not None:
        for port in service.spec.get("ports") or []:
            if isinstance(port, dict) and port.get("name") == port_name and isinstance(port.get("port"), int):
                return Destination(name, namespace, int(port["port"]))
        detail = f"Service {namespace}/{name} has no port named {port_name}"
    else:
        detail = f"Service {namespace}/{name} is not among the inputs, so port {port_name} cannot be resolved"
    record.findings.append(
        _finding(
            "BACKEND_NAMED_PORT_UNRESOLVED",
            Severity.WARNING,
            Verdict.APPROXIMATED,
            record.key,
            f"{where}: {detail}; the destination is written without a port, which Istio accepts only"
            " when the Service has a single port.",
            f"Add the Service {namespace}/{name} to the inputs, or use a port number in the Ingress.",
        )
    )
    return Destination(name, namespace, None)


def _service_has_port(service: KubeObject, number: int) -> bool:
    return any(isinstance(p, dict) and p.get("port") == number for p in service.spec.get("ports") or [])


def _finding(
    code: str,
    severity: Severity,
    verdict: Verdict,
    ingress: str,
    message: str,
    action: str | None = None,
) -> Finding:
    return Finding(
        code=code, severity=severity, verdict=verdict, message=message, action=action, ingress=ingress
    )
