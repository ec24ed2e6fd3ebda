"""istiod's own unit-test expectations for host names (istio/istio), transcribed as Istio-model tests,
then what they mean for a Gateway: a VirtualService host without a dot never meets the Gateway server
host of the same name, a `*` VirtualService does."""

from __future__ import annotations

import pytest

from kubectl_meshify.verify.istio_model import intersect_hosts, resolve_shortname
from tests.unit.verify.helpers import istio, route


# pilot/pkg/model/config_test.go, TestResolveShortnameToFQDN: (name, namespace, domain, result); an
# empty namespace or domain stands for a config.Meta without it.
@pytest.mark.parametrize(
    ("name", "namespace", "domain", "expected"),
    [
        ("*", "", "", "*"),
        ("*", "default", "cluster.local", "*"),
        ("foo", "default", "cluster.local", "foo.default.svc.cluster.local"),
        ("foo.bar", "default", "cluster.local", "foo.bar"),
        ("foo", "", "cluster.local", "foo.svc.cluster.local"),
        ("foo", "default", "", "foo.default"),
        ("42.185.131.210", "default", "", "42.185.131.210"),
        ("42.185.131.210", "cluster.local", "", "42.185.131.210"),
        ("2a00:4000::614", "default", "", "2a00:4000::614"),
        ("2a00:4000::614", "cluster.local", "", "2a00:4000::614"),
    ],
)
def test_resolve_shortname_to_fqdn(name: str, namespace: str, domain: str, expected: str) -> None:
    assert resolve_shortname(name, namespace, domain) == expected


# pkg/config/host/names_test.go, TestNamesIntersection: a ∩ b, in a's order.
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["foo,com"], ["bar.com"], []),
        (["foo.com", "bar.com"], ["bar.com"], ["bar.com"]),
        (["foo.com", "bar.com"], ["*.com"], ["foo.com", "bar.com"]),
        (["*.com"], ["foo.com", "bar.com"], ["foo.com", "bar.com"]),
        (["foo.com", "*.net"], ["*.com", "bar.net"], ["foo.com", "bar.net"]),
        (["foo.com", "*.net"], ["*.bar.net"], ["*.bar.net"]),
        (["foo.com", "bar.net"], ["*"], ["foo.com", "bar.net"]),
        (["foo.com"], [], []),
        ([], ["bar.com"], []),
        (["*", "foo.com"], ["foo.com"], ["foo.com"]),
        (["*"], ["foo.com"], ["foo.com"]),
        (["foo.com"], ["Foo.com"], []),
    ],
)
def test_names_intersection(a: list[str], b: list[str], expected: list[str]) -> None:
    assert intersect_hosts(a, b) == expected


# buildGatewayHTTPRouteConfig (pilot/pkg/networking/core/gateway.go) intersects the server hosts, taken
# as written (sanitizeServerHostNamespace, pilot/pkg/model/gateway.go), with the VirtualService hosts
# after ResolveVirtualServiceShortnames (pilot/pkg/model/virtualservice.go).
GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: mon}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [grafana, prometheus, web.example.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: mon}
spec:
  hosts: [web.example.com]
  gateways: [gw]
  http: [{route: [{destination: {host: web}}]}]
"""
SHORT = """
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grafana, namespace: mon}
spec:
  hosts: [grafana]
  gateways: [gw]
  http: [{route: [{destination: {host: grafana}}]}]
"""
CATCH_ALL = """
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: grafana, namespace: mon}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - match: [{authority: {regex: "(?i)grafana(?::[0-9]+)?"}}]
    route: [{destination: {host: grafana}}]
  - match: [{authority: {regex: "(?i)grafana(?::[0-9]+)?"}}]
    directResponse: {status: 404}
"""
SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: grafana, namespace: mon}
spec: {ports: [{port: 3000}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: mon}
spec: {ports: [{port: 80}]}
"""


def test_short_virtual_service_host_answers_nothing() -> None:
    model = istio(GATEWAY + SHORT, SERVICES)
    assert route(model, "http://grafana/") == "404"
    # Its resolved name is not a server host either: nothing answers it.
    assert route(model, "http://grafana.mon.svc.cluster.local/") == "404"


def test_catch_all_virtual_service_limited_to_the_authority_serves_only_that_host() -> None:
    model = istio(GATEWAY + CATCH_ALL, SERVICES)
    assert route(model, "http://grafana/x") == "mon/grafana:3000 /x"
    assert route(model, "http://grafana:80/x") == "mon/grafana:3000 /x"
    # The `*` VirtualService's routes reach web.example.com too, but never match its Host.
    assert route(model, "http://web.example.com/x") == "mon/web:80 /x"
    assert route(model, "http://prometheus/x") == "404"  # another server host: no route matches
