"""TLS credentials through the real CLI: the report's credential list and commands, --gateway and
--gateway-namespace, cert-manager edge cases, and secrets never being read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests.conftest import istio_errors

GOLDEN = Path(__file__).parent / "golden"


def run(tmp_path: Path, *args: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """(emitted objects, JSON report, Markdown report) of `kubectl meshify file ARGS`."""
    report_json, report_md = tmp_path / "r.json", tmp_path / "r.md"
    result = CliRunner().invoke(
        app, ["file", *args, "--report-json", str(report_json), "--report", str(report_md)]
    )
    assert result.exit_code in (0, 1), result.output
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    return objects, json.loads(report_json.read_text()), report_md.read_text()


def findings(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for i in report["ingresses"] for f in i["findings"] if f["code"] == code]


def test_copy_command_points_at_the_gateway_namespace(tmp_path: Path) -> None:
    case = GOLDEN / "tls" / "copy-secret" / "input.yaml"
    _, report, markdown = run(tmp_path, str(case), "--gateway-namespace", "istio-ingress")
    [credential] = report["summary"]["credentials"]
    assert credential["name"] == "shop-shop-tls" and credential["namespace"] == "istio-ingress"
    assert credential["hosts"] == ["shop.example.com", "www.shop.example.com"]
    assert credential["provider"] == "copy" and credential["gateway"] == "shop/meshify"
    assert credential["command"].startswith("kubectl get secret shop-tls -n shop -o yaml | ")
    assert '"namespace":"istio-ingress"' in credential["command"]
    assert "### TLS credentials in istio-ingress" in markdown
    # The copy is done by the batch script the report prints (copy-tls-secrets.sh): the same get | patch |
    # apply pipeline as the command, one call per secret.
    assert "copy_secret shop shop-tls istio-ingress shop-shop-tls" in markdown
    [location] = findings(report, "TLS_SECRET_LOCATION")
    assert credential["command"] in location["action"] and "does not follow renewals" in location["action"]


def test_gateway_mode_lists_credentials_instead_of_servers(tmp_path: Path) -> None:
    case = GOLDEN / "tls" / "gateway-flag" / "input.yaml"
    objects, report, markdown = run(tmp_path, str(case), "--gateway", "istio-system/public")
    assert not [o for o in objects if o["kind"] == "Gateway"]
    by_name = {c["name"]: c for c in report["summary"]["credentials"]}
    assert set(by_name) == {"web-www-tls", "web-wildcard-tls"}
    assert {c["gateway"] for c in by_name.values()} == {"istio-system/public"}
    assert by_name["web-wildcard-tls"]["hosts"] == ["*.example.com"]
    assert "Gateway istio-system/public is not generated" in markdown
    assert "| `web-www-tls` | `www.example.com` | web/www-tls |" in markdown


def test_certificates_follow_the_gateway_namespace(tmp_path: Path) -> None:
    case = GOLDEN / "certificate" / "cluster-issuer" / "input.yaml"
    objects, report, _ = run(tmp_path, str(case), "--gateway-namespace", "gw")
    [cert] = [o for o in objects if o["kind"] == "Certificate"]
    assert cert["metadata"]["namespace"] == "gw" and cert["spec"]["secretName"] == "shop-shop-tls"
    [gateway] = [o for o in objects if o["kind"] == "Gateway"]
    https = [s for s in gateway["spec"]["servers"] if s["port"]["number"] == 443]
    assert [s["tls"]["credentialName"] for s in https] == ["shop-shop-tls"]
    assert objects[0]["kind"] == "Certificate"  # applied before anything refers to it
    assert istio_errors(objects) == []
    [credential] = report["summary"]["credentials"]
    assert (
        credential["provider"] == "cert-manager" and credential["issuer"] == "ClusterIssuer/letsencrypt-prod"
    )


def test_input_issuer_makes_the_http01_warning_precise(tmp_path: Path) -> None:
    _, report, _ = run(tmp_path, str(GOLDEN / "certificate" / "certificate-input" / "input.yaml"))
    [note] = findings(report, "CERT_MANAGER_ACME_HTTP01")
    assert "through an Ingress (ingressClassName nginx)" in note["message"]
    assert (
        "gatewayHTTPRoute" in note["action"]
        and "cmctl renew -n istio-system store-store-tls" in note["action"]
    )
    _, dns_only, _ = run(tmp_path, str(GOLDEN / "certificate" / "shared-wildcard-cert" / "input.yaml"))
    assert findings(dns_only, "CERT_MANAGER_ACME_HTTP01") == []


def test_namespaced_issuer_offers_both_choices(tmp_path: Path) -> None:
    _, report, _ = run(tmp_path, str(GOLDEN / "certificate" / "namespaced-issuer" / "input.yaml"))
    [note] = findings(report, "CERT_MANAGER_NAMESPACED_ISSUER")
    assert "Issuer billing/internal-ca is namespaced" in note["message"]
    assert "kubectl get issuer internal-ca -n billing -o yaml" in note["action"]
    assert "ClusterIssuer" in note["action"]


INVALID = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
    cert-manager.io/private-key-algorithm: ECDSA
    cert-manager.io/private-key-size: "2048"
    cert-manager.io/usages: "server auth, ping pong"
    cert-manager.io/revision-history-limit: "0"
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
    - hosts: [www.shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"""


def test_invalid_cert_manager_values_issue_nothing(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(INVALID)
    objects, report, _ = run(tmp_path, str(path))
    assert not [o for o in objects if o["kind"] == "Certificate"]
    [note] = findings(report, "CERT_MANAGER_NOT_ISSUED")
    for problem in ("not an ECDSA key size", "invalid key usage 'ping pong'", "must be a positive number"):
        assert problem in note["message"], problem
    assert "more than one spec.tls entry" in note["message"]
    assert report["summary"]["credentials"][0]["provider"] == "copy"
    keys = {
        f["annotation"]: f["verdict"] for i in report["ingresses"] for f in i["findings"] if f["annotation"]
    }
    assert keys == {
        "cert-manager.io/cluster-issuer": "no-op",
        "cert-manager.io/private-key-algorithm": "no-op",
        "cert-manager.io/private-key-size": "no-op",
        "cert-manager.io/usages": "no-op",
        "cert-manager.io/revision-history-limit": "no-op",
    }


def test_secret_documents_are_never_read_into_the_output(tmp_path: Path) -> None:
    """A Secret among the inputs is only counted: its data reaches neither the stream nor the reports."""
    secret = """\
apiVersion: v1
kind: Secret
metadata: {name: shop-tls, namespace: shop}
type: kubernetes.io/tls
data:
  tls.crt: U0VDUkVULUNFUlQtREFUQQ==
  tls.key: U0VDUkVULUtFWS1EQVRB
"""
    path = tmp_path / "in.yaml"
    path.write_text((GOLDEN / "tls" / "copy-secret" / "input.yaml").read_text() + "---\n" + secret)
    report_json, report_md = tmp_path / "r.json", tmp_path / "r.md"
    result = CliRunner().invoke(
        app, ["file", str(path), "--report-json", str(report_json), "--report", str(report_md)]
    )
    assert result.exit_code == 0
    for text in (result.stdout, report_json.read_text(), report_md.read_text()):
        assert "U0VDUkVU" not in text
    assert json.loads(report_json.read_text())["summary"]["ignored"] == {"Secret": 1}
