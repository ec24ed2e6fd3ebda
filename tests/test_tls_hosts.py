"""Which certificate serves each host, and where HTTP is redirected, as ingress-nginx decided it.

Ground truth (kubernetes/ingress-nginx, controller v1.15):
- internal/ingress/controller/controller.go `createServers`: every rule host of an Ingress with any
  spec.tls entry gets a certificate, from the first such Ingress: `extractTLSSecretName` (the entry
  listing the host, else an entry whose certificate covers it), else `getDefaultSSLCertificate`; the
  catch-all server `_` always carries the default certificate.
- rootfs/etc/nginx/lua/lua_ingress.lua `redirect_to_https` with certificate.lua
  `configured_for_current_request`: HTTP is redirected (308) when a certificate is configured for the
  request's Host or its one-label wildcard, so never for hosts no rule names.
- test/e2e/ssl/http_redirect.go "should redirect from HTTP to HTTPS when secret is missing";
  test/e2e/settings/default_ssl_certificate.go "uses default ssl certificate for host based ingress when
  configured certificate does not match host" and "... for catch-all ingress".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests.conftest import istio_errors

SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
"""


def ingress(name: str, tls: str, host: str | None) -> str:
    rule = f"- host: {host}\n    http:" if host else "- http:"
    return f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: shop}}
spec:
  ingressClassName: nginx
  tls: {tls}
  rules:
  {rule}
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""


CASES = (
    SERVICE
    + ingress("wild", '[{hosts: ["*.example.com"], secretName: wildcard-cert}]', "a.example.com")
    + ingress("other", "[{hosts: [elsewhere.example.org], secretName: other-cert}]", "b.example.org")
    + ingress("nosecret", "[{hosts: [c.example.org]}]", "c.example.org")
    + ingress("catchall", "[{secretName: catch-cert}]", None)
)


def run(tmp_path: Path, text: str, *args: str) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    source, report = tmp_path / "in.yaml", tmp_path / "r.json"
    source.write_text(text)
    result = CliRunner().invoke(app, ["file", str(source), "--report-json", str(report), *args])
    objects = [o for o in yaml.safe_load_all(result.stdout) if o] if result.exit_code in (0, 1) else []
    return result.exit_code, objects, json.loads(report.read_text()) if report.exists() else {}


def https_hosts(objects: list[dict[str, Any]]) -> dict[str, str]:
    """Host → credentialName of every HTTPS server."""
    found = {}
    for gateway in (o for o in objects if o["kind"] == "Gateway"):
        for server in gateway["spec"]["servers"]:
            if server["port"]["protocol"] == "HTTPS":
                found.update(dict.fromkeys(server["hosts"], server["tls"]["credentialName"]))
    return found


def redirects(objects: list[dict[str, Any]], host: str) -> list[dict[str, Any]]:
    [vs] = [o for o in objects if o["kind"] == "VirtualService" and host in o["spec"]["hosts"]]
    return [
        r["redirect"]
        for r in vs["spec"]["http"]
        if r.get("redirect", {}).get("scheme") == "https"
        and not any("authority" in m for m in r.get("match", ()))  # guards stand for other hosts
    ]


def findings(report: dict[str, Any], name: str, code: str) -> list[dict[str, Any]]:
    [entry] = [i for i in report["ingresses"] if i["name"] == name]
    return [f for f in entry["findings"] if f["code"] == code]


