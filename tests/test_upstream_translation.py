"""Translations checked against ingress-nginx's own behaviour, through the real CLI on real YAML.

Each test cites where the expected outcome comes from (ingress-nginx e2e test or source function);
the emitted VirtualService is evaluated with the small, independent evaluator of
tests/test_routing_probes.py, and the report's findings are read from the JSON report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests.test_routing_probes import route, virtual_service

SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-canary, namespace: shop}
spec: {selector: {app: web-canary}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: shop}
spec: {selector: {app: other}, ports: [{name: http, port: 80, targetPort: 8080}]}
"""
WEB, CANARY, OTHER = (f"{s}.shop.svc.cluster.local" for s in ("web", "web-canary", "other"))


def ingress(name: str, service: str, annotations: dict[str, str] | None = None, **options: Any) -> str:
    meta: dict[str, Any] = {"name": name, "namespace": "shop"}
    if "stamp" in options:
        meta["creationTimestamp"] = options["stamp"]
    if annotations:
        meta["annotations"] = {f"nginx.ingress.kubernetes.io/{k}": v for k, v in annotations.items()}
    path = {"path": options.get("path", "/"), "pathType": options.get("path_type", "Prefix")}
    path["backend"] = {"service": {"name": service, "port": {"number": 80}}}
    rule = {"host": options.get("host", "shop.example.com"), "http": {"paths": [path]}}
    spec = {"ingressClassName": options.get("cls", "nginx"), "rules": [rule]}
    return yaml.safe_dump(
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}
    )


def convert(tmp_path: Path, *ingresses: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    source = tmp_path / "input.yaml"
    source.write_text("---\n".join([SERVICES, *ingresses]))
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["file", str(source), "--report-json", str(report)])
    assert result.exit_code in (0, 1), result.output
    objects = [d for d in yaml.safe_load_all(result.stdout) if d]
    return objects, json.loads(report.read_text())


