"""istiod's own route unit-test expectations, transcribed as tests of the Istio model.

Source: istio/istio `pilot/pkg/networking/core/route/route_test.go`, `TestBuildHTTPRoutes`; each test
names its `t.Run`. Upstream builds Envoy routes for a VirtualService with the DestinationRules in
the push context and asserts the route's hash policy or header matchers; the facts carried over are
which DestinationRule setting decides the cookie a destination is hashed on (subset policy over the
rule's, a `portLevelSettings` entry only for its own port) and how header matches behave. Upstream
uses the service `*.example.org`; here it is a Kubernetes Service, which is what the model resolves.
Nothing here is taken from this tool's output.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kubectl_meshify.verify.request import STICKY
from tests.unit.verify.helpers import istio, request, route

SERVICE = "acme.istio-system.svc.cluster.local"
GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: some-gateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
"""


def cookie_policy(name: str) -> dict[str, Any]:
    """route_test.go `loadBalancerPolicy(name)`: consistent hashing on an HTTP cookie."""
    return {"consistentHash": {"httpCookie": {"name": name}}}


def model_with(rule: dict[str, Any]) -> Any:

    destination_rule = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "acme", "namespace": "istio-system"},
        "spec": {"host": SERVICE, **rule},
    }
    return istio(GATEWAY + "---\n" + yaml.safe_dump(destination_rule))


def top_level(name: str) -> dict[str, Any]:
    return {"trafficPolicy": {"loadBalancer": cookie_policy(name)}}


def port_level(port: int, name: str) -> dict[str, Any]:
    return {"port": {"number": port}, "loadBalancer": cookie_policy(name)}


@pytest.mark.parametrize(
    ("case", "rule", "port", "subset", "cookie"),
    [
        # "for virtual service with ring hash": the rule's loadBalancer hashes on hash-cookie.
        ("ring hash", top_level("hash-cookie"), 8484, "", "hash-cookie"),
        # "for virtual service with subsets with ring hash": the subset's own policy (other-cookie).
        (
            "subset",
            {
                "subsets": [
                    {"name": "some-subset", "trafficPolicy": {"loadBalancer": cookie_policy("other-cookie")}}
                ]
            },
            65000,
            "some-subset",
            "other-cookie",
        ),
        # "for virtual service with subsets and top level traffic policy with ring hash": the subset wins.
        (
            "subset over top level",
            {
                **top_level("hash-cookie"),
                "subsets": [
                    {"name": "some-subset", "trafficPolicy": {"loadBalancer": cookie_policy("other-cookie")}}
                ],
            },
            65000,
            "some-subset",
            "other-cookie",
        ),
        # "for virtual service with subsets with port level settings with ring hash".
        (
            "subset port level",
            {
                "trafficPolicy": {"portLevelSettings": [port_level(8484, "hash-cookie")]},
                "subsets": [
                    {
                        "name": "port-level-settings-subset",
                        "trafficPolicy": {
                            "portLevelSettings": [port_level(8484, "port-level-settings-cookie")]
                        },
                    }
                ],
            },
            8484,
            "port-level-settings-subset",
            "port-level-settings-cookie",
        ),
        # "port selector based traffic policy" (portLevelDestinationRule, destination port 8484).
        (
            "port level",
            {"trafficPolicy": {"portLevelSettings": [port_level(8484, "hash-cookie")]}},
            8484,
            "",
            "hash-cookie",
        ),
        # "for virtual service with port level settings matching service port".
        (
            "matching port",
            {"trafficPolicy": {"portLevelSettings": [port_level(8484, "matching-port-cookie")]}},
            8484,
            "",
            "matching-port-cookie",
        ),
        # "for virtual service with port level settings mismatched port": a setting for port 443 (the
        # gateway's listener) does not apply to a destination on 8484: no hash policy.
        (
            "mismatched port",
            {"trafficPolicy": {"portLevelSettings": [port_level(443, "mismatched-port-cookie")]}},
            8484,
            "",
            None,
        ),
    ],
)
def test_destination_rule_hash_cookie(
    case: str, rule: dict[str, Any], port: int, subset: str, cookie: str | None
) -> None:
    assert model_with(rule).hash_cookie("istio-system", "acme", port, subset) == cookie, case