def test_without_the_option_default_certificate_hosts_are_reported(tmp_path: Path) -> None:
    code, objects, report = run(tmp_path, CASES)
    assert code == 0
    # extractTLSSecretName: the `*.example.com` entry covers a.example.com: HTTPS and the 308 redirect.
    assert https_hosts(objects) == {"a.example.com": "shop-wildcard-cert"}
    assert redirects(objects, "a.example.com") == [{"scheme": "https", "redirectCode": 308}]
    # An entry for another host, or without secretName: the default certificate, which no manifest names.
    for name, host in (("other", "b.example.org"), ("nosecret", "c.example.org")):
        [note] = findings(report, name, "TLS_DEFAULT_CERTIFICATE")
        assert f"default certificate for host {host}" in note["message"]
        assert note["verdict"] == "unsupported" and "--default-ssl-certificate" in note["action"]
        assert redirects(objects, host) == []  # no HTTPS server to redirect to
    # The catch-all never redirects unknown hosts, and the entry's secret was never served there.
    assert redirects(objects, "*") == []
    assert "catch-cert" not in json.dumps(objects)
    [note] = findings(report, "catchall", "TLS_DEFAULT_CERTIFICATE")
    assert "hosts no rule names" in note["message"]
    # The behaviour check agrees: every difference is the default certificate's.
    assert report["summary"]["verification"]["different"] == 8
    for entry in report["ingresses"]:
        for diff in entry["verification"]["different"]:
            assert diff["finding"] == "TLS_DEFAULT_CERTIFICATE", diff
    assert istio_errors(objects) == []


def test_the_option_serves_the_default_certificate_where_nginx_did(tmp_path: Path) -> None:
    code, objects, report = run(tmp_path, CASES, "--default-ssl-certificate", "ingress-nginx/default-cert")
    assert code == 0
    assert https_hosts(objects) == {
        "a.example.com": "shop-wildcard-cert",
        "b.example.org": "ingress-nginx-default-cert",
        "c.example.org": "ingress-nginx-default-cert",
        "*": "ingress-nginx-default-cert",
    }
    for host in ("b.example.org", "c.example.org"):
        assert redirects(objects, host) == [{"scheme": "https", "redirectCode": 308}]
    assert redirects(objects, "*") == []
    [note] = findings(report, "other", "TLS_DEFAULT_CERTIFICATE")
    assert note["verdict"] == "exact" and "ingress-nginx/default-cert" in note["message"]
    assert note["action"].startswith("Copy it: kubectl get secret default-cert -n ingress-nginx")
    credentials = {c["name"]: c for c in report["summary"]["credentials"]}
    assert credentials["ingress-nginx-default-cert"]["hosts"] == ["*", "b.example.org", "c.example.org"]
    assert report["summary"]["verification"]["different"] == 0
    assert istio_errors(objects) == []


def test_the_first_ingress_with_tls_gives_the_host_its_certificate(tmp_path: Path) -> None:
    # createServers skips a server that already has a certificate: the older Ingress's default one wins.
    text = (
        SERVICE
        + ingress("first", "[{hosts: [other.example.com], secretName: first-cert}]", "d.example.com")
        + ingress("second", "[{hosts: [d.example.com], secretName: second-cert}]", "d.example.com")
    )
    _, objects, report = run(tmp_path, text, "--default-ssl-certificate", "ingress-nginx/default-cert")
    assert https_hosts(objects) == {"d.example.com": "ingress-nginx-default-cert"}
    [conflict] = findings(report, "second", "TLS_SECRET_CONFLICT")
    assert "the default certificate" in conflict["message"]


def test_a_bad_option_value_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = run(tmp_path, CASES, "--default-ssl-certificate", "no-namespace")
    assert code == 2
    assert not (tmp_path / "r.json").exists()


def test_a_host_under_a_certified_wildcard_host_is_served_its_certificate(tmp_path: Path) -> None:
    # certificate.lua `get_pem_cert_uid`: no certificate for plain.example.com, so the one of
    # `*.example.com` is served for it, and its HTTP requests are redirected.
    text = (
        SERVICE
        + ingress("wild", '[{hosts: ["*.example.com"], secretName: wildcard-cert}]', "'*.example.com'")
        + ingress("plain", "[]", "plain.example.com")
    )
    _, objects, report = run(tmp_path, text)
    assert https_hosts(objects) == {
        "*.example.com": "shop-wildcard-cert",
        "plain.example.com": "shop-wildcard-cert",
    }
    assert redirects(objects, "plain.example.com") == [{"scheme": "https", "redirectCode": 308}]
    [note] = findings(report, "plain", "TLS_WILDCARD_CERTIFICATE")
    assert note["verdict"] == "exact" and "*.example.com" in note["message"]
    for entry in report["ingresses"]:
        assert all(d["finding"] for d in entry["verification"]["different"]), entry["verification"]
    assert istio_errors(objects) == []
