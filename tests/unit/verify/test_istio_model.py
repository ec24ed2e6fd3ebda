"""The Istio routing model against hand-derived expectations (Istio and Envoy semantics)."""

from __future__ import annotations

import pytest

from tests.unit.verify.helpers import istio, route

GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}
"""

MATCHES = (
    GATEWAY
    + r"""
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: www, namespace: app}
spec:
  hosts: [www.example.com]
  gateways: [istio-system/gw]
  http:
  - {match: [{uri: {exact: /exact}}], route: [{destination: {host: exact, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /pre}}], route: [{destination: {host: pre, port: {number: 80}}}]}
  - {match: [{uri: {regex: "/re/[0-9]+"}}], route: [{destination: {host: re, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /ci}, ignoreUriCase: true}], route: [{destination: {host: ci, port: {number: 80}}}]}
  - {match: [{uri: {regex: "(?i)/rx.*"}}], route: [{destination: {host: rx, port: {number: 80}}}]}
  - match: [{headers: {x-a: {exact: one}}}, {headers: {x-b: {prefix: be}}}]
    route: [{destination: {host: hdr, port: {number: 80}}}]
  - {match: [{headers: {x-c: {regex: "c[0-9]"}}}], route: [{destination: {host: hdrre, port: {number: 80}}}]}
  - {match: [{headers: {x-d: {}}}], route: [{destination: {host: present, port: {number: 80}}}]}
  - match: [{uri: {prefix: /nod}, withoutHeaders: {x-skip: {exact: "1"}}}]
    route: [{destination: {host: nod, port: {number: 80}}}]
  - {match: [{port: 443}], route: [{destination: {host: only443, port: {number: 80}}}]}
  - {route: [{destination: {host: default, port: {number: 80}}}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wild, namespace: app}
spec:
  hosts: ["*.example.com"]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: wild.app.svc.cluster.local, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: star, namespace: app}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: star, port: {number: 80}}}]}]
"""
)


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("http://www.example.com/exact", {}, "app/exact:80"),
        ("http://www.example.com/exact/", {}, "app/default:80"),
        ("http://www.example.com/pre", {}, "app/pre:80"),
        ("http://www.example.com/prefix", {}, "app/pre:80"),  # a plain string prefix
        ("http://www.example.com/re/12", {}, "app/re:80"),
        ("http://www.example.com/re/12/x", {}, "app/default:80"),  # RE2 full match
        ("http://www.example.com/CI/x", {}, "app/ci:80"),
        ("http://www.example.com/RX/y", {}, "app/rx:80"),
        ("http://www.example.com/o", {"x_a": "one"}, "app/hdr:80"),
        ("http://www.example.com/o", {"x_b": "beta"}, "app/hdr:80"),
        ("http://www.example.com/o", {"x_a": "two"}, "app/default:80"),
        ("http://www.example.com/o", {"x_c": "c1"}, "app/hdrre:80"),
        ("http://www.example.com/o", {"x_c": "c12"}, "app/default:80"),
        ("http://www.example.com/o", {"x_d": "anything"}, "app/present:80"),
        ("http://www.example.com/nod", {}, "app/nod:80"),
        ("http://www.example.com/nod", {"x_skip": "1"}, "app/default:80"),
        ("http://a.example.com/", {}, "app/wild:80"),
        ("http://a.b.example.com/", {}, "app/wild:80"),  # Envoy wildcards match any depth
        ("http://example.org/", {}, "app/star:80"),
    ],
)
def test_matches_and_host_selection(url: str, headers: dict[str, str], expected: str) -> None:
    assert route(istio(MATCHES), url, **headers).split(" ")[0] == expected


ACTIONS = (
    GATEWAY
    + r"""
