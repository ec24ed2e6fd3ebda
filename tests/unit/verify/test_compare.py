"""Matching differences to the findings that explain them."""

from __future__ import annotations

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.verify import verify
from tests.unit.verify.helpers import docs

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  tls: [{hosts: [api.example.com], secretName: api-tls}]
  rules:
  - host: api.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
"""
# Per-route HTTPS redirects only: unmatched http paths get 404 where nginx redirected them.
ISTIO = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [api.example.com]}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [api.example.com]
    tls: {mode: SIMPLE, credentialName: api-tls}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.example.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {exact: /api}, port: 80}, {uri: {prefix: /api/}, port: 80}]
    redirect: {scheme: https, redirectCode: 308}
  - match: [{uri: {exact: /api}}, {uri: {prefix: /api/}}]
    route: [{destination: {host: api.shop.svc.cluster.local, port: {number: 80}}}]
"""
SLASH = Finding(
    "SSL_REDIRECT_TRAILING_SLASH", Severity.INFO, Verdict.APPROXIMATED, "slash", ingress="shop/api"
)


def _differences(findings: list[Finding]) -> dict[str, str | None]:
    result = verify(docs(INGRESS), [], docs(ISTIO), findings=findings)
    return {str(d.probe): d.finding for d in result.ingresses["shop/api"].different}


def test_a_narrow_finding_explains_only_its_own_kind_of_difference() -> None:
    found = _differences([SLASH])
    # Only the trailing slash of the redirect target differs: the slash finding explains it.
    assert found["GET http://api.example.com/api/"] == "SSL_REDIRECT_TRAILING_SLASH"
    # Redirected by nginx, 404 here: not a slash matter, so nothing explains it.
    assert found["GET http://api.example.com/apizz"] is None
    assert found["GET http://api.example.com/"] is None


def test_findings_on_other_ingresses_or_with_exact_verdicts_do_not_explain() -> None:
    other = Finding("SSL_REDIRECT_TRAILING_SLASH", Severity.INFO, Verdict.APPROXIMATED, "", ingress="x/y")
    exact = Finding("SSL_REDIRECT_TRAILING_SLASH", Severity.INFO, Verdict.EXACT, "", ingress="shop/api")
    assert set(_differences([other, exact]).values()) == {None}
