"""Only what ingress-nginx or Istio served is converted by default; `--ingress-class` overrides (file mode).

Which controller serves an Ingress (expected outcomes from upstream):
- ingress-nginx reads the `kubernetes.io/ingress.class` annotation before `spec.ingressClassName`, and an
  IngressClass is its own when `spec.controller` is `k8s.io/ingress-nginx` (internal/ingress/controller/store
  `GetIngressClass`, the `--controller-class` default in pkg/flags); class-less Ingresses only with
  `--watch-ingress-without-class`.
- Istio serves class `istio` (annotation), or an IngressClass whose controller is `istio.io/ingress-controller`
  (pilot/pkg/config/kube/ingress/conversion.go `shouldProcessIngressWithClass`, `IstioIngressController`).
- The API server's DefaultIngressClass admission plugin (plugin/pkg/admission/network/defaultingressclass
  `Admit`) sets `spec.ingressClassName` to the default IngressClass only when a class-less Ingress is created.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.test_cli import meshify


def ingress(name: str, namespace: str = "shop", cls: str | None = None, annotation: str | None = None) -> str:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotation:
        meta["annotations"] = {"kubernetes.io/ingress.class": annotation}
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": f"{name}.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ]
    }
    if cls:
        spec["ingressClassName"] = cls
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}
    return "# kept as it is\n" + yaml.safe_dump(doc, sort_keys=False)


def ingress_class(name: str, controller: str, default: bool = False, **annotations: str) -> str:
    meta: dict[str, Any] = {"name": name}
    if default:
        annotations["ingressclass.kubernetes.io/is-default-class"] = "true"
    if annotations:
        meta["annotations"] = annotations
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": meta}
    doc["spec"] = {"controller": controller}
    return yaml.safe_dump(doc, sort_keys=False)


def run(tmp_path: Path, *args: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    report = tmp_path / "report.json"
    result = meshify("file", *args, "--no-verify", "--report-json", str(report))
    assert "Traceback" not in result.stderr
    records = {f"{i['namespace']}/{i['name']}": i for i in json.loads(report.read_text())["ingresses"]}
    return result, records


def codes(record: dict[str, Any]) -> list[str]:
    return [f["code"] for f in record["findings"]]


def test_in_place_changes_only_nginx_and_istio_ingresses(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    files = {
        "classes.yaml": ingress_class("public", "k8s.io/ingress-nginx")
        + "---\n"
        + ingress_class("alb", "ingress.k8s.aws/alb"),
        "nginx.yaml": ingress("web", cls="nginx"),
        "public.yaml": ingress("pub", cls="public"),  # an IngressClass of ingress-nginx's controller
        "istio.yaml": ingress("mesh", annotation="istio"),
        "classless.yaml": ingress("plain"),
        "traefik.yaml": ingress("tr", cls="traefik"),
        "contour.yaml": ingress("co", annotation="contour"),
        "alb.yaml": ingress("aws", cls="alb"),
        # the annotation wins over spec.ingressClassName, as in ingress-nginx and Istio
        "both.yaml": ingress("both", cls="nginx", annotation="haproxy"),
    }
    tree.mkdir()
    for name, text in files.items():
        (tree / name).write_text(text)
    result, records = run(tmp_path, str(tree), "--in-place")
    assert result.returncode == 0, result.stderr
    changed = {name for name, text in files.items() if (tree / name).read_text() != text}
    assert changed == {"nginx.yaml", "public.yaml", "istio.yaml", "classless.yaml"}
    for name, cls in (("tr", "traefik"), ("co", "contour"), ("aws", "alb"), ("both", "haproxy")):
        assert records["shop/" + name]["status"] == "skipped"
        skipped = next(f for f in records["shop/" + name]["findings"] if f["code"] == "INGRESS_CLASS_SKIPPED")
        assert f"class {cls} " in skipped["message"] and f"--ingress-class {cls}" in skipped["action"]
    assert "IngressClass controller ingress.k8s.aws/alb" in records["shop/aws"]["findings"][0]["message"]
    assert "annotation kubernetes.io/ingress.class" in records["shop/both"]["findings"][0]["message"]
    for name in ("web", "pub", "mesh"):
        assert records["shop/" + name][
            "status"
        ] == "converted" and "INGRESS_CLASS_ASSUMED_NGINX" not in codes(records["shop/" + name])
    assert records["shop/plain"]["status"] == "converted"
    assumed = next(f for f in records["shop/plain"]["findings"] if f["code"] == "INGRESS_CLASS_ASSUMED_NGINX")
    assert "no class" in assumed["message"] and "--watch-ingress-without-class" in assumed["message"]
    assert "# kept as it is" in (tree / "nginx.yaml").read_text()  # comments carried over


def test_ingress_class_override(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(
        "---\n".join([ingress("tr", cls="traefik"), ingress("web", cls="nginx"), ingress("plain")])
    )
    result, records = run(tmp_path, str(path), "--ingress-class", "traefik")
    assert result.returncode == 0, result.stderr
    assert records["shop/tr"]["status"] == "converted"
    assumed = next(f for f in records["shop/tr"]["findings"] if f["code"] == "INGRESS_CLASS_ASSUMED_NGINX")
    assert "class traefik" in assumed["message"] and "ingress-nginx semantics assumed" in assumed["message"]
    assert records["shop/web"]["status"] == records["shop/plain"]["status"] == "skipped"
    assert "not among --ingress-class traefik" in records["shop/web"]["findings"][0]["message"]

    result, records = run(tmp_path, str(path), "--ingress-class", "*")
    assert result.returncode == 0, result.stderr
    assert {r["status"] for r in records.values()} == {"converted"}

    result, records = run(tmp_path, str(path), "--ingress-class", "nginx", "--ingress-class", "traefik")
    assert [records["shop/" + n]["status"] for n in ("tr", "web", "plain")] == [
        "converted",
        "converted",
        "skipped",
    ]


def test_default_ingress_class_applies_to_classless_manifests(tmp_path: Path) -> None:
    """A class-less manifest gets the default class when it is applied (DefaultIngressClass `Admit`)."""
    other = tmp_path / "other.yaml"
    other.write_text(
        ingress_class("traefik", "traefik.io/ingress-controller", default=True) + "---\n" + ingress("plain")
    )
    result, records = run(tmp_path, str(other))
    assert result.returncode == 0 and result.stdout == ""
    assert records["shop/plain"]["status"] == "skipped"
    assert "class traefik (the default IngressClass" in records["shop/plain"]["findings"][0]["message"]

    ours = tmp_path / "ours.yaml"
    ours.write_text(
        ingress_class("public", "k8s.io/ingress-nginx", default=True) + "---\n" + ingress("plain")
    )
    result, records = run(tmp_path, str(ours))
    assert result.returncode == 0 and records["shop/plain"]["status"] == "converted"
    assert "INGRESS_CLASS_ASSUMED_NGINX" not in codes(records["shop/plain"])


# --- where generated objects live ----------------------------------------------------------------------


def namespaces_of(stdout: str, kind: str) -> dict[str, str]:
    """VirtualService host → namespace (or Gateway name → namespace)."""
    out = {}
    for doc in yaml.safe_load_all(stdout):
        if doc and doc["kind"] == kind:
            key = doc["spec"]["hosts"][0] if kind == "VirtualService" else doc["metadata"]["name"]
            out[key] = doc["metadata"]["namespace"]
    return out


def test_generated_objects_never_live_in_the_controller_namespace(tmp_path: Path) -> None:
    shared = ingress("web", namespace="ingress-nginx", cls="nginx")
    later = ingress("web", namespace="shop", cls="nginx")  # the same host, from an Ingress outside it
    alone = ingress("status", namespace="ingress-nginx", cls="nginx")
    path = tmp_path / "in.yaml"
    path.write_text("---\n".join([shared, later, alone]))
    result, records = run(tmp_path, str(path), "--gateway-namespace", "gateways")
    assert result.returncode == 0, result.stderr
    services = namespaces_of(result.stdout, "VirtualService")
    assert services == {"web.example.com": "shop", "status.example.com": "gateways"}
    assert "ingress-nginx" not in {d["metadata"]["namespace"] for d in yaml.safe_load_all(result.stdout) if d}
    web = records["ingress-nginx/web"]
    moved = next(f for f in web["findings"] if f["code"] == "NAMESPACE_OF_OLD_CONTROLLER")
    assert "goes to namespace shop, the namespace of its first Ingress outside it" in moved["message"]
    moved = next(
        f for f in records["ingress-nginx/status"]["findings"] if f["code"] == "NAMESPACE_OF_OLD_CONTROLLER"
    )
    assert "goes to namespace gateways, the gateway namespace" in moved["message"]


def test_controller_namespace_from_its_ingress_class_or_deployment(tmp_path: Path) -> None:
    helm = ingress_class("public", "k8s.io/ingress-nginx", **{"meta.helm.sh/release-namespace": "edge"})
    controller = yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "ingress-nginx-controller", "namespace": "lb"},
            "spec": {
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "controller",
                                "image": "registry.k8s.io/ingress-nginx/controller:v1.12.1",
                                "args": ["/nginx-ingress-controller", "--ingress-class=nginx"],
                            }
                        ]
                    },
                },
            },
        }
    )
    docs = [
        helm,
        controller,
        ingress("a", "edge", cls="public"),
        ingress("b", "lb", cls="nginx"),
        ingress("c", "shop"),
    ]
    path = tmp_path / "in.yaml"
    path.write_text("---\n".join(docs))
    result, records = run(tmp_path, str(path))
    assert result.returncode == 0, result.stderr
    assert namespaces_of(result.stdout, "VirtualService") == {
        "a.example.com": "istio-system",
        "b.example.com": "istio-system",
        "c.example.com": "shop",
    }
    assert {
        d["metadata"]["namespace"] for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Gateway"
    } == {
        "istio-system",
        "shop",
    }
    assert "NAMESPACE_OF_OLD_CONTROLLER" in codes(
        records["edge/a"]
    ) and "NAMESPACE_OF_OLD_CONTROLLER" in codes(records["lb/b"])
