"""GitOps mode: every converted Ingress is replaced, also one that converts to no objects.

The case is a canary Ingress without a primary location of the same host and path. ingress-nginx merges a
canary into the primary's upstream and deletes a canary backend it cannot match ("If no match is found, then
the serverless backend is deleted": ingress-nginx internal/ingress/controller/controller.go,
`mergeAlternativeBackends`), so it never sent traffic to it. The conversion makes nothing from it; its
document must still leave the tree (comments and a pointer to the report stay), while a failed Ingress stays.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.test_gitops import meshify

PRIMARY = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""
ORPHAN_CANARY = """\
# the canary for the new search service
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: search-canary
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"  # enabled during the trial
    nginx.ingress.kubernetes.io/canary-weight: "10"
spec:
  ingressClassName: nginx
  rules:
    - host: search.example.com  # no primary Ingress serves this host
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: search-v2
                port:
                  number: 80
"""
FAILED = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: broken
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
    - host: broken.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: not-a-port
"""


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "k8s"
    (src / "apps").mkdir(parents=True)
    (src / "apps" / "shop.yaml").write_text(PRIMARY + "---\n" + ORPHAN_CANARY + "---\n" + FAILED)
    return src


def _ingress_names(text: str) -> list[str]:
    return [d["metadata"]["name"] for d in yaml.safe_load_all(text) if d and d.get("kind") == "Ingress"]


def test_an_ingress_that_converts_to_nothing_is_replaced_by_its_comments_and_a_pointer(
    tmp_path: Path,
) -> None:
    src = _tree(tmp_path)
    out = tmp_path / "out"
    run = meshify("file", str(src), "--out-dir", str(out), cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the failed Ingress
    report = json.loads((out / "report.json").read_text())
    statuses = {i["name"]: (i["status"], i["resources"]) for i in report["ingresses"]}
    assert statuses["search-canary"] == ("converted", [])
    text = (out / "apps" / "shop.yaml").read_text()
    # Only the failed Ingress stays; the canary and the primary are gone.
    assert _ingress_names(text) == ["broken"]
    for comment in (
        "# the canary for the new search service",
        "# enabled during the trial",
        "# no primary Ingress serves this host",
    ):
        assert comment in text
    pointer = next(
        line for line in text.splitlines() if "Ingress shop/search-canary" in line and "report" in line
    )
    assert pointer.startswith("# converted from Ingress shop/search-canary by kubectl-meshify")
    relative = pointer.rsplit("see ", 1)[1]
    assert (out / "apps" / relative).resolve() == (out / "report.md").resolve()
    # Converting the output again finds nothing more to do with it.
    again = meshify("file", str(out / "apps"), "--out-dir", str(tmp_path / "again"), cwd=tmp_path)
    assert _ingress_names((tmp_path / "again" / "shop.yaml").read_text()) == ["broken"]
    assert again.returncode == 1


def test_keep_ingress_keeps_every_ingress(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    out = tmp_path / "out"
    meshify("file", str(src), "--out-dir", str(out), "--keep-ingress", cwd=tmp_path)
    text = (out / "apps" / "shop.yaml").read_text()
    assert _ingress_names(text) == ["web", "search-canary", "broken"]


def test_in_place_replaces_the_canary_and_names_the_report(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    report = tmp_path / "review" / "report.md"
    report.parent.mkdir()
    run = meshify("file", str(src), "--in-place", "--report", str(report), cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    text = (src / "apps" / "shop.yaml").read_text()
    assert _ingress_names(text) == ["broken"]
    assert "see ../../review/report.md" in text
    # Without a report the pointer says how to get one.
    src2 = tmp_path / "k8s2"
    src2.mkdir()
    (src2 / "a.yaml").write_text(PRIMARY + "---\n" + ORPHAN_CANARY)
    assert meshify("file", str(src2), "--in-place", cwd=tmp_path).returncode == 0
    assert "see the migration report (--report)" in (src2 / "a.yaml").read_text()
