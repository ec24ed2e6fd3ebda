"""Which requests an Ingress's routes receive, as AuthorizationPolicy operations (request_scope)."""

from __future__ import annotations

import pytest

from kubectl_meshify.annotations.base import FamilyContext
from kubectl_meshify.annotations.request_scope import authz_operations, authz_path, regex_literal_prefix
from kubectl_meshify.model import IngressRecord, Match, MeshModel, Route, RouteOrigin, Semantics, VirtualHost
from kubectl_meshify.options import Options
from kubectl_meshify.resources import KubeObject, Origin, ResourceSet


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        ("(?i)(?:/api).*", "/"),
        ("(?:/v1/items).*", "/v1/items"),
        ("(?i)(?:/123/abc).*", "/123/"),
        ("/static/ab?c", "/static/a"),
        ("^/x\\.y", "/x"),
        (".*/admin", ""),
    ],
)
def test_regex_literal_prefix(pattern: str, prefix: str) -> None:
    assert regex_literal_prefix(pattern) == prefix


def test_authz_paths_cover_each_match_kind() -> None:
    assert authz_path(Match(uri=("exact", "/a"))) == ("/a", False)
    assert authz_path(Match(uri=("prefix", "/a/"))) == ("/a/*", False)
    assert authz_path(Match(uri=("prefix", "/"))) == (None, False)
    assert authz_path(Match()) == (None, False)
    assert authz_path(Match(uri=("regex", "(?:/v2/items).*"))) == ("/v2/items*", True)


def _context(routes: list[Route]) -> FamilyContext:
    model = MeshModel()
    vhost = VirtualHost("shop.example.com", "shop", Semantics.NGINX, routes=routes)
    model.hosts[vhost.host] = vhost
    for ingress in ("shop/a", "shop/b"):
        model.link(ingress, vhost)
    record = IngressRecord(
        KubeObject({"metadata": {"name": "a", "namespace": "shop"}, "spec": {}}, Origin()), Semantics.NGINX
    )
    model.records[record.key] = record
    return FamilyContext(record, model, ResourceSet(), Options(), "nginx.ingress.kubernetes.io/")


def test_operations_subtract_what_earlier_routes_of_other_ingresses_take() -> None:
    routes = [
        Route("b-exact", RouteOrigin("shop/b", 0, 0), [Match(uri=("exact", "/api/health"))]),
        Route("a-api", RouteOrigin("shop/a", 0, 0), [Match(uri=("exact", "/api")), Match(uri=("prefix", "/api/"))]),
        Route("b-regex", RouteOrigin("shop/b", 0, 1), [Match(uri=("regex", "(?i)(?:/docs).*"))]),
        Route("b-canary", RouteOrigin("shop/b", 0, 2), [Match(uri=("prefix", "/"), headers={"x-canary": ("exact", "always")})]),
        Route("a-root", RouteOrigin("shop/a", 0, 1), [Match(uri=("prefix", "/"))]),
    ]  # fmt: skip
    operations, widened = authz_operations(_context(routes))
    hosts = ["shop.example.com", "shop.example.com:*"]
    # Both routes of shop/a lose /api/health to shop/b; they merge into one operation for every path.
    # The regex and header routes of shop/b cannot be subtracted exactly, so they are not (covering more).
    assert operations == [{"operation": {"hosts": hosts, "notPaths": ["/api/health"]}}]
    assert widened == []


def test_routes_with_different_exclusions_stay_separate() -> None:
    routes = [
        Route("a-api", RouteOrigin("shop/a", 0, 0), [Match(uri=("prefix", "/api/"))]),
        Route("b-docs", RouteOrigin("shop/b", 0, 0), [Match(uri=("prefix", "/docs/"))]),
        Route("a-root", RouteOrigin("shop/a", 0, 1), [Match(uri=("prefix", "/"))]),
    ]
    operations, _ = authz_operations(_context(routes))
    hosts = ["shop.example.com", "shop.example.com:*"]
    assert operations == [
        {"operation": {"hosts": hosts, "paths": ["/api/*"]}},
        {"operation": {"hosts": hosts, "notPaths": ["/docs/*"]}},
    ]


def test_routes_behind_a_catch_all_of_another_ingress_receive_nothing() -> None:
    routes = [
        Route("b-root", RouteOrigin("shop/b", 0, 0), [Match(uri=("prefix", "/"))]),
        Route("a-late", RouteOrigin("shop/a", 0, 0), [Match(uri=("prefix", "/late/"))]),
    ]
    assert authz_operations(_context(routes)) == ([], [])


def test_regex_routes_are_widened_and_reported() -> None:
    routes = [
        Route("a-regex", RouteOrigin("shop/a", 0, 0), [Match(uri=("regex", "(?:/v1/orders/[0-9]+).*"))])
    ]
    operations, widened = authz_operations(_context(routes))
    assert operations[0]["operation"]["paths"] == ["/v1/orders/*"]
    assert widened == [
        "shop.example.com (?:/v1/orders/[0-9]+).* → /v1/orders/* (which can include paths of shop/b)"
    ]
