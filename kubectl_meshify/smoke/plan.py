"""What to send and what to expect: the behaviour check's probes, each with the outcome the emitted Istio
configuration gives it (the Istio model of `verify/`, which the check compared with the source controller)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_meshify.model import IngressRecord, Semantics, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.smoke.send import ROUTE_HEADER
from kubectl_meshify.verify.ingress import IngressDoc, ingress_doc, refused_at_admission
from kubectl_meshify.verify.istio_model import IstioModel, IstioSettings
from kubectl_meshify.verify.probes import ProbeKey, build_context, keyed_probes
from kubectl_meshify.verify.request import Outcome, Probe, ServiceIndex


@dataclass(frozen=True)
class PlannedProbe:
    """One request and what the live gateway should answer."""

    probe: Probe
    ingresses: tuple[str, ...]  # the converted Ingresses whose probes these are
    expected: Outcome
    # With --trace-routes: the x-meshify-route values that may answer (one route; never empty then).
    routes: tuple[str, ...] = ()


def plan(
    records: Sequence[IngressRecord],
    resources: ResourceSet,
    objects: Sequence[Mapping[str, Any]],
    options: Options,
) -> list[PlannedProbe]:
    """Every probe of the converted and partial Ingresses, deduplicated, in the check's order."""
    prefix = options.nginx_prefix
    served = [r for r in records if r.status not in (Status.SKIPPED, Status.FAILED)]
    docs: list[tuple[IngressRecord, IngressDoc]] = []
    for position, record in enumerate(served):
        doc = ingress_doc(record.obj, options.default_namespace, position)
        if not refused_at_admission(doc, nginx_class=record.semantics is not Semantics.ISTIO):
            docs.append((record, doc))
    nginx_docs = [d for r, d in docs if r.semantics is not Semantics.ISTIO]
    istio_tls = (h for r, d in docs if r.semantics is Semantics.ISTIO for h in d.tls_hosts())
    context = build_context(nginx_docs, prefix, istio_tls)
    requests: dict[ProbeKey, tuple[Probe, list[str]]] = {}
    for record, doc in docs:
        if record.status not in (Status.CONVERTED, Status.PARTIAL):
            continue
        for key, probe in keyed_probes(doc, context, prefix).items():
            requests.setdefault(key, (probe, []))[1].append(doc.key)
    bodies: list[Mapping[str, Any]] = [service.body for service in resources.services.values()]
    model = IstioModel(objects, ServiceIndex(bodies), IstioSettings(cluster_domain=options.cluster_domain))
    names = route_names(objects) if options.trace_routes else {}
    out = []
    for probe, ingresses in requests.values():
        expected = model.evaluate(probe)
        routes = tuple(names[t] for t in expected.trace if t in names)
        out.append(PlannedProbe(probe, tuple(ingresses), expected, routes))
    return out


def route_names(objects: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(VirtualService `ns/name`, `http[i]`) as the Istio model traces a route → its x-meshify-route value,
    read from the header the emitted route sets."""
    names: dict[tuple[str, str], str] = {}
    for obj in objects:
        if obj.get("kind") != "VirtualService":
            continue
        meta = obj.get("metadata") or {}
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"
        for i, route in enumerate((obj.get("spec") or {}).get("http") or ()):
            value = (((route.get("headers") or {}).get("response") or {}).get("set") or {}).get(ROUTE_HEADER)
            if value:
                names[(key, f"http[{i}]")] = str(value)
    return names
