"""cert-manager Certificates for the gateway namespace.

A certificate that cert-manager issues next to an Ingress (through ingress-shim's annotations, or a
Certificate of its own) is issued a second time in the gateway namespace, by the same issuer for the same
names, into the secret the Gateway server names. Private keys are never copied: cert-manager makes a new
one there and renews it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.generated import metadata
from kubectl_meshify.resources import KubeObject, ResourceSet

API_VERSION = "cert-manager.io/v1"
GROUP = "cert-manager.io"
INTENT_KEY = "cert-manager"  # IngressSettings.extra key the cert-manager family fills
# ingress-shim's default key usages (cmapi.DefaultKeyUsages).
DEFAULT_USAGES = ["digital signature", "key encipherment"]
# Certificate annotations that mean the same thing in any namespace.
PORTABLE_ANNOTATIONS = (
    "cert-manager.io/issue-temporary-certificate",
    "acme.cert-manager.io/http01-override-ingress-class",
    "venafi.cert-manager.io/custom-fields",
)
# Names the Ingress the HTTP-01 solver edits; that Ingress is not in the gateway namespace.
INGRESS_NAME_OVERRIDE = "acme.cert-manager.io/http01-override-ingress-name"


@dataclass
class IssuanceIntent:
    """What cert-manager's ingress-shim makes of one Ingress's annotations.

    `issuer_ref` is None when cert-manager's default issuer applies (`kubernetes.io/tls-acme`): it is a
    flag of the cert-manager controller and cannot be known from manifests. With `problems`, ingress-shim
    refused the Ingress and created no Certificate.
    """

    trigger: str
    issuer_ref: dict[str, str] | None
    spec: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def issuer_text(ref: dict[str, Any]) -> str:
    """`ClusterIssuer/letsencrypt`, `Issuer/ca` (with the group when it is not cert-manager's)."""
    kind = str(ref.get("kind") or "Issuer")
    group = str(ref.get("group") or GROUP)
    prefix = "" if group == GROUP else f"{group} "
    return f"{prefix}{kind}/{ref.get('name', '')}"


def is_namespaced(ref: dict[str, Any]) -> bool:
    """cert-manager's own Issuer, and external issuers whose kind is not a cluster issuer, are namespaced."""
    return "ClusterIssuer" not in str(ref.get("kind") or "Issuer")


def certificates_by_secret(resources: ResourceSet) -> dict[tuple[str, str], KubeObject]:
    """Input Certificates by the (namespace, secret) they issue; the first one wins."""
    found: dict[tuple[str, str], KubeObject] = {}
    for cert in resources.certificates:
        secret = cert.spec.get("secretName")
        if isinstance(secret, str) and secret:
            found.setdefault((cert.namespace, secret), cert)
    return found


def find_issuer(resources: ResourceSet, ref: dict[str, Any], namespace: str) -> KubeObject | None:
    """The input Issuer/ClusterIssuer `ref` points at from a Certificate in `namespace`."""
    if str(ref.get("group") or GROUP) != GROUP:
        return None
    kind = str(ref.get("kind") or "Issuer")
    scope = namespace if kind == "Issuer" else ""
    return resources.issuers.get((kind, scope, str(ref.get("name", ""))))


def http01_ingress_solvers(issuer: KubeObject) -> list[str] | None:
    """How an ACME issuer solves HTTP-01 through an Ingress (`class nginx`, ...); None if it is not ACME.

    An empty list: ACME, but no HTTP-01 solver that goes through an Ingress (DNS-01, Gateway API).
    """
    acme = issuer.spec.get("acme")
    if not isinstance(acme, dict):
        return None
    found: list[str] = []
    for solver in acme.get("solvers") or []:
        http01 = solver.get("http01") if isinstance(solver, dict) else None
        ingress = http01.get("ingress") if isinstance(http01, dict) else None
        if not isinstance(ingress, dict):
            continue
        for key, label in (("ingressClassName", "ingressClassName"), ("class", "class"), ("name", "name")):
            if ingress.get(key):
                found.append(f"{label} {ingress[key]}")
                break
        else:
            found.append("the default ingress class")
    return found


def from_intent(
    intent: IssuanceIntent, name: str, namespace: str, dns_names: list[str], ingresses: list[str]
) -> dict[str, Any]:
    """The Certificate ingress-shim would have made, named and placed for the gateway."""
    assert intent.issuer_ref is not None
    spec: dict[str, Any] = {
        "secretName": name,
        "dnsNames": list(dns_names),
        "issuerRef": dict(intent.issuer_ref),
        "usages": list(DEFAULT_USAGES),
    }
    spec.update(copy.deepcopy(intent.spec))
    return _certificate(name, namespace, ingresses, spec, dict(intent.annotations))


def from_certificate(
    source: KubeObject, name: str, namespace: str, ingresses: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """A copy of an input Certificate for the gateway namespace; also the annotations left behind."""
    spec = copy.deepcopy(source.spec)
    spec["secretName"] = name
    kept = {k: v for k, v in source.annotations.items() if k in PORTABLE_ANNOTATIONS}
    dropped = sorted(k for k in source.annotations if k == INGRESS_NAME_OVERRIDE)
    manifest = _certificate(name, namespace, ingresses, spec, kept)
    return manifest, dropped


def _certificate(
    name: str, namespace: str, ingresses: list[str], spec: dict[str, Any], annotations: dict[str, str]
) -> dict[str, Any]:
    meta = metadata(name, namespace, ingresses)
    meta["annotations"].update(sorted(annotations.items()))
    first = ["secretName", "dnsNames", "issuerRef"]
    ordered: dict[str, Any] = {key: spec[key] for key in first if key in spec}
    ordered.update((key, spec[key]) for key in sorted(spec) if key not in ordered)
    return {"apiVersion": API_VERSION, "kind": "Certificate", "metadata": meta, "spec": ordered}
