"""Mutation test: a hand-written, correct translation verifies clean; breaking it in the ways a
translator could (a plain string prefix, routes out of order, a dropped canary header route, a lost
rewrite) is caught as a difference that no finding explains."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.verify import UNEXPLAINED_CODE, verify
from tests.unit.verify.helpers import docs

INPUT = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-v2, namespace: shop}
spec: {selector: {app: web, version: v2}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{name: http, port: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /login, pathType: Exact, backend: {service: {name: login, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-canary
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
    nginx.ingress.kubernetes.io/canary-weight: "20"
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web-v2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: legacy
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /$1}
spec:
  ingressClassName: nginx
  rules:
  - host: rw.example.com
    http:
      paths:
      - {path: /old/(.*), pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}
"""

TRANSLATION = r"""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ingress, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com, rw.example.com]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web.shop.svc.cluster.local
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop-example-com, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/ingress]
  http:
  - name: login
    match: [{uri: {exact: /login}}]
    route: [{destination: {host: login.shop.svc.cluster.local, port: {number: 80}}}]
  - name: api
    match: [{uri: {exact: /api}}, {uri: {prefix: /api/}}]
    route: [{destination: {host: api.shop.svc.cluster.local, port: {number: 8080}}}]
  - name: canary-always
    match: [{headers: {x-canary: {exact: always}}}]
    route: [{destination: {host: web.shop.svc.cluster.local, subset: v2, port: {number: 80}}}]
  - name: canary-never
    match: [{headers: {x-canary: {exact: never}}}]
    route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 80}}}]
  - name: root
    route:
    - {destination: {host: web.shop.svc.cluster.local, port: {number: 80}}, weight: 80}
    - {destination: {host: web.shop.svc.cluster.local, subset: v2, port: {number: 80}}, weight: 20}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: rw-example-com, namespace: shop}
spec:
  hosts: [rw.example.com]
  gateways: [istio-system/ingress]
  http:
  - name: old
    match: [{uri: {regex: "(?i)(?:/old/(.*)).*"}}]
    rewrite: {uriRegexRewrite: {match: "(?i)^(?:/old/(.*)).*", rewrite: '/\1'}}
    route: [{destination: {host: web.shop.svc.cluster.local, port: {number: 80}}}]
"""


def _routes(objects: list[dict[str, Any]], vs: str) -> list[dict[str, Any]]:
    for obj in objects:
        if obj["kind"] == "VirtualService" and obj["metadata"]["name"] == vs:
            routes: list[dict[str, Any]] = obj["spec"]["http"]
            return routes
    raise KeyError(vs)


def _named(routes: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in routes if r["name"] == name)


def plain_prefix(objects: list[dict[str, Any]]) -> None:
    _named(_routes(objects, "shop-example-com"), "api")["match"] = [{"uri": {"prefix": "/api"}}]


def wrong_order(objects: list[dict[str, Any]]) -> None:
    routes = _routes(objects, "shop-example-com")
    root = routes.pop()
    # The everything-route first. Written as regex `/.*`: a route without a match is a catch-all, which
    # istiod moves after the others anyway (SortVHostRoutes, pilot/pkg/networking/core/route/route.go).
    root["match"] = [{"uri": {"regex": "/.*"}}]
    routes.insert(0, root)


def dropped_canary_header(objects: list[dict[str, Any]]) -> None:
    routes = _routes(objects, "shop-example-com")
    routes.remove(_named(routes, "canary-always"))


def lost_rewrite(objects: list[dict[str, Any]]) -> None:
    del _named(_routes(objects, "rw-example-com"), "old")["rewrite"]


def _verify(objects: list[dict[str, Any]], findings: list[Finding] | None = None) -> Any:
    inputs = docs(INPUT)
    ingresses = [d for d in inputs if d["kind"] == "Ingress"]
    services = [d for d in inputs if d["kind"] == "Service"]
    return verify(ingresses, services, objects, findings=findings or [])


def test_correct_translation_has_no_difference() -> None:
    result = _verify(docs(TRANSLATION))
    assert result.totals()["probes"] > 30
    assert result.totals()["different"] == 0, [
        d.to_json() for v in result.ingresses.values() for d in v.different
    ]
    assert result.findings() == []


@pytest.mark.parametrize(
    ("mutate", "ingress", "request_line"),
    [
        (plain_prefix, "shop/web", "GET http://shop.example.com/apizz"),
        (wrong_order, "shop/web", "GET http://shop.example.com/api"),
        (dropped_canary_header, "shop/web-canary", "GET http://shop.example.com/ [x-canary: always]"),
        (lost_rewrite, "shop/legacy", "GET http://rw.example.com/old/x"),
    ],
)
def test_broken_translation_is_caught(
    mutate: Callable[[list[dict[str, Any]]], None], ingress: str, request_line: str
) -> None:
    objects = copy.deepcopy(docs(TRANSLATION))
    mutate(objects)
    result = _verify(objects)
    differences = {str(d.probe): d for d in result.ingresses[ingress].different}
    assert request_line in differences, sorted(differences)
    assert differences[request_line].finding is None
    errors = [f for f in result.findings() if f.ingress == ingress]
    assert [f.code for f in errors] == [UNEXPLAINED_CODE]
    assert errors[0].severity is Severity.ERROR


def test_a_finding_on_the_responsible_annotation_explains_the_difference() -> None:
    objects = copy.deepcopy(docs(TRANSLATION))
    lost_rewrite(objects)
    finding = Finding(
        code="NGINX_REWRITE_TARGET",
        severity=Severity.WARNING,
        verdict=Verdict.UNSUPPORTED,
        message="not converted",
        annotation="nginx.ingress.kubernetes.io/rewrite-target",
        ingress="shop/legacy",
    )
    result = _verify(objects, [finding])
    different = result.ingresses["shop/legacy"].different
    assert different and all(d.finding == "NGINX_REWRITE_TARGET" for d in different)
    assert result.findings() == []
    # An exact verdict, or a finding on another Ingress, explains nothing.
    exact = Finding(
        "NGINX_REWRITE_TARGET", Severity.INFO, Verdict.EXACT, "", None, finding.annotation, "shop/legacy"
    )
    elsewhere = Finding(
        "NGINX_REWRITE_TARGET", Severity.INFO, Verdict.UNSUPPORTED, "", None, finding.annotation, "shop/web"
    )
    assert [f.ingress for f in _verify(objects, [exact, elsewhere]).findings()] == ["shop/legacy"]
