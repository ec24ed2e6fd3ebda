"""Single-label hosts (`host: grafana`) through the real CLI.

Ground truth:
- ingress-nginx serves `server_name grafana` and answers `Host: grafana` like any other host
  (internal/ingress/controller/controller.go `createServers` takes rule.Host as it is;
  test/e2e/settings/default_ssl_certificate.go routes the single-label host `foo`).
- istiod rewrites VirtualService hosts without a dot (`ResolveShortnameToFQDN`, pilot/pkg/model/config.go,
  called by `ResolveVirtualServiceShortnames`, pilot/pkg/model/virtualservice.go), also for the
  VirtualServices its own Ingress handling derives (pilot/pkg/config/kube/ingress/virtualservices.go sets
  Domain); Gateway server hosts are taken as written (`sanitizeServerHostNamespace`,
  pilot/pkg/model/gateway.go) and intersected with the VirtualService hosts
  (`buildGatewayHTTPRouteConfig`, pilot/pkg/networking/core/gateway.go; `Names.Intersection`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests.conftest import istio_errors

INPUT = """apiVersion: v1
kind: Service
metadata: {name: grafana, namespace: mon}
spec: {selector: {app: grafana}, ports: [{name: http, port: 3000}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: grafana, namespace: mon}
spec:
  ingressClassName: CLASS
  rules:
  - host: grafana
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: grafana, port: {number: 3000}}}}
  - host: grafana.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: grafana, port: {number: 3000}}}}
"""


def run(tmp_path: Path, text: str, *args: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    source, report = tmp_path / "in.yaml", tmp_path / "r.json"
    source.write_text(text)
    result = CliRunner().invoke(app, ["file", str(source), "--report-json", str(report), *args])
    assert result.exit_code == 0, result.output
    return [o for o in yaml.safe_load_all(result.stdout) if o], json.loads(report.read_text())


def virtual_service(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [vs] = [o for o in objects if o["kind"] == "VirtualService" and o["metadata"]["name"] == name]
    return vs


def single_label_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for i in report["ingresses"] for f in i["findings"] if f["code"] == "HOST_SINGLE_LABEL"]


def test_nginx_single_label_host_is_served_through_a_catch_all_virtual_service(tmp_path: Path) -> None:
    objects, report = run(tmp_path, INPUT.replace("CLASS", "nginx"))
    vs = virtual_service(objects, "grafana")
    assert vs["spec"]["hosts"] == ["*"]  # `grafana` would become grafana.mon.svc.cluster.local
    # Every route is limited to the host, then a 404 for the host's other paths: nothing else is captured.
    for route in vs["spec"]["http"]:
        assert all(m["authority"] == {"regex": "(?i)grafana(?::[0-9]+)?"} for m in route["match"])
    assert vs["spec"]["http"][-1]["directResponse"] == {"status": 404}
    [gateway] = [o for o in objects if o["kind"] == "Gateway"]
    assert "grafana" in gateway["spec"]["servers"][0]["hosts"]  # server hosts are not rewritten
    assert virtual_service(objects, "grafana-example-com")["spec"]["hosts"] == ["grafana.example.com"]
    [note] = single_label_findings(report)
    assert note["verdict"] == "exact" and "grafana.mon.svc.cluster.local" in note["message"]
    totals = report["summary"]["verification"]
    assert totals["different"] == 0 and totals["same"] == totals["probes"] > 0
    assert istio_errors(objects) == []


def test_existing_gateway_must_list_the_host(tmp_path: Path) -> None:
    objects, report = run(tmp_path, INPUT.replace("CLASS", "nginx"), "--gateway", "istio-system/public")
    assert virtual_service(objects, "grafana")["spec"]["hosts"] == ["*"]
    [note] = single_label_findings(report)
    assert "Gateway istio-system/public must list grafana" in note["message"]
    assert report["summary"]["verification"]["different"] == 0


def test_istio_class_single_label_host_stays_unserved(tmp_path: Path) -> None:
    # Istio's own Ingress handling resolved `grafana` the same way: requests for it got 404 before too.
    objects, report = run(tmp_path, INPUT.replace("CLASS", "istio"))
    assert virtual_service(objects, "grafana")["spec"]["hosts"] == ["grafana"]
    [note] = single_label_findings(report)
    assert note["verdict"] == "exact" and "already got 404" in note["message"]
    assert report["summary"]["verification"]["different"] == 0


# test/e2e/settings/tls.go (host `settings-tls`, "should not use ports during the HTTP to HTTPS
# redirection": 308 to https://settings-tls) and test/e2e/ingress/without_host.go ("... with host without
# IngressRuleValue, only Backend": `only-backend` answers with the default backend, other hosts 404).
E2E = """apiVersion: v1
kind: Service
metadata: {name: echo, namespace: e2e}
spec: {selector: {app: echo}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: settings-tls, namespace: e2e}
spec:
  ingressClassName: nginx
  tls: [{hosts: [settings-tls], secretName: settings-tls}]
  rules:
  - host: settings-tls
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: backend, namespace: e2e}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: echo, port: {number: 80}}}
  rules:
  - host: only-backend
"""


def test_e2e_single_label_hosts_keep_their_routing_tls_and_redirect(tmp_path: Path) -> None:
    objects, report = run(tmp_path, E2E)
    tls = virtual_service(objects, "settings-tls")
    assert tls["spec"]["hosts"] == ["*"]
    [redirect] = [r for r in tls["spec"]["http"] if "redirect" in r]
    assert redirect["redirect"] == {"scheme": "https", "redirectCode": 308}
    assert redirect["match"][0]["port"] == 80 and "authority" in redirect["match"][0]
    [gateway] = [o for o in objects if o["kind"] == "Gateway"]
    https = [s for s in gateway["spec"]["servers"] if s["port"]["protocol"] == "HTTPS"]
    assert [s["hosts"] for s in https] == [["settings-tls"]]
    assert virtual_service(objects, "only-backend")["spec"]["hosts"] == ["*"]
    assert len(single_label_findings(report)) == 2
    totals = report["summary"]["verification"]
    assert totals["different"] == 0 and totals["same"] == totals["probes"] > 0
    assert istio_errors(objects) == []
