"""The cut-over runbook that ends every report (issue: order of steps, exact commands for this input, rollback
at each step; the Ingresses are never touched before the last steps)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.smoke.conftest import meshify

APPS = Path(__file__).parent / "data" / "apps.yaml"
# A per-client rate limit has no Istio equivalent (unsupported): this Ingress is converted only partially.
CART = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cart
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/limit-rps: "5"
spec:
  ingressClassName: nginx
  rules:
  - host: cart.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: cart, port: {number: 80}}}
"""
# The steps the issue lists, in its order.
ISSUE_ORDER = [
    "Certificates and secrets in the gateway namespace",
    "Apply the Istio objects, with route tracing, while the Ingresses stay",
    "Smoke test against the live Istio gateway",
    "Move DNS or the load balancer to the Istio gateway",
    "Watch",
    "Delete the Ingresses",
    "Retire ingress-nginx",
]


def test_runbook_for_a_gitops_tree(tmp_path: Path) -> None:
    tree = tmp_path / "manifests"
    tree.mkdir()
    shutil.copy(APPS, tree / "apps.yaml")
    (tree / "cart.yaml").write_text(CART)
    out = tmp_path / "out"
    result = meshify("file", str(tree), "--out-dir", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "report.json").read_text())
    assert data["smoke"] is None
    statuses = {f"{i['namespace']}/{i['name']}": i["status"] for i in data["ingresses"]}
    assert statuses["shop/cart"] == "partial"
    steps = data["cutover"]["steps"]
    titles = [s["title"] for s in steps]
    assert [t for t in titles if t in ISSUE_ORDER] == ISSUE_ORDER
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert all(s["rollback"] for s in steps)
    by_title = {s["title"]: s for s in steps}

    apply = by_title[ISSUE_ORDER[1]]
    assert apply["commands"] == [
        f"kubectl meshify file {tree} --trace-routes | kubectl apply --server-side --field-manager=kubectl-meshify -f -"
    ]
    assert "a sync that prunes would delete them" in apply["why"]  # the written files hold no Ingress
    assert "kubectl delete -n shop gateway/" in apply["rollback"]

    smoke = by_title[ISSUE_ORDER[2]]["commands"]
    assert smoke[0].startswith("GATEWAY=$(kubectl get svc -n istio-system istio-ingressgateway")
    assert smoke[1] == (
        f"kubectl meshify file {tree} --trace-routes --smoke http://$GATEWAY --smoke-https https://$GATEWAY > /dev/null"
    )
    assert "shop.example.com" in by_title[ISSUE_ORDER[3]]["commands"][0]

    delete = by_title["Delete the Ingresses"]
    assert delete["commands"][1:] == [
        "kubectl delete ingress -n blog blog blog-canary old",
        "kubectl delete ingress -n shop web",
    ]
    assert delete["commands"][0].endswith("> ingresses-backup.yaml")
    assert "shop/cart" in delete["why"]  # partial: left out, to review
    # Nothing before that step touches an Ingress.
    before = steps[: titles.index("Delete the Ingresses")]
    assert not any("delete ingress" in c for s in before for c in s["commands"])

    markdown = (out / "report.md").read_text()
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert sections[-2:] == ["## Smoke test", "## Cut-over runbook"]
    assert "kubectl delete ingress -n shop web" in markdown


def test_runbook_keeps_the_options_that_shape_the_conversion(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = meshify(
        "file", str(APPS), "--gateway-namespace", "edge", "--report-json", str(report), "--keep-ingress",
        "--out-dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    steps = json.loads(report.read_text())["cutover"]["steps"]
    apply = steps[1]
    assert apply["commands"] == [
        f"kubectl meshify file {APPS} --gateway-namespace edge --trace-routes"
        " | kubectl apply --server-side --field-manager=kubectl-meshify -f -"
    ]
    assert "prunes" not in apply["why"]  # --keep-ingress: the files still hold the Ingresses
    assert steps[2]["commands"][0].startswith("GATEWAY=$(kubectl get svc -n edge istio-ingressgateway")
