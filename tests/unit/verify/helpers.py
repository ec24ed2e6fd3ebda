"""Small helpers for the verification tests: YAML in, probes and outcomes out."""

from __future__ import annotations

from typing import Any

import yaml

from kubectl_meshify.verify.ingress import ingress_doc
from kubectl_meshify.verify.istio_model import IstioModel, IstioSettings
from kubectl_meshify.verify.nginx_model import NginxModel, NginxSettings
from kubectl_meshify.verify.request import Outcome, Probe, ServiceIndex


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def request(url: str, **headers: str) -> Probe:
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return Probe(
        scheme, host, slash + path, tuple((k.replace("_", "-").lower(), v) for k, v in headers.items())
    )


def services(text: str = "") -> ServiceIndex:
    return ServiceIndex([d for d in docs(text) if d.get("kind") == "Service"])


def nginx(text: str, **settings: Any) -> NginxModel:
    objects = docs(text)
    ingresses = [
        ingress_doc(d, index=i) for i, d in enumerate(o for o in objects if o.get("kind") == "Ingress")
    ]
    index = ServiceIndex([d for d in objects if d.get("kind") == "Service"])
    return NginxModel(ingresses, index, NginxSettings(**settings))


def istio(text: str, service_text: str = "", **settings: Any) -> IstioModel:
    objects = docs(text)
    index = ServiceIndex([d for d in objects + docs(service_text) if d.get("kind") == "Service"])
    return IstioModel(objects, index, IstioSettings(**settings))


def where(outcome: Outcome, probe: Probe | None = None) -> str:
    """A compact, comparable summary of an outcome for expectation tables."""
    if outcome.kind == "proxy":
        split = ",".join(d.label + (f"*{d.weight}" if len(outcome.dests) > 1 else "") for d in outcome.dests)
        text = f"{split} {outcome.path}"
        if probe is not None and outcome.host != probe.host:
            text += f" host={outcome.host}"
        text += "".join(f" {k}={v}" for k, v in outcome.headers)
        return text
    if outcome.kind == "passthrough":
        return "tls " + ",".join(d.label for d in outcome.dests)
    if outcome.kind == "redirect":
        return f"{outcome.status} {outcome.location}"
    if outcome.kind == "status":
        return str(outcome.status)
    return outcome.kind


def route(model: NginxModel | IstioModel, url: str, **headers: str) -> str:
    probe = request(url, **headers)
    return where(model.evaluate(probe), probe)
