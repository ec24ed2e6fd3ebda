"""Every key a family claims gets exactly one finding from that family, whatever its value.

An Ingress carries every claimed key at once, with realistic values, with empty values, and with
values ingress-nginx rejects; the report must name each key exactly once, never through the
registry's fallback ("Handled as documented"), and the output must stay valid Istio.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kubectl_meshify.annotations import nginx_keys
from kubectl_meshify.cli import app
from tests.conftest import istio_errors

PREFIX = "nginx.ingress.kubernetes.io/"
# Keys that would make ingress-nginx ignore all the others (a canary, TLS passthrough) stay off.
SWITCHES = {"canary": "false", "ssl-passthrough": "false"}
# Realistic values; keys not listed get "true".
TYPICAL = {
    **SWITCHES,
    "backend-protocol": "HTTPS",
    "proxy-http-version": "1.1",
    "connection-proxy-header": "keep-alive",
    "fastcgi-index": "index.php",
    "fastcgi-params-configmap": "params",
    "proxy-ssl-secret": "shop/client-cert",
    "proxy-ssl-verify": "on",
    "proxy-ssl-verify-depth": "2",
    "proxy-ssl-name": "web.internal",
    "proxy-ssl-server-name": "on",
    "proxy-ssl-protocols": "TLSv1.2",
    "proxy-ssl-ciphers": "HIGH",
    "affinity": "cookie",
    "affinity-mode": "balanced",
    "affinity-canary-behavior": "legacy",
    "session-cookie-name": "SESSION",
    "session-cookie-path": "/",
    "session-cookie-max-age": "3600",
    "session-cookie-expires": "3600",
    "session-cookie-domain": "example.com",
    "session-cookie-samesite": "Lax",
    "upstream-hash-by": "$http_x_user",
    "upstream-hash-by-subset-size": "3",
    "load-balance": "ewma",
    "proxy-connect-timeout": "4",
    "proxy-read-timeout": "90",
    "proxy-send-timeout": "90",
    "proxy-next-upstream": "error timeout http_503",
    "proxy-next-upstream-tries": "2",
    "proxy-next-upstream-timeout": "15",
    "proxy-request-buffering": "on",
    "proxy-buffering": "off",
    "proxy-buffers-number": "4",
    "proxy-buffer-size": "8k",
    "proxy-busy-buffers-size": "16k",
    "proxy-max-temp-file-size": "1024m",
    "proxy-body-size": "8m",
    "client-body-buffer-size": "16k",
    "proxy-cookie-domain": "internal.example.com example.com",
    "proxy-cookie-path": "/app/ /",
    "cors-allow-origin": "https://a.example.com",
    "cors-allow-methods": "GET, POST",
    "cors-allow-headers": "Content-Type",
    "cors-expose-headers": "X-Id",
    "cors-max-age": "60",
    "custom-headers": "shop/response-headers",
    "mirror-target": "http://mirror.shop$request_uri",
    "mirror-host": "mirror.shop",
    "mirror-request-body": "on",
    "whitelist-source-range": "10.0.0.0/8",
    "allowlist-source-range": "10.0.0.0/8",
    "denylist-source-range": "192.0.2.0/24",
    "satisfy": "any",
    "auth-type": "basic",
    "auth-secret": "htpasswd",
    "auth-secret-type": "auth-file",
    "auth-realm": "Restricted",
    "auth-url": "http://auth.shop.svc.cluster.local/check",
    "auth-signin": "https://login.example.com/",
    "auth-signin-redirect-param": "rd",
    "auth-method": "GET",
    "auth-response-headers": "X-User",
    "auth-proxy-set-headers": "shop/auth-headers",
    "auth-request-redirect": "https://shop.example.com/",
    "auth-cache-key": "$remote_user",
    "auth-cache-duration": "200 5m",
    "auth-keepalive": "10",
    "auth-keepalive-requests": "100",
    "auth-keepalive-timeout": "60",
    "auth-tls-secret": "shop/client-ca",
    "auth-tls-verify-client": "on",
    "auth-tls-verify-depth": "1",
    "auth-tls-error-page": "https://example.com/help",
    "auth-tls-match-cn": "CN=client",
    "ssl-ciphers": "ECDHE-RSA-AES128-GCM-SHA256",
    "limit-rps": "10",
    "limit-rpm": "300",
    "limit-burst-multiplier": "5",
    "limit-connections": "5",
    "limit-rate": "100",
    "limit-rate-after": "1000",
    "limit-whitelist": "10.0.0.0/8",
    "limit-allowlist": "10.0.0.0/8",
    "configuration-snippet": 'more_set_headers "X-A: b";',
    "server-snippet": "gzip on;",
    "stream-snippet": "server { listen 1; }",
    "auth-snippet": "proxy_set_header X-A b;",
    "modsecurity-snippet": "SecRuleEngine On",
    "modsecurity-transaction-id": "$request_id",
    "enable-access-log": "false",
    "opentelemetry-operation-name": "op",
}
# Values ingress-nginx rejects or that switch a feature off.
ODD = {
    **SWITCHES,
    "backend-protocol": "SPDY",
    "proxy-http-version": "1.0",
    "proxy-ssl-secret": "no-namespace",
    "affinity": "none",
    "upstream-hash-by": "$request_uri$host",
    "load-balance": "magic",
    "proxy-connect-timeout": "5s",
    "proxy-read-timeout": "-1",
    "proxy-next-upstream": "off",
    "proxy-next-upstream-tries": "x",
    "proxy-body-size": "lots",
    "cors-allow-origin": "not an origin",
    "cors-max-age": "soon",
    "mirror-target": "mirror",
    "whitelist-source-range": "everyone",
    "denylist-source-range": "",
    "auth-type": "kerberos",
    "auth-url": "https://$host$request_uri",
    "auth-tls-secret": "",
    "ssl-ciphers": "HIGH:!aNULL",
    "limit-rps": "0",
    "configuration-snippet": "if ($x) { return 403; }",
    "enable-access-log": "maybe",
}


def manifest(values: dict[str, str], name: str) -> str:
    annotations = {PREFIX + key: values.get(key, "true") for key in sorted(nginx_keys())}
    documents = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
         "spec": {"selector": {"app": "web"}, "ports": [{"name": "https", "port": 8443}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "response-headers", "namespace": "shop"},
         "data": {"X-Shop": "1"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
         "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
         "spec": {"ingressClassName": "nginx",
                  "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                  "rules": [{"host": "shop.example.com", "http": {"paths": [
                      {"path": "/", "pathType": "Prefix",
                       "backend": {"service": {"name": "web", "port": {"number": 8443}}}}]}}]}},
    ]  # fmt: skip
    return yaml.safe_dump_all(documents, sort_keys=False)


@pytest.mark.parametrize(
    "values",
    [TYPICAL, ODD, {key: "" for key in TYPICAL}, {key: "false" for key in TYPICAL}],
    ids=["typical", "rejected", "empty", "false"],
)
def test_every_claimed_key_gets_its_own_finding(values: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "all-keys.yaml"
    source.write_text(manifest(values, "all-keys"))
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["file", str(source), "--report-json", str(report)])
    assert result.exit_code in (0, 1), result.output
    (ingress,) = json.loads(report.read_text())["ingresses"]
    findings = [f for f in ingress["findings"] if f["annotation"]]
    named = [f["annotation"].removeprefix(PREFIX) for f in findings]
    assert sorted(named) == sorted(nginx_keys())
    fallback = [f["annotation"] for f in findings if f["message"].startswith("Handled as documented")]
    assert fallback == []
    assert all(f["verdict"] in ("exact", "approximated", "unsupported", "no-op") for f in findings)
    assert "&id0" not in result.stdout, "shared objects were written as YAML aliases"
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert istio_errors(objects) == []


def test_no_golden_output_uses_yaml_aliases() -> None:
    """Objects shared between routes would be written as `&id001`/`*id001`; each route gets its own copy."""
    golden = Path(__file__).parent / "golden"
    aliased = [
        str(p.relative_to(golden))
        for p in sorted(golden.glob("*/*/expected.yaml"))
        if "&id0" in p.read_text() or "*id0" in p.read_text()
    ]
    assert aliased == []