def findings(report: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    ingress = next(i for i in report["ingresses"] if i["name"] == name)
    return {f["annotation"] or f["code"]: f for f in ingress["findings"]}


def unexplained(report: dict[str, Any]) -> list[str]:
    return [
        d["request"]
        for i in report["ingresses"]
        for d in i.get("verification", {}).get("different", [])
        if not d["finding"]
    ]


def cookie_of(objects: list[dict[str, Any]], host: str) -> str | None:
    for obj in objects:
        if obj["kind"] == "DestinationRule" and obj["spec"]["host"] == host:
            for level in obj["spec"].get("trafficPolicy", {}).get("portLevelSettings", []):
                cookie = level.get("loadBalancer", {}).get("consistentHash", {}).get("httpCookie")
                if cookie:
                    return str(cookie["name"])
    return None


# --- 3. canaries -----------------------------------------------------------------------------------------


def test_canary_takes_the_mainline_cookie_affinity(tmp_path: Path) -> None:
    # canary.go, "canary affinity behavior": the canary's response sets the mainline's cookie `aff` and
    # keeps the user there (default and `sticky`); mergeAlternativeBackend copies SessionAffinity.
    main = ingress("web", "web", {"affinity": "cookie", "session-cookie-name": "aff"})
    for behaviour in ({}, {"affinity-canary-behavior": "sticky"}):
        canary = ingress("web-canary", "web-canary", {"canary": "true", "canary-weight": "1", **behaviour})
        objects, report = convert(tmp_path, main, canary)
        assert cookie_of(objects, CANARY) == "aff"
        assert findings(report, "web-canary")["CANARY_AFFINITY_INHERITED"]["verdict"] == "approximated"
        assert unexplained(report) == []


def test_legacy_canary_does_not_take_the_mainline_affinity(tmp_path: Path) -> None:
    # canary.go, "routes traffic to either mainline or canary backend (legacy behavior)".
    main = ingress("web", "web", {"affinity": "cookie", "session-cookie-name": "aff"})
    canary = ingress(
        "web-canary",
        "web-canary",
        {"canary": "true", "canary-weight": "1", "affinity-canary-behavior": "legacy"},
    )
    objects, report = convert(tmp_path, main, canary)
    assert cookie_of(objects, WEB) == "aff"
    assert cookie_of(objects, CANARY) is None
    assert unexplained(report) == []


def test_a_pattern_that_does_not_compile_sends_the_header_to_the_mainline(tmp_path: Path) -> None:
    # canary.go, "should routes to mainline upstream when the given Regex causes error" (header
    # CanaryByHeader: DoCanary and cookie CanaryByCookie=always → mainline); without the header the
    # cookie decides (balancer.lua route_to_alternative_balancer).
    canary = ingress(
        "web-canary",
        "web-canary",
        {
            "canary": "true",
            "canary-by-header": "CanaryByHeader",
            "canary-by-header-pattern": "[][**da?$&*",
            "canary-by-cookie": "CanaryByCookie",
        },
    )
    objects, report = convert(tmp_path, ingress("web", "web"), canary)
    spec = virtual_service(objects, "shop.example.com")
    both = {"canarybyheader": "DoCanary", "cookie": "CanaryByCookie=always"}
    assert route(spec, "http://shop.example.com/info", both).dests == [(WEB, 100)]
    assert route(spec, "http://shop.example.com/info", {"cookie": "CanaryByCookie=always"}).dests == [
        (CANARY, 100)
    ]
    assert (
        findings(report, "web-canary")["nginx.ingress.kubernetes.io/canary-by-header-pattern"]["verdict"]
        == "exact"
    )
    assert unexplained(report) == []


def test_a_pattern_that_compiles_but_does_not_match_falls_through(tmp_path: Path) -> None:
    # canary.go, "when canaried by header with pattern": Docanary does not match ^Do[A-Z][a-z]+y$.
    canary = ingress(
        "web-canary",
        "web-canary",
        {
            "canary": "true",
            "canary-by-header": "CanaryByHeader",
            "canary-by-header-pattern": "^Do[A-Z][a-z]+y$",
            "canary-by-cookie": "CanaryByCookie",
        },
    )
    objects, report = convert(tmp_path, ingress("web", "web"), canary)
    spec = virtual_service(objects, "shop.example.com")
    assert route(spec, "http://shop.example.com/", {"canarybyheader": "DoCanary"}).dests == [(CANARY, 100)]
    fall = {"canarybyheader": "Docanary", "cookie": "CanaryByCookie=always"}
    assert route(spec, "http://shop.example.com/", fall).dests == [(CANARY, 100)]
    assert route(spec, "http://shop.example.com/", {"canarybyheader": "Docanary"}).dests == [(WEB, 100)]
    assert unexplained(report) == []


# --- 4. redirects and headers ------------------------------------------------------------------------------


def test_permanent_redirect_to_a_path(tmp_path: Path) -> None:
    # redirect.go Parse: only temporal-redirect is validated (isValidURL); `return 301 /new-location`
    # with absolute_redirect on answers Location: http://<host>/new-location.
    objects, report = convert(tmp_path, ingress("moved", "web", {"permanent-redirect": "/new-location"}))
    outcome = route(virtual_service(objects, "shop.example.com"), "http://shop.example.com/old")
    assert (outcome.status, outcome.location) == (301, "http://shop.example.com/new-location")
    assert findings(report, "moved")["nginx.ingress.kubernetes.io/permanent-redirect"]["verdict"] == "exact"
    assert unexplained(report) == []


def test_temporal_redirect_to_a_path_is_rejected(tmp_path: Path) -> None:
    # redirect.go Parse: isValidURL fails for a temporal-redirect without an http(s) scheme.
    objects, report = convert(tmp_path, ingress("moved", "web", {"temporal-redirect": "/new-location"}))
    assert route(virtual_service(objects, "shop.example.com"), "http://shop.example.com/old").dests == [
        (WEB, 100)
    ]
    assert unexplained(report) == []


def test_empty_x_forwarded_prefix_adds_no_header(tmp_path: Path) -> None:
    # xforwardedprefix.go, "should not add X-Forwarded-Prefix if the annotation value is empty".
    annotations = {"rewrite-target": "/foo", "x-forwarded-prefix": ""}
    objects, report = convert(tmp_path, ingress("xfp", "web", annotations))
    outcome = route(virtual_service(objects, "shop.example.com"), "http://shop.example.com/")
    assert (outcome.path, outcome.headers) == ("/foo", {})
    assert findings(report, "xfp")["nginx.ingress.kubernetes.io/x-forwarded-prefix"]["verdict"] == "no-op"
    assert unexplained(report) == []


def test_cors_default_origin_with_credentials_keeps_them_refused(tmp_path: Path) -> None:
    # cors/main.go defaults: origin `*`, credentials true; browsers refuse credentialed requests to `*`
    # (Fetch standard, CORS check), so the converted policy does not allow credentials either.
    objects, report = convert(tmp_path, ingress("cors", "web", {"enable-cors": "true"}))
    policy = virtual_service(objects, "shop.example.com")["http"][0]["corsPolicy"]
    assert policy["allowOrigins"] == [{"regex": ".*"}]
    assert policy["allowCredentials"] is False
    message = findings(report, "cors")["nginx.ingress.kubernetes.io/enable-cors"]["message"]
    assert "Access-Control-Allow-Origin: *" in message and "credentialed requests" in message


# --- 5. Exact and Prefix on one path across Ingresses -------------------------------------------------------


def test_exact_path_of_a_later_ingress_wins_over_the_prefix_copy(tmp_path: Path) -> None:
    # updateServerLocations (internal/ingress/controller/location.go) reads every location of the
    # server first: with an Exact /p anywhere, a Prefix /p gets no `= /p` copy.
    prefix = ingress("prefix", "web", path="/p", stamp="2024-01-01T00:00:00Z")
    exact = ingress("exact", "other", path="/p", path_type="Exact", stamp="2024-02-01T00:00:00Z")
    for order in ((prefix, exact), (exact, prefix)):
        objects, report = convert(tmp_path, *order)
        spec = virtual_service(objects, "shop.example.com")
        assert route(spec, "http://shop.example.com/p").dests == [(OTHER, 100)]
        assert route(spec, "http://shop.example.com/p/x").dests == [(WEB, 100)]
        assert unexplained(report) == []


# --- 6. two controllers on one host -------------------------------------------------------------------------


def test_ingresses_of_two_controllers_on_one_host_are_not_merged(tmp_path: Path) -> None:
    nginx_app = ingress("nginx-app", "web", stamp="2024-01-01T00:00:00Z")
    istio_app = ingress("istio-app", "other", path="/mesh", cls="istio", stamp="2024-02-01T00:00:00Z")
    objects, report = convert(tmp_path, nginx_app, istio_app)
    spec = virtual_service(objects, "shop.example.com")
    # ingress-nginx answered /mesh from its `/` location: the host's routes are still only its own.
    assert route(spec, "http://shop.example.com/mesh").dests == [(WEB, 100)]
    mixed = findings(report, "istio-app")["HOST_MIXED_CONTROLLERS"]
    assert mixed["verdict"] == "unsupported"
    assert next(i for i in report["ingresses"] if i["name"] == "istio-app")["status"] != "converted"
    assert unexplained(report) == []


def _header_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",")]


def test_cors_defaults_are_the_ones_ingress_nginx_sends(tmp_path: Path) -> None:
    # cors.go, "should enable cors": the server block carries these headers.
    objects, _ = convert(tmp_path, ingress("cors", "web", {"enable-cors": "true"}, host="cors.foo.com"))
    policy = virtual_service(objects, "cors.foo.com")["http"][0]["corsPolicy"]
    assert policy["allowMethods"] == _header_list("GET, PUT, POST, DELETE, PATCH, OPTIONS")
    assert policy["allowHeaders"] == _header_list(
        "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
    )
    assert policy["maxAge"] == "1728000s"


def test_cors_methods(tmp_path: Path) -> None:
    # cors.go, "should set cors methods to only allow POST, GET".
    annotations = {"enable-cors": "true", "cors-allow-methods": "POST, GET"}
    objects, _ = convert(tmp_path, ingress("cors", "web", annotations, host="cors.foo.com"))
    assert virtual_service(objects, "cors.foo.com")["http"][0]["corsPolicy"]["allowMethods"] == [
        "POST",
        "GET",
    ]
