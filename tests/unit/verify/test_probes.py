"""Probe generation from the Ingress objects."""

from __future__ import annotations

from kubectl_meshify.verify.ingress import ingress_doc
from kubectl_meshify.verify.probes import UNMATCHED_HOST, build_context, ingress_probes, path_variants
from tests.unit.verify.helpers import docs

PREFIX = "nginx.ingress.kubernetes.io/"
INGRESSES = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/server-alias: alias.example.com}
spec:
  tls: [{hosts: [shop.example.com], secretName: s}]
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /foo, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
  - host: "*.apps.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: apps, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: canary
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
    nginx.ingress.kubernetes.io/canary-by-header-value: blue
    nginx.ingress.kubernetes.io/canary-by-cookie: beta
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /foo, pathType: Prefix, backend: {service: {name: web-v2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  rules:
  - host: rx.example.com
    http:
      paths:
      - {path: "/v[0-9]+/items", pathType: ImplementationSpecific, backend: {service: {name: items, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: shop}
spec:
  rules:
  - host: www.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: www, port: {number: 80}}}}
"""


def _probes(name: str) -> set[str]:
    all_docs = [ingress_doc(d) for d in docs(INGRESSES)]
    context = build_context(all_docs, PREFIX)
    doc = next(d for d in all_docs if d.name == name)
    return {str(p) for p in ingress_probes(doc, context, PREFIX)}


def test_path_variants() -> None:
    assert path_variants("/foo", False) == (
        ("/foo", "path"),
        ("/foo/", "trailing-slash"),
        ("/foo/deeper/path", "deeper"),
        ("/foozz", "sibling"),
    )
    assert ("/foo", "no-trailing-slash") in path_variants("/foo/", False)
    assert ("/FOO", "case") in path_variants("/foo", True)


def test_probes_cover_hosts_schemes_paths_and_canary_values() -> None:
    probes = _probes("web")
    for expected in [
        "GET http://shop.example.com/foo",
        "GET https://shop.example.com/foo",  # TLS host: both schemes
        "GET http://shop.example.com/foozz",
        "GET http://alias.example.com/foo/",
        "GET http://one.apps.example.com/",
        "GET http://two.labels.apps.example.com/",
        f"GET http://{UNMATCHED_HOST}/",
        "GET http://shop.example.com/foo [x-canary: blue]",
        "GET http://shop.example.com/foo [x-canary: always]",
        "GET http://shop.example.com/foo [x-canary: never]",
        "GET https://shop.example.com/foo [cookie: beta=always]",
        "GET http://shop.example.com/foo [cookie: beta=never]",
    ]:
        assert expected in probes
    # Not listed in spec.tls, but a rule host of an Ingress with TLS: ingress-nginx served it the
    # default certificate (controller.go createServers), so it answers HTTPS too.
    assert "GET https://one.apps.example.com/" in probes
    assert "GET https://www.example.com/" not in _probes("plain")  # an Ingress without spec.tls


def test_regex_paths_get_matching_examples_and_case_variants() -> None:
    probes = _probes("regex")
    assert "GET http://rx.example.com/v1/items" in probes or "GET http://rx.example.com/va/items" in probes
    assert any(p.startswith("GET http://rx.example.com/V") for p in probes)
