"""Mutation tests for the behaviour check on cases where a translator once went wrong: the correct
translation (hand-written from ingress-nginx's behaviour, cited per case) verifies clean, and the earlier,
wrong translation is reported as a difference that no finding explains."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.verify import UNEXPLAINED_CODE, verify
from tests.unit.verify.helpers import docs

SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-canary, namespace: shop}
spec: {selector: {app: web-canary}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: shop}
spec: {selector: {app: other}, ports: [{name: http, port: 80}]}
"""
GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: meshify, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
"""
WEB = {"destination": {"host": "web.shop.svc.cluster.local", "port": {"number": 80}}}
CANARY = {"destination": {"host": "web-canary.shop.svc.cluster.local", "port": {"number": 80}}}
OTHER = {"destination": {"host": "other.shop.svc.cluster.local", "port": {"number": 80}}}


def ingress(name: str, paths: str, annotations: dict[str, str] | None = None, **extra: str) -> str:
    meta: dict[str, Any] = {"name": name, "namespace": "shop", **extra}
    if annotations:
        meta["annotations"] = {f"nginx.ingress.kubernetes.io/{k}": v for k, v in annotations.items()}
    return yaml.safe_dump(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta,
            "spec": {"ingressClassName": extra.pop("cls", "nginx"), "rules": yaml.safe_load(paths)},
        }
    )


def virtual_service(host: str, routes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": host.replace(".", "-"), "namespace": "shop"},
        "spec": {"hosts": [host], "gateways": ["shop/meshify"], "http": routes},
    }


def cookie_rule(service: str, cookie: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": f"shop-{service}", "namespace": "istio-system"},
        "spec": {
            "host": f"{service}.shop.svc.cluster.local",
            "workloadSelector": {"matchLabels": {"istio": "ingressgateway"}},
            "trafficPolicy": {
                "portLevelSettings": [
                    {
                        "port": {"number": 80},
                        "loadBalancer": {"consistentHash": {"httpCookie": {"name": cookie}}},
                    }
                ]
            },
        },
    }


def finding(ingress_key: str, key: str, verdict: Verdict = Verdict.EXACT) -> Finding:
    return Finding(
        code="NGINX_" + key.upper().replace("-", "_"),
        severity=Severity.INFO,
        verdict=verdict,
        message="",
        annotation=f"nginx.ingress.kubernetes.io/{key}",
        ingress=ingress_key,
    )


def check(ingresses: str, objects: list[dict[str, Any]], findings: list[Finding] | None = None) -> Any:
    inputs = docs(ingresses)
    return verify(inputs, docs(SERVICES), docs(GATEWAY) + objects, findings=findings or [])


def unexplained(result: Any) -> dict[str, list[str]]:
    return {
        key: [str(d.probe) for d in v.unexplained] for key, v in result.ingresses.items() if v.unexplained
    }


ROOT = "[{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: %s, port: {number: 80}}}}]}}]"


# --- 3a: canary affinity ------------------------------------------------------------------------------
# canary.go "canary affinity behavior" and mergeAlternativeBackend (controller.go): the canary upstream
# takes the mainline's cookie affinity unless affinity-canary-behavior is legacy.
AFFINITY = "---\n".join(
    [
        ingress("web", ROOT % "web", {"affinity": "cookie", "session-cookie-name": "aff"}),
        ingress("web-canary", ROOT % "web-canary", {"canary": "true", "canary-weight": "20"}),
    ]
)
SPLIT = [{"name": "root", "route": [{**WEB, "weight": 80}, {**CANARY, "weight": 20}]}]


def test_canary_keeps_the_mainline_affinity() -> None:
    right = [
        virtual_service("shop.example.com", SPLIT),
        cookie_rule("web", "aff"),
        cookie_rule("web-canary", "aff"),
    ]
    assert unexplained(check(AFFINITY, right)) == {}
    old = [virtual_service("shop.example.com", SPLIT), cookie_rule("web", "aff")]
    result = check(AFFINITY, old, [finding("shop/web", "affinity", Verdict.APPROXIMATED)])
    assert "GET http://shop.example.com/" in unexplained(result).get("shop/web", []) + unexplained(
        result
    ).get("shop/web-canary", [])
    assert any(f.code == UNEXPLAINED_CODE for f in result.findings())


def test_legacy_canary_keeps_its_own_affinity() -> None:
    legacy = AFFINITY.replace(
        "canary-weight: '20'",
        "canary-weight: '20'\n    nginx.ingress.kubernetes.io/affinity-canary-behavior: legacy",
    )
    assert "legacy" in legacy
    old = [virtual_service("shop.example.com", SPLIT), cookie_rule("web", "aff")]
    assert unexplained(check(legacy, old)) == {}


# --- 3b: a canary header pattern that does not compile -------------------------------------------------
# canary.go "should routes to mainline upstream when the given Regex causes error"; balancer.lua returns
# the mainline when ngx.re.match fails, before the cookie.
BAD_PATTERN = "---\n".join(
    [
        ingress("web", ROOT % "web"),
        ingress(
            "web-canary",
            ROOT % "web-canary",
            {
                "canary": "true",
                "canary-by-header": "CanaryByHeader",
                "canary-by-header-pattern": "[][**da?$&*",
                "canary-by-cookie": "CanaryByCookie",
            },
        ),
    ]
)
COOKIE_ROUTES = [
    {
        "name": "cookie",
        "match": [{"headers": {"cookie": {"regex": "(?:.*;\\s*)?(?i:CanaryByCookie)=always(?:\\s*;.*)?"}}}],
        "route": [CANARY],
    },
    {
        "name": "cookie-never",
        "match": [{"headers": {"cookie": {"regex": "(?:.*;\\s*)?(?i:CanaryByCookie)=never(?:\\s*;.*)?"}}}],
        "route": [WEB],
    },
    {"name": "root", "route": [WEB]},
]


def test_a_pattern_that_does_not_compile_sends_the_header_to_the_mainline() -> None:
    header_first = {
        "name": "header",
        "match": [{"headers": {"canarybyheader": {"regex": ".*"}}}],
        "route": [WEB],
    }
    right = [virtual_service("shop.example.com", [header_first, *COOKIE_ROUTES])]
    exact = [finding("shop/web-canary", k) for k in ("canary-by-header", "canary-by-header-pattern")]
    assert unexplained(check(BAD_PATTERN, right, exact)) == {}
    old = [virtual_service("shop.example.com", copy.deepcopy(COOKIE_ROUTES))]
    assert unexplained(check(BAD_PATTERN, old, exact)) != {}


# --- 3c: a shadowed path is charged to the Ingress that serves it -------------------------------------
# An older Ingress's Prefix /x takes the location; the younger one's /x adds none (getBackendServers).
SHADOW = "---\n".join(
    [
        ingress(
            "older",
            "[{host: shop.example.com, http: {paths: [{path: /x, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]",
            creationTimestamp="2024-01-01T00:00:00Z",
        ),
        ingress(
            "younger",
            "[{host: shop.example.com, http: {paths: [{path: /x, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}]}}]",
            creationTimestamp="2024-02-01T00:00:00Z",
        ),
    ]
)


def test_a_difference_on_a_shadowed_path_is_charged_to_the_serving_ingress() -> None:
    wrong = [
        virtual_service(
            "shop.example.com",
            [
                {
                    "name": "x",
                    "match": [{"uri": {"exact": "/x"}}, {"uri": {"prefix": "/x/"}}],
                    "route": [OTHER],
                }
            ],
        )
    ]
    result = check(SHADOW, wrong)
    assert "GET http://shop.example.com/x" in unexplained(result)["shop/older"]
    assert "shop/younger" not in unexplained(result)


# --- 4: redirects and headers --------------------------------------------------------------------------
RELATIVE = ingress("moved", ROOT % "web", {"permanent-redirect": "/new-location"})


def test_a_permanent_redirect_to_a_path_is_a_redirect() -> None:
    # redirect.go: permanent-redirect is not URL-validated; nginx answers 301 Location http://<host>/new-location.
    right = [
        virtual_service(
            "shop.example.com", [{"name": "root", "redirect": {"uri": "/new-location", "redirectCode": 301}}]
        )
    ]
    exact = [finding("shop/moved", "permanent-redirect")]
    assert unexplained(check(RELATIVE, right, exact)) == {}
    old = [virtual_service("shop.example.com", [{"name": "root", "route": [WEB]}])]
    assert "GET http://shop.example.com/" in unexplained(check(RELATIVE, old, exact))["shop/moved"]


EMPTY_PREFIX = ingress("xfp", ROOT % "web", {"rewrite-target": "/foo", "x-forwarded-prefix": ""})


def test_an_empty_x_forwarded_prefix_adds_no_header() -> None:
    # xforwardedprefix.go "should not add X-Forwarded-Prefix if the annotation value is empty".
    rewrite = {"uriRegexRewrite": {"match": "(?i)^(?:/).*", "rewrite": "/foo"}}
    route = {"name": "root", "match": [{"uri": {"regex": "(?i)(?:/).*"}}], "rewrite": rewrite, "route": [WEB]}
    right = [virtual_service("shop.example.com", [route])]
    assert unexplained(check(EMPTY_PREFIX, right)) == {}
    old_route = copy.deepcopy(route)
    old_route["headers"] = {"request": {"set": {"x-forwarded-prefix": ""}}}
    old = [virtual_service("shop.example.com", [old_route])]
    assert unexplained(check(EMPTY_PREFIX, old, [finding("shop/xfp", "x-forwarded-prefix")])) != {}


# --- 5: Exact and Prefix on one path across Ingresses ---------------------------------------------------
# updateServerLocations (location.go): no `= /p` copy of a Prefix /p when any Ingress has Exact /p.
EXACT_LATER = "---\n".join(
    [
        ingress(
            "prefix",
            "[{host: shop.example.com, http: {paths: [{path: /p, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]",
            creationTimestamp="2024-01-01T00:00:00Z",
        ),
        ingress(
            "exact",
            "[{host: shop.example.com, http: {paths: [{path: /p, pathType: Exact, backend: {service: {name: other, port: {number: 80}}}}]}}]",
            creationTimestamp="2024-02-01T00:00:00Z",
        ),
    ]
)


def test_an_exact_path_of_a_later_ingress_beats_the_prefix_copy() -> None:
    right = [
        virtual_service(
            "shop.example.com",
            [
                {"name": "prefix", "match": [{"uri": {"prefix": "/p/"}}], "route": [WEB]},
                {"name": "exact", "match": [{"uri": {"exact": "/p"}}], "route": [OTHER]},
            ],
        )
    ]
    assert unexplained(check(EXACT_LATER, right)) == {}
    old = [
        virtual_service(
            "shop.example.com",
            [
                {
                    "name": "prefix",
                    "match": [{"uri": {"exact": "/p"}}, {"uri": {"prefix": "/p/"}}],
                    "route": [WEB],
                },
                {"name": "exact", "match": [{"uri": {"exact": "/p"}}], "route": [OTHER]},
            ],
        )
    ]
    assert "GET http://shop.example.com/p" in unexplained(check(EXACT_LATER, old))["shop/exact"]


# --- 6: two controllers on one host --------------------------------------------------------------------
MIXED = "---\n".join(
    [
        ingress("nginx-app", ROOT % "web", creationTimestamp="2024-01-01T00:00:00Z"),
        ingress(
            "istio-app",
            "[{host: shop.example.com, http: {paths: [{path: /mesh, pathType: Prefix, backend: {service: {name: other, port: {number: 80}}}}]}}]",
            creationTimestamp="2024-02-01T00:00:00Z",
            cls="istio",
        ),
    ]
)


@pytest.mark.parametrize("merged", [False, True])
def test_two_controllers_on_one_host_are_not_merged(merged: bool) -> None:
    mixed = Finding(
        "HOST_MIXED_CONTROLLERS", Severity.WARNING, Verdict.UNSUPPORTED, "", ingress="shop/istio-app"
    )
    routes = [{"name": "root", "route": [WEB]}]
    if merged:  # the earlier translation: the istio Ingress's path among the nginx routes
        routes.insert(0, {"name": "mesh", "match": [{"uri": {"prefix": "/mesh"}}], "route": [OTHER]})
    result = check(MIXED, [virtual_service("shop.example.com", routes)], [mixed])
    if merged:
        assert "GET http://shop.example.com/mesh" in unexplained(result)["shop/nginx-app"]
    else:
        assert unexplained(result) == {}


# --- HTTP on a TLS host: one port-80 redirect for every route ----------------------------------------------
# lua_ingress.lua redirect_to_https (308) on a host with a certificate; istiod's SortVHostRoutes moves a
# catch-all route (a match on the port alone) after the host's other routes.
TLS = yaml.safe_dump(
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "secure", "namespace": "shop"},
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["shop.example.com"], "secretName": "cert"}],
            "rules": yaml.safe_load(
                "[{host: shop.example.com, http: {paths: [{path: /static, pathType: Prefix, backend: {service:"
                " {name: other, port: {number: 80}}}}, {path: /, pathType: Prefix, backend: {service: {name: web,"
                " port: {number: 80}}}}]}}]"
            ),
        },
    }
)


@pytest.mark.parametrize("catch_all", [False, True])
def test_the_https_redirect_route_must_not_be_a_catch_all(catch_all: bool) -> None:
    match = {"port": 80} if catch_all else {"port": 80, "uri": {"regex": "/.*"}}
    routes = [
        {"name": "https-redirect", "match": [match], "redirect": {"scheme": "https", "redirectCode": 308}},
        {
            "name": "static",
            "match": [{"uri": {"exact": "/static"}}, {"uri": {"prefix": "/static/"}}],
            "route": [OTHER],
        },
        {"name": "root", "match": [{"uri": {"prefix": "/"}}], "route": [WEB]},
    ]
    gateway = docs(GATEWAY)[0]
    gateway["spec"]["servers"].append(
        {
            "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
            "hosts": ["*"],
            "tls": {"mode": "SIMPLE", "credentialName": "cert"},
        }
    )
    # nginx drops a trailing `/` from the redirect target and Envoy does not: reported, so explained.
    slash = Finding(
        "SSL_REDIRECT_TRAILING_SLASH", Severity.INFO, Verdict.APPROXIMATED, "", ingress="shop/secure"
    )
    result = verify(
        docs(TLS), docs(SERVICES), [gateway, virtual_service("shop.example.com", routes)], findings=[slash]
    )
    if catch_all:
        assert "GET http://shop.example.com/static" in unexplained(result)["shop/secure"]
    else:
        assert unexplained(result) == {}