---
apiVersion: v1
kind: Service
metadata: {name: short, namespace: act}
spec: {selector: {app: short}, ports: [{port: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: act}
spec:
  host: web.act.svc.cluster.local
  subsets: [{name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: act, namespace: act}
spec:
  hosts: [act.example.com]
  gateways: [istio-system/gw]
  http:
  - {match: [{uri: {prefix: /old}}], redirect: {uri: /new}}
  - match: [{uri: {prefix: /move}}]
    redirect: {authority: other.example.com, scheme: https, port: 8443, redirectCode: 308}
  - {match: [{uri: {exact: /gone}}], directResponse: {status: 410}}
  - match: [{uri: {prefix: /api/}}]
    rewrite: {uri: /v2/}
    route: [{destination: {host: api, port: {number: 80}}}]
  - match: [{uri: {exact: /login}}]
    rewrite: {uri: /auth/login}
    route: [{destination: {host: auth, port: {number: 80}}}]
  - match: [{uri: {regex: "/shop/(.*)"}}]
    rewrite: {uriRegexRewrite: {match: "^/shop/(.*)$", rewrite: '/store/\1'}}
    route: [{destination: {host: shop, port: {number: 80}}}]
  - match: [{uri: {prefix: /host}}]
    rewrite: {authority: internal.local}
    headers: {request: {set: {x-forwarded-prefix: /host}}}
    route: [{destination: {host: h, port: {number: 80}}}]
  - match: [{uri: {prefix: /split}}]
    route:
    - {destination: {host: a, port: {number: 80}}, weight: 75}
    - {destination: {host: b, port: {number: 80}}, weight: 25}
  - {match: [{uri: {prefix: /short}}], route: [{destination: {host: short}}]}
  - match: [{uri: {prefix: /sub}}]
    route: [{destination: {host: web.act.svc.cluster.local, subset: v2, port: {number: 80}}}]
  - match: [{uri: {prefix: /missing}}]
    route: [{destination: {host: web.act.svc.cluster.local, subset: v9, port: {number: 80}}}]
  - rewrite: {uri: /base/}
    route: [{destination: {host: root, port: {number: 80}}}]
"""
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://act.example.com/old/x", "301 http://act.example.com/new"),
        ("http://act.example.com/move/x", "308 https://other.example.com:8443/move/x"),
        ("http://act.example.com/gone", "410"),
        ("http://act.example.com/api/users", "act/api:80 /v2/users"),  # the matched prefix is replaced
        ("http://act.example.com/login", "act/auth:80 /auth/login"),  # exact: the whole path
        ("http://act.example.com/shop/a/b", "act/shop:80 /store/a/b"),
        ("http://act.example.com/host/x", "act/h:80 /host/x host=internal.local x-forwarded-prefix=/host"),
        ("http://act.example.com/split", "act/a:80*3,act/b:80*1 /split"),
        ("http://act.example.com/short", "act/short:8080 /short"),  # the Service's only port
        ("http://act.example.com/sub", "act/web:80 (subset v2) /sub"),
        ("http://act.example.com/missing", "503"),
        ("http://act.example.com/foo", "act/root:80 /base/foo"),  # catch-all: prefix `/` replaced
    ],
)
def test_actions(url: str, expected: str) -> None:
    assert route(istio(ACTIONS), url) == expected


LISTENERS = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http-secure, protocol: HTTP}
    hosts: [secure.example.com]
    tls: {httpsRedirect: true}
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [plain.example.com, unbound.example.com]}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [secure.example.com]
    tls: {mode: SIMPLE, credentialName: s}
  - port: {number: 443, name: https-wild, protocol: HTTPS}
    hosts: ["*.wild.example.com"]
    tls: {mode: SIMPLE, credentialName: w}
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [pass.example.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: secure, namespace: l}
spec:
  hosts: [secure.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: secure, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: plain, namespace: l}
spec:
  hosts: [plain.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: plain, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: unbound, namespace: l}
spec:
  hosts: [unbound.example.com]
  http: [{route: [{destination: {host: unbound, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: wild, namespace: l}
spec:
  hosts: ["*.wild.example.com"]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: wild, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pass, namespace: l}
spec:
  hosts: [pass.example.com]
  gateways: [istio-system/gw]
  tls:
  - match: [{sniHosts: [pass.example.com], port: 443}]
    route: [{destination: {host: pass-svc.l.svc.cluster.local, port: {number: 8443}}}]
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://secure.example.com/a", "301 https://secure.example.com/a"),
        ("https://secure.example.com/a", "l/secure:80 /a"),
        ("http://plain.example.com/", "l/plain:80 /"),
        ("https://plain.example.com/", "refused"),  # no HTTPS server for that SNI name
        ("https://pass.example.com/x", "tls l/pass-svc:8443"),
        ("https://x.wild.example.com/", "l/wild:80 /"),
        ("http://x.wild.example.com/", "404"),  # no port-80 server lists that host
        ("http://unbound.example.com/", "404"),  # a VirtualService without gateways is mesh-only
    ],
)
def test_listeners_tls_and_https_redirect(url: str, expected: str) -> None:
    assert route(istio(LISTENERS), url) == expected


def _intersection_case(server_hosts: str) -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: gw, namespace: istio-system}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
  - {{port: {{number: 80, name: http, protocol: HTTP}}, hosts: {server_hosts}}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: wild, namespace: s, creationTimestamp: "2024-01-01T00:00:00Z"}}
spec:
  hosts: ["*.example.com"]
  gateways: [istio-system/gw]
  http: [{{route: [{{destination: {{host: wild, port: {{number: 80}}}}}}]}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: www, namespace: s, creationTimestamp: "2024-02-01T00:00:00Z"}}
spec:
  hosts: [www.example.com]
  gateways: [istio-system/gw]
  http: [{{route: [{{destination: {{host: www, port: {{number: 80}}}}}}]}}]
"""


def test_wildcard_virtual_service_captures_listed_hosts() -> None:
    """istio-semantics.md §11: the virtual host is the intersection of VirtualService and server hosts."""
    captured = istio(_intersection_case('["*.example.com", "www.example.com"]'))
    assert route(captured, "http://www.example.com/") == "s/wild:80 /"
    apart = istio(_intersection_case('["*.example.com"]'))
    assert route(apart, "http://www.example.com/") == "s/www:80 /"
    assert route(apart, "http://a.example.com/") == "s/wild:80 /"


SEMANTICS = (
    GATEWAY
    + """
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ingress
  namespace: sem
  annotations: {internal.istio.io/route-semantics: ingress}
spec:
  hosts: [ingress.example.com]
  gateways: [istio-system/gw]
  http: [{match: [{uri: {prefix: /p/}}], route: [{destination: {host: p, port: {number: 80}}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: user, namespace: sem}
spec:
  hosts: [user.example.com]
  gateways: [istio-system/gw]
  http:
  - {match: [{uri: {regex: "/(?=x)"}}], route: [{destination: {host: bad, port: {number: 80}}}]}
  - {match: [{uri: {prefix: /p}}], route: [{destination: {host: p, port: {number: 80}}}]}
"""
)


def test_ingress_route_semantics_and_invalid_regex() -> None:
    model = istio(SEMANTICS)
    # Istio's internal annotation turns `prefix` into Envoy's path_separated_prefix (trailing / trimmed).
    assert route(model, "http://ingress.example.com/p") == "sem/p:80 /p"
    assert route(model, "http://ingress.example.com/p/x") == "sem/p:80 /p/x"
    assert route(model, "http://ingress.example.com/pxyz") == "404"
    assert route(model, "http://user.example.com/pxyz") == "sem/p:80 /pxyz"
    # RE2 has no look-ahead: Istio rejects it; the route never matches and the error is reported.
    assert route(model, "http://user.example.com/x") == "404"
    assert any("look-around" in e for e in model.errors)


def test_gateway_outside_the_objects_is_assumed_to_serve_every_host() -> None:
    text = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: ext}
spec:
  hosts: [ext.example.com]
  gateways: [edge/shared]
  http: [{route: [{destination: {host: web, port: {number: 80}}}]}]
"""
    assert route(istio(text), "http://ext.example.com/") == "ext/web:80 /"
    assert route(istio(text), "https://ext.example.com/") == "ext/web:80 /"
    assert route(istio(text, assume_external_gateways=False), "http://ext.example.com/") == "refused"
