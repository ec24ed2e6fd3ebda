"""Objects the cluster tests seed: an Istio install, a gateway workload, apps with Ingresses."""

from __future__ import annotations

from typing import Any

from fakeapi.control import FakeApi
from fakeapi.crds import cert_manager_crds, istio_crds


def ingress(
    namespace: str,
    name: str,
    host: str,
    service: str = "web",
    tls_secret: str | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": service, "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    }
    if tls_secret:
        spec["tls"] = [{"hosts": [host], "secretName": tls_secret}]
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def service(namespace: str, name: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    }


def deployment(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]},
            },
        },
    }


def secret(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"tls.crt": "Q0VSVElGSUNBVEU=", "tls.key": "UFJJVkFURSBLRVk="},
    }


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def install_istio(
    fake: FakeApi,
    versions: tuple[str, ...] = ("v1", "v1beta1", "v1alpha3"),
    gateway_label: str | None = "ingressgateway",
    gateway_namespace: str = "istio-system",
    cert_manager: bool = False,
) -> None:
    """Istio's CRDs, and its ingress gateway Deployment as istioctl (or Helm, `ingress`) installs it."""
    objects = istio_crds(networking_versions=versions) + (cert_manager_crds() if cert_manager else [])
    if gateway_label:
        name = "istio-ingressgateway" if gateway_label == "ingressgateway" else "istio-ingress"
        objects.append(
            deployment(gateway_namespace, name, {"app": name, "istio": gateway_label}),
        )
    fake.seed(objects)


def shop(fake: FakeApi, namespace_name: str = "shop", tls: bool = False) -> None:
    """One app: Service, Deployment, and an nginx Ingress for web.<ns>.example.com."""
    host = f"web.{namespace_name}.example.com"
    fake.seed(
        [
            service(namespace_name),
            deployment(namespace_name, "web-v1", {"app": "web", "version": "v1"}),
            ingress(namespace_name, "web", host, tls_secret="web-tls" if tls else None),
        ]
    )
