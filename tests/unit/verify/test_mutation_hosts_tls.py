"""Mutation tests for single-label hosts and TLS hosts: what the translator used to emit is now caught
by the behaviour check as a difference no finding explains, and the corrected output is not.

The old outputs below are what the translator emitted before (no finding with them):
- `host: grafana` → `hosts: [grafana]`: istiod resolves it to grafana.shop.svc.cluster.local
  (pilot/pkg/model/virtualservice.go `ResolveVirtualServiceShortnames`), so nothing answers it;
- a `*.example.com` TLS entry for the rule host a.example.com → no HTTPS server, no redirect, where
  ingress-nginx served that certificate (controller.go `extractTLSSecretName`) and redirected (308);
- a TLS entry naming another host → the same, where ingress-nginx served its default certificate
  (controller.go `createServers`) and redirected (test/e2e/ssl/http_redirect.go);
- a rule without host and TLS → a redirect for every host, where ingress-nginx redirected none of the
  hosts no rule names (lua_ingress.lua `redirect_to_https`, certificate.lua `get_pem_cert_uid`).
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.verify import UNEXPLAINED_CODE, verify
from tests.unit.verify.helpers import docs

BACKEND = {"destination": {"host": "web.shop.svc.cluster.local", "port": {"number": 80}}}
REDIRECT = {
    "name": "https-redirect",
    "match": [{"port": 80}],
    "redirect": {"scheme": "https", "redirectCode": 308},
}


def ingress(name: str, host: str | None, tls: str = "") -> str:
    rule = f"- host: {host}\n    http:" if host else "- http:"
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: shop}}
spec:
  ingressClassName: nginx
  {"tls: " + tls if tls else ""}
  rules:
  {rule}
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""


SERVICE = docs(
    """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
"""
)


def gateway(name: str, host: str, credential: str | None = None) -> dict[str, Any]:
    servers: list[dict[str, Any]] = [
        {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": [host]}
    ]
    if credential:
        servers.append(
            {
                "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                "hosts": [host],
                "tls": {"mode": "SIMPLE", "credentialName": credential},
            }
        )
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"selector": {"istio": "ingressgateway"}, "servers": servers},
    }


def virtual_service(
    name: str, hosts: list[str], gateway_name: str, http: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"hosts": hosts, "gateways": [f"shop/{gateway_name}"], "http": http},
    }


def check(ingress_text: str, objects: list[dict[str, Any]], findings: list[Finding]) -> Any:
    ingresses = docs(ingress_text)
    return verify(ingresses, SERVICE, objects, findings=findings)


def note(code: str, verdict: Verdict, key: str) -> Finding:
    return Finding(code=code, severity=Severity.INFO, verdict=verdict, message="", ingress=key)


SLASH = note(
    "SSL_REDIRECT_TRAILING_SLASH", Verdict.APPROXIMATED, "shop/x"
)  # nginx strips `/`, Envoy keeps it
AUTHORITY = {"regex": "(?i)grafana(?::[0-9]+)?"}

CASES: dict[str, tuple[str, list[dict[str, Any]], list[dict[str, Any]], list[Finding], str]] = {
    # name: (Ingress, fixed output, old output, findings of the fixed output, request the old one breaks)
    "single-label host": (
        ingress("x", "grafana"),
        [
            gateway("meshify", "grafana"),
            virtual_service(
                "grafana",
                ["*"],
                "meshify",
                [
                    {"match": [{"uri": {"prefix": "/"}, "authority": AUTHORITY}], "route": [BACKEND]},
                    {"match": [{"authority": AUTHORITY}], "directResponse": {"status": 404}},
                ],
            ),
        ],
        [
            gateway("meshify", "grafana"),
            virtual_service("grafana", ["grafana"], "meshify", [{"route": [BACKEND]}]),
        ],
        [],
        "GET http://grafana/",
    ),
    "wildcard TLS entry": (
        ingress("x", "a.example.com", '[{hosts: ["*.example.com"], secretName: wildcard-cert}]'),
        [
            gateway("meshify", "a.example.com", "shop-wildcard-cert"),
            virtual_service("a", ["a.example.com"], "meshify", [REDIRECT, {"route": [BACKEND]}]),
        ],
        [
            gateway("meshify", "a.example.com"),
            virtual_service("a", ["a.example.com"], "meshify", [{"route": [BACKEND]}]),
        ],
        [SLASH],
        "GET https://a.example.com/",
    ),
    "TLS entry for another host": (
        ingress("x", "b.example.org", "[{hosts: [elsewhere.example.org], secretName: other-cert}]"),
        [
            gateway("meshify", "b.example.org"),
            virtual_service("b", ["b.example.org"], "meshify", [{"route": [BACKEND]}]),
        ],
        [
            gateway("meshify", "b.example.org"),
            virtual_service("b", ["b.example.org"], "meshify", [{"route": [BACKEND]}]),
        ],
        # The fixed output is the old one plus the finding that says what is missing and why.
        [note("TLS_DEFAULT_CERTIFICATE", Verdict.UNSUPPORTED, "shop/x")],
        "GET http://b.example.org/",
    ),
    "hostless rule with TLS": (
        ingress("x", None, "[{secretName: catch-cert}]"),
        [
            gateway("meshify-catch-all", "*"),
            virtual_service("catch-all", ["*"], "meshify-catch-all", [{"route": [BACKEND]}]),
        ],
        [
            gateway("meshify-catch-all", "*", "shop-catch-cert"),
            virtual_service("catch-all", ["*"], "meshify-catch-all", [REDIRECT, {"route": [BACKEND]}]),
        ],
        [note("TLS_DEFAULT_CERTIFICATE", Verdict.UNSUPPORTED, "shop/x")],
        "GET http://no-rule.meshify.invalid/",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fixed_output_verifies_and_old_output_is_caught(case: str) -> None:
    text, fixed, old, findings, request = CASES[case]
    result = check(text, fixed, findings)
    unexplained = [d.to_json() for v in result.ingresses.values() for d in v.unexplained]
    assert unexplained == [] and result.findings() == []
    result = check(text, old, [])
    differences = {str(d.probe): d for d in result.ingresses["shop/x"].different}
    assert request in differences, sorted(differences)
    assert differences[request].finding is None
    assert [f.code for f in result.findings()] == [UNEXPLAINED_CODE]


def test_host_under_a_certified_wildcard_without_its_redirect_is_caught() -> None:
    # certificate.lua `get_pem_cert_uid` falls back to `*.example.com`, so ingress-nginx redirected
    # plain.example.com although no spec.tls names it; the old output served it on HTTP only.
    text = (
        ingress("wild", "'*.example.com'", '[{hosts: ["*.example.com"], secretName: wildcard-cert}]')
        + "---"
        + ingress("x", "plain.example.com")
    )
    old = [
        gateway("meshify", "plain.example.com"),
        virtual_service("plain", ["plain.example.com"], "meshify", [{"route": [BACKEND]}]),
        gateway("meshify-wildcard-example-com", "*.example.com", "shop-wildcard-cert"),
        virtual_service(
            "wildcard", ["*.example.com"], "meshify-wildcard-example-com", [REDIRECT, {"route": [BACKEND]}]
        ),
    ]
    result = check(text, old, [])
    differences = {str(d.probe): d for d in result.ingresses["shop/x"].different}
    assert "GET http://plain.example.com/" in differences, sorted(differences)
    assert differences["GET http://plain.example.com/"].finding is None
