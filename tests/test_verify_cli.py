"""The behaviour check through the real command and pipeline: report sections, JSON keys,
`--no-verify`, and a translation defect turning an Ingress `partial`."""

from __future__ import annotations

import json
from pathlib import Path

from kubectl_meshify.options import Options
from kubectl_meshify.pipeline import migrate
from kubectl_meshify.report import to_json, to_markdown
from kubectl_meshify.sources.files import read_resources
from kubectl_meshify.verify import UNEXPLAINED_CODE
from tests.test_cli import meshify

INPUT = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
"""


def test_reports_carry_the_behaviour_check(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(INPUT)
    report, report_json = tmp_path / "r.md", tmp_path / "r.json"
    result = meshify("file", str(source), "--report", str(report), "--report-json", str(report_json))
    assert result.returncode == 0, result.stderr
    data = json.loads(report_json.read_text())
    totals = data["summary"]["verification"]
    assert set(totals) == {"probes", "same", "different"}
    assert totals["probes"] > 10 and totals["same"] + totals["different"] == totals["probes"]
    ingress = data["ingresses"][0]
    assert ingress["verification"]["probes"] == totals["probes"]
    for difference in ingress["verification"]["different"]:
        assert set(difference) == {"request", "source", "istio", "finding"}
        assert difference["finding"]  # this input converts with every difference explained
    assert ingress["status"] == "converted"
    markdown = report.read_text()
    assert "## Behaviour check" in markdown
    # The Ingress's own line (a table row when it is ready), with what the check covers.
    assert f"{totals['same']}/{totals['probes']} same" in markdown
    assert "routing only" in markdown


def test_no_verify_skips_it(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(INPUT)
    report, report_json = tmp_path / "r.md", tmp_path / "r.json"
    result = meshify(
        "file", str(source), "--no-verify", "--report", str(report), "--report-json", str(report_json)
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(report_json.read_text())
    assert "verification" not in data["summary"]
    assert "verification" not in data["ingresses"][0]
    assert "Behaviour check" not in report.read_text()


def test_a_translation_defect_makes_the_ingress_partial(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(INPUT)
    resources, _ = read_resources([str(source)], default_namespace="default")
    options = Options()
    options.verify = False
    result = migrate(resources, options)
    # Break the emitted routes the way a translator bug would: `/api` as a plain string prefix.
    for obj in result.objects:
        for route in obj.get("spec", {}).get("http", []) if obj["kind"] == "VirtualService" else []:
            for match in route.get("match", []):
                if match.get("uri") in ({"exact": "/api"}, {"prefix": "/api/"}):
                    match["uri"] = {"prefix": "/api"}
    from kubectl_meshify.verify.attach import attach_verification

    verification = attach_verification(result)
    assert verification.totals()["different"] > 0
    record = result.records[0]
    assert record.status.value == "partial"
    assert [f.code for f in record.findings if f.code == UNEXPLAINED_CODE] == [UNEXPLAINED_CODE]
    data = to_json(result)
    rows = data["ingresses"][0]["verification"]["different"]
    assert any(r["request"] == "GET https://shop.example.com/apizz" and r["finding"] is None for r in rows)
    assert "translation defect" in to_markdown(result)
