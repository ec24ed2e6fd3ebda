"""CustomResourceDefinition objects for Istio and cert-manager, as their installers create them.

Schemas are left out (the fake server does not validate custom resources); names, scope and
served versions are what discovery and the tool depend on.
"""

from __future__ import annotations

from typing import Any

ISTIO_NETWORKING_KINDS = ("Gateway", "VirtualService", "DestinationRule", "ServiceEntry", "Sidecar")
ISTIO_SECURITY_KINDS = ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication")


def crd(
    group: str,
    kind: str,
    versions: tuple[str, ...],
    plural: str | None = None,
    scope: str = "Namespaced",
    short_names: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    plural = plural or kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "labels": dict(labels or {})},
        "spec": {
            "group": group,
            "names": {
                "plural": plural,
                "singular": kind.lower(),
                "kind": kind,
                "listKind": f"{kind}List",
                "shortNames": list(short_names),
                "categories": ["istio-io"] if group.endswith("istio.io") else [],
            },
            "scope": scope,
            "versions": [
                {
                    "name": v,
                    "served": True,
                    "storage": i == 0,
                    "schema": {
                        "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                    },
                }
                for i, v in enumerate(versions)
            ],
        },
    }


_PLURALS = {
    "Gateway": "gateways",
    "VirtualService": "virtualservices",
    "DestinationRule": "destinationrules",
    "ServiceEntry": "serviceentries",
    "Sidecar": "sidecars",
    "AuthorizationPolicy": "authorizationpolicies",
    "PeerAuthentication": "peerauthentications",
    "RequestAuthentication": "requestauthentications",
    "Certificate": "certificates",
}
_SHORT = {"Gateway": ("gw",), "VirtualService": ("vs",), "DestinationRule": ("dr",), "ServiceEntry": ("se",)}


def istio_crds(
    networking_versions: tuple[str, ...] = ("v1", "v1beta1", "v1alpha3"),
    security_versions: tuple[str, ...] = ("v1", "v1beta1"),
) -> list[dict[str, Any]]:
    """The Istio CRDs of an istioctl/Helm install serving the given versions (storage first)."""
    labels = {"app": "istio-pilot", "release": "istio"}
    out = [
        crd(
            "networking.istio.io",
            k,
            networking_versions,
            _PLURALS[k],
            short_names=_SHORT.get(k, ()),
            labels=labels,
        )
        for k in ISTIO_NETWORKING_KINDS
    ]
    out += [
        crd("security.istio.io", k, security_versions, _PLURALS[k], labels=labels)
        for k in ISTIO_SECURITY_KINDS
    ]
    return out


def cert_manager_crds() -> list[dict[str, Any]]:
    return [
        crd("cert-manager.io", "Certificate", ("v1",), "certificates", short_names=("cert", "certs")),
        crd("cert-manager.io", "Issuer", ("v1",), "issuers"),
        crd("cert-manager.io", "ClusterIssuer", ("v1",), "clusterissuers", scope="Cluster"),
    ]
