"""Controller classes and where generated objects live, in cluster mode against the fake API server.

The cluster source lists IngressClasses (docs/rbac.md); the expected outcomes are those of
tests/test_ingress_class.py (ingress-nginx's `GetIngressClass`, Istio's `shouldProcessIngressWithClass`,
the DefaultIngressClass admission plugin's `Admit`, which acts only when an Ingress is created).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clusterdata import ingress, install_istio, namespace, service
from fakeapi.control import FakeApi
from test_cluster_cli import documents, meshify, writes


def ingress_class(name: str, controller: str, default: bool = False, **annotations: str) -> dict[str, Any]:
    if default:
        annotations["ingressclass.kubernetes.io/is-default-class"] = "true"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"controller": controller},
    }


def with_class(doc: dict[str, Any], cls: str | None) -> dict[str, Any]:
    if cls is None:
        doc["spec"].pop("ingressClassName")
    else:
        doc["spec"]["ingressClassName"] = cls
    return doc


def review(kubeconfig: Path, tmp_path: Path, *args: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    report = tmp_path / "report.json"
    result = meshify(*args, "--kubeconfig", str(kubeconfig), "--report-json", str(report), home=tmp_path)
    assert "Traceback" not in result.stderr
    data = json.loads(report.read_text())
    return result, {f"{i['namespace']}/{i['name']}": i for i in data["ingresses"]}


@pytest.fixture
def classes(fake: FakeApi) -> FakeApi:
    install_istio(fake)
    fake.seed(
        [
            namespace("shop"),
            service("shop"),
            ingress_class("nginx", "k8s.io/ingress-nginx"),
            ingress_class("traefik", "traefik.io/ingress-controller", default=True),
            ingress_class("mesh", "istio.io/ingress-controller"),
            ingress("shop", "web", "web.shop.example.com"),
            with_class(ingress("shop", "tr", "tr.shop.example.com"), "traefik"),
            with_class(ingress("shop", "gw", "gw.shop.example.com"), "mesh"),
            with_class(ingress("shop", "plain", "plain.shop.example.com"), None),
        ]
    )
    return fake


def test_ns_converts_only_nginx_and_istio_classes(classes: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    result, records = review(kubeconfig, tmp_path, "ns", "shop")
    assert result.returncode == 0, result.stderr
    hosts = sorted(
        h for d in documents(result.stdout) if d["kind"] == "VirtualService" for h in d["spec"]["hosts"]
    )
    assert hosts == ["gw.shop.example.com", "plain.shop.example.com", "web.shop.example.com"]
    assert records["shop/tr"]["status"] == "skipped"
    skipped = records["shop/tr"]["findings"][0]
    assert skipped["code"] == "INGRESS_CLASS_SKIPPED"
    assert (
        "class traefik (spec.ingressClassName; IngressClass controller traefik.io/ingress-controller)"
        in (skipped["message"])
    )
    # A live class-less Ingress was created without a class: the default class does not apply to it.
    assumed = next(f for f in records["shop/plain"]["findings"] if f["code"] == "INGRESS_CLASS_ASSUMED_NGINX")
    assert "default IngressClass traefik does not name its controller" in assumed["message"]
    assert writes(classes) == []


def test_ns_with_ingress_class_override(classes: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    result, records = review(kubeconfig, tmp_path, "ns", "shop", "--ingress-class", "traefik")
    assert result.returncode == 0, result.stderr
    assert [k for k, r in records.items() if r["status"] == "converted"] == ["shop/tr"]
    assert "INGRESS_CLASS_ASSUMED_NGINX" in [f["code"] for f in records["shop/tr"]["findings"]]


def test_all_keeps_objects_out_of_the_controller_namespaces(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    install_istio(fake)
    fake.seed(
        [
            namespace("ingress-nginx"),
            namespace("edge"),
            namespace("shop"),
            service("shop"),
            # Helm labels every object of a release with its namespace.
            ingress_class("public", "k8s.io/ingress-nginx", **{"meta.helm.sh/release-namespace": "edge"}),
            ingress("ingress-nginx", "status", "status.example.com"),
            with_class(ingress("edge", "web", "edge.example.com"), "public"),
            ingress("shop", "web", "web.example.com"),
        ]
    )
    result, records = review(kubeconfig, tmp_path, "all")
    assert result.returncode == 0, result.stderr
    placed = {
        d["spec"]["hosts"][0]: d["metadata"]["namespace"]
        for d in documents(result.stdout)
        if d["kind"] == "VirtualService"
    }
    assert placed == {
        "status.example.com": "istio-system",
        "edge.example.com": "istio-system",
        "web.example.com": "shop",
    }
    namespaces = {
        d["metadata"]["namespace"] for d in documents(result.stdout) if d["kind"] != "DestinationRule"
    }
    assert not namespaces & {"ingress-nginx", "edge"}
    for key in ("ingress-nginx/status", "edge/web"):
        assert "NAMESPACE_OF_OLD_CONTROLLER" in [f["code"] for f in records[key]["findings"]]
