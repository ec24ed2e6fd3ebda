"""Gateway layout rules: wildcard guards checked against Istio's route merging, and host coverage.

The simulation follows istiod's gateway route building (pilot/pkg/networking/core/gateway.go and
route/route.go): for each server of the Gateway a VirtualService is bound to, the VirtualService's hosts
are intersected with the server's hosts; every intersecting host gets the VirtualService's routes for the
port (up to its first catch-all), appended in VirtualService order; then catch-all routes (prefix `/`
without header matches) move to the end. Envoy picks the exact domain before wildcards, and the first
matching route. Both VirtualService orders are tried, since istiod orders them by creation time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kubectl_meshify.gateways import authority_regex, covers
from kubectl_meshify.options import Options
from kubectl_meshify.pipeline import migrate
from kubectl_meshify.sources.files import read_resources

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def intersect(a: str, b: str) -> str | None:
    if a == b or covers(b, a):
        return a
    if covers(a, b):
        return b
    return None


def port_routes(vs: dict[str, Any], port: int) -> list[dict[str, Any]]:
    """The (route, match) pairs istiod builds for one port, stopping after the first catch-all."""
    out = []
    for route in vs["spec"].get("http", []):
        for match in route.get("match") or [{}]:
            if match.get("port", port) != port:
                continue
            out.append({"route": route, "match": match})
            if is_catch_all(match):
                return out
    return out


def is_catch_all(match: dict[str, Any]) -> bool:
    uri = match.get("uri")
    return (uri is None or uri == {"prefix": "/"}) and not match.get("headers") and not match.get("authority")


def virtual_hosts(objects: list[dict[str, Any]], port: int, order: int) -> dict[str, list[dict[str, Any]]]:
    gateways = {
        f"{o['metadata']['namespace']}/{o['metadata']['name']}": o for o in objects if o["kind"] == "Gateway"
    }
    services = [o for o in objects if o["kind"] == "VirtualService"][::order]
    vhosts: dict[str, list[dict[str, Any]]] = {}
    for name, gateway in sorted(gateways.items()):
        for server in gateway["spec"]["servers"]:
            if server["port"]["number"] != port:
                continue
            for vs in services:
                if name not in vs["spec"]["gateways"]:
                    continue
                hosts = {h for a in vs["spec"]["hosts"] for b in server["hosts"] if (h := intersect(a, b))}
                for host in sorted(hosts):
                    vhosts.setdefault(host, []).extend(port_routes(vs, port))
    return {
        h: [r for r in rs if not is_catch_all(r["match"])] + [r for r in rs if is_catch_all(r["match"])]
        for h, rs in vhosts.items()
    }


def pick_vhost(vhosts: dict[str, Any], host: str) -> str | None:
    if host in vhosts:
        return host
    wildcards = sorted((h for h in vhosts if covers(h, host)), key=len, reverse=True)
    return wildcards[0] if wildcards else None


def matches(match: dict[str, Any], authority: str, path: str) -> bool:
    uri = match.get("uri")
    if uri:
        kind, value = next(iter(uri.items()))
        if kind == "exact" and path != value:
            return False
        if kind == "prefix" and not path.startswith(value):
            return False
        if kind == "regex" and not re.fullmatch(value, path):
            return False
    wanted = match.get("authority")
    return wanted is None or re.fullmatch(wanted["regex"], authority) is not None


def route(objects: list[dict[str, Any]], host: str, port: int, path: str, order: int) -> str:
    """Where the gateway sends a request: a backend Service name, `redirect`, or `404`."""
    vhosts = virtual_hosts(objects, port, order)
    chosen = pick_vhost(vhosts, host)
    for entry in vhosts.get(chosen or "", []):
        if matches(entry["match"], host, path):
            found = entry["route"]
            if "redirect" in found:
                return "redirect"
            if "directResponse" in found:
                return str(found["directResponse"]["status"])
            return str(found["route"][0]["destination"]["host"].split(".")[0])
    return "404"


# (host, port, path) → where ingress-nginx sent it, for tests/golden/tls/shared-wildcard-cert.
NGINX = [
    ("www.example.com", 443, "/", "www"),
    ("www.example.com", 443, "/static/logo.png", "www"),
    ("www.example.com", 443, "/app/1", "app"),
    ("tenant.example.com", 443, "/static/logo.png", "static"),
    ("tenant.example.com", 443, "/anything", "tenants"),
    ("a.b.example.com", 443, "/", "tenants"),
    ("www.example.com", 80, "/static", "redirect"),
    ("tenant.example.com", 80, "/", "redirect"),
    ("api.example.com", 443, "/static", "api"),
]


def converted(case: str) -> list[dict[str, Any]]:
    resources, _ = read_resources([str(GOLDEN / case / "input.yaml")])
    return migrate(resources, Options()).objects


@pytest.mark.parametrize("order", [1, -1], ids=["vs-in-name-order", "vs-reversed"])
def test_shared_certificate_hosts_route_as_with_nginx(order: int) -> None:
    objects = converted("tls/shared-wildcard-cert")
    for host, port, path, expected in NGINX:
        assert route(objects, host, port, path, order) == expected, (host, port, path)


def test_without_guards_the_wildcard_captures_www() -> None:
    """The guards are what keeps www's requests on www's routes (so the test above can fail)."""
    objects = converted("tls/shared-wildcard-cert")
    for obj in objects:
        if obj["kind"] == "VirtualService":
            obj["spec"]["http"] = [
                r for r in obj["spec"]["http"] if ".for-" not in r["name"] and "not-found" not in r["name"]
            ]
    wrong = [
        (host, port, path)
        for order in (1, -1)
        for host, port, path, expected in NGINX
        if route(objects, host, port, path, order) != expected
    ]
    assert ("www.example.com", 443, "/static/logo.png") in wrong


def test_every_https_host_of_one_credential_is_on_one_server() -> None:
    objects = converted("tls/shared-wildcard-cert")
    servers = [
        s
        for o in objects
        if o["kind"] == "Gateway"
        for s in o["spec"]["servers"]
        if s["port"]["number"] == 443
    ]
    credentials = [s["tls"]["credentialName"] for s in servers]
    assert len(credentials) == len(set(credentials))
    shared = next(s for s in servers if s["tls"]["credentialName"] == "web-wildcard-tls")
    assert sorted(shared["hosts"]) == ["*.example.com", "www.example.com"]


def test_covers_and_authority_regex() -> None:
    assert covers("*.example.com", "www.example.com")
    assert covers("*.example.com", "a.b.example.com")
    assert covers("*.example.com", "*.a.example.com")
    assert not covers("*.example.com", "example.com")
    assert not covers("*.example.com", "*.example.com")
    assert covers("*", "anything.io") and not covers("*", "*")
    exact = authority_regex(["www.example.com"])
    assert re.fullmatch(exact, "WWW.example.com:8443")
    assert not re.fullmatch(exact, "wwwxexample.com")
    assert not re.fullmatch(exact, "www.example.com.evil.example.com")
    wildcard = authority_regex(["*.a.example.com", "b.example.com"])
    assert re.fullmatch(wildcard, "x.y.a.example.com") and re.fullmatch(wildcard, "b.example.com")
    assert not re.fullmatch(wildcard, "a.example.com")