# The model marks a destination hashed on a cookie as sticky, and only such a destination.
@pytest.mark.parametrize(
    ("rule", "sticky"),
    [
        (top_level("hash-cookie"), True),
        ({"trafficPolicy": {"portLevelSettings": [port_level(443, "c")]}}, False),
    ],
)
def test_a_cookie_hashed_destination_is_sticky(rule: dict[str, Any], sticky: bool) -> None:

    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "acme", "namespace": "istio-system"},
        "spec": {
            "hosts": ["acme.example.com"],
            "gateways": ["some-gateway"],
            "http": [
                {"name": "routeA", "route": [{"destination": {"host": SERVICE, "port": {"number": 8484}}}]}
            ],
        },
    }
    destination_rule = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "acme", "namespace": "istio-system"},
        "spec": {"host": SERVICE, **rule},
    }
    model = istio(GATEWAY + "---\n" + yaml.safe_dump(vs) + "---\n" + yaml.safe_dump(destination_rule))
    outcome = model.evaluate(request("http://acme.example.com/"))
    assert [d.identity.endswith(STICKY) for d in outcome.dests] == [sticky]


HEADERS = (
    GATEWAY
    + r"""
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: acme, namespace: istio-system}
spec:
  hosts: [acme.example.com]
  gateways: [some-gateway]
  http:
  - {match: [{headers: {authorization: {regex: "Bearer .+?\\..+?\\..+?"}}}], route: [{destination: {host: regex, port: {number: 80}}}]}
  - {match: [{headers: {foo-header: {}}}], route: [{destination: {host: present, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /without}, withoutHeaders: {bar-header: {regex: "BAR .+?\\..+?\\..+?"}}}], route: [{destination: {host: without, port: {number: 80}}}]}
  - {route: [{destination: {host: other, port: {number: 80}}}]}
"""
)


@pytest.mark.parametrize(
    ("headers", "path", "expected"),
    [
        # "for virtual service with regex matching on header": a SafeRegex string match, which Envoy
        # applies to the whole value.
        ({"authorization": "Bearer a.b.c"}, "/", "istio-system/regex:80"),
        ({"authorization": "xBearer a.b.c"}, "/", "istio-system/other:80"),
        # "for virtual service with presence matching on header": an empty match is a present_match.
        ({"foo-header": "anything"}, "/", "istio-system/present:80"),
        ({"foo-header": ""}, "/", "istio-system/present:80"),
        # "for virtual service with regex matching on without_header": invert_match with
        # treat_missing_header_as_empty, so a request without the header matches the route.
        ({}, "/without", "istio-system/without:80"),
        ({"bar-header": "BAR a.b.c"}, "/without", "istio-system/other:80"),
        ({"bar-header": "baz"}, "/without", "istio-system/without:80"),
    ],
)
def test_header_matches(headers: dict[str, str], path: str, expected: str) -> None:
    model = istio(HEADERS)
    assert route(model, f"http://acme.example.com{path}", **headers).split(" ")[0] == expected


# TestSortVHostRoutes, "routes with catchall match": a gateway's virtual host gets its catch-all routes
# (prefix `/`, regex `.*`, no header) moved after the others, each group keeping its order; "routes
# without catchall match" (a header makes a route no catch-all) keep their order.
SORTED = (
    GATEWAY
    + r"""
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: acme, namespace: istio-system}
spec:
  hosts: [acme.example.com]
  gateways: [some-gateway]
  http:
  - {match: [{uri: {prefix: /}}], route: [{destination: {host: first-catch-all, port: {number: 80}}}]}
  - {match: [{uri: {exact: /path1}}], route: [{destination: {host: path1, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /prefix1}}], route: [{destination: {host: prefix1, port: {number: 80}}}]}
  - {match: [{uri: {regex: ".*?regex1"}}], route: [{destination: {host: regex1, port: {number: 80}}}]}
  - {match: [{uri: {regex: ".*"}}], route: [{destination: {host: second-catch-all, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /}, headers: {foo: {exact: bar}}}], route: [{destination: {host: header, port: {number: 80}}}]}
"""
)


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/path1", {}, "istio-system/path1:80"),
        ("/prefix1/x", {}, "istio-system/prefix1:80"),
        ("/a/regex1", {}, "istio-system/regex1:80"),
        ("/other", {"foo": "bar"}, "istio-system/header:80"),
        ("/other", {}, "istio-system/first-catch-all:80"),
    ],
)
def test_catch_all_routes_come_last_on_a_gateway(path: str, headers: dict[str, str], expected: str) -> None:
    assert route(istio(SORTED), f"http://acme.example.com{path}", **headers).split(" ")[0] == expected
