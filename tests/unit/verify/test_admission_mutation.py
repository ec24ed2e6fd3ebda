"""Mutation test: routes emitted for an Ingress that admission refuses are a difference the check flags.

The API server never stores a rule host that is not a lowercase DNS-1123 subdomain (kubernetes
pkg/apis/networking/validation/validation.go `validateIngressRules`), nor a Prefix path that is not absolute
(`validateHTTPIngressPath`, whose routes never match anyway); ingress-nginx's admission webhook refuses an Exact or Prefix path with a character
outside `validPathType` (internal/ingress/inspector/rules.go; `ValidatePathType`), such as `:`. No
controller served such an Ingress, so the old translation, which routed it, changed behaviour.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_meshify.verify import UNEXPLAINED_CODE, verify
from tests.unit.verify.helpers import docs

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
"""


def ingress(host: str, path: str, path_type: str) -> dict[str, Any]:
    return docs(f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec:
  ingressClassName: nginx
  rules:
  - host: "{host}"
    http:
      paths:
      - {{path: "{path}", pathType: {path_type}, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
""")[0]


def routed(host: str, match: str) -> list[dict[str, Any]]:
    """What the translator emitted before it failed such Ingresses: the Ingress's route, as written."""
    return docs(f"""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: meshify, namespace: shop}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - {{port: {{number: 80, name: http, protocol: HTTP}}, hosts: ["{host}"]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: web, namespace: shop}}
spec:
  hosts: ["{host}"]
  gateways: [meshify]
  http:
  - name: all
    match: [{{uri: {match}}}]
    route: [{{destination: {{host: web.shop.svc.cluster.local, port: {{number: 80}}}}}}]
""")


@pytest.mark.parametrize(
    ("host", "path", "path_type", "match"),
    [
        ("Shop.Example.com", "/", "Prefix", "{prefix: /}"),  # uppercase: not a DNS-1123 subdomain
        ("shop.example.com", "/v1:list", "Exact", '{exact: "/v1:list"}'),  # ingress-nginx refuses the colon
    ],
)
def test_routes_for_a_refused_ingress_are_flagged(host: str, path: str, path_type: str, match: str) -> None:
    objects = routed(host.lower(), match)
    result = verify([ingress(host, path, path_type)], docs(SERVICE), objects, findings=[])
    outcome = result.ingresses["shop/web"]
    assert outcome.different, "the check did not notice routes for an Ingress no controller served"
    assert [f.code for f in result.findings()] == [UNEXPLAINED_CODE]


def test_the_same_routes_for_a_stored_ingress_are_clean() -> None:
    objects = routed("shop.example.com", "{prefix: /}")
    result = verify([ingress("shop.example.com", "/", "Prefix")], docs(SERVICE), objects)
    assert result.totals()["different"] == 0
