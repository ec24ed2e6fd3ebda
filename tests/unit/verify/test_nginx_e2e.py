"""ingress-nginx's own end-to-end assertions, transcribed as tests of the ingress-nginx model.

Each case names its source: a file under kubernetes/ingress-nginx `test/e2e/` (controller v1.15.1) and
the `ginkgo.It` it comes from. The Ingresses are what the test builds (`framework.NewSingleIngress`:
one rule for the host, one Prefix path, the given Service on port 80); the expected backend, status,
Location or header is what the test asserts. Nothing here is taken from this tool's output.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_meshify.verify.request import STICKY
from tests.unit.verify.helpers import nginx, request, route

MAIN = "httpbun"  # framework.HTTPBunService
CANARY = "httpbun-canary"  # canaryService in canary.go


def _annotations_block(annotations: dict[str, str]) -> str:
    return "".join(f'\n    nginx.ingress.kubernetes.io/{k}: "{v}"' for k, v in annotations.items())


def ingress(
    name: str, service: str, annotations: dict[str, str], path: str = "/info", host: str = "foo"
) -> str:
    block = _annotations_block(annotations) or " {}"
    head = "\n  annotations:" + block if annotations else "\n  annotations: {}"
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: e2e{head}
spec:
  ingressClassName: nginx
  rules:
  - host: {host}
    http:
      paths:
      - {{path: {path}, pathType: Prefix, backend: {{service: {{name: {service}, port: {{number: 80}}}}}}}}
"""


def canary_pair(canary: dict[str, str], main: dict[str, str] | None = None) -> Any:
    """The mainline Ingress `foo` (created first), then the canary Ingress `foo-canary`."""
    return nginx(
        "---".join(
            [
                ingress("foo", MAIN, main or {}),
                ingress("foo-canary", CANARY, {"canary": "true", **canary}),
            ]
        )
    )


def backend(model: Any, **headers: str) -> str:
    """The Service a request for http://foo/info reaches, or the split."""
    return route(model, "http://foo/info", **headers).split(" ")[0]


M = f"e2e/{MAIN}:80"
C = f"e2e/{CANARY}:80"


# canary.go, Context "when canaried by header with no value", It "should route requests to the correct upstream"
@pytest.mark.parametrize(("value", "expected"), [("always", C), ("never", M), ("badheadervalue", M)])
def test_canary_by_header(value: str, expected: str) -> None:
    model = canary_pair({"canary-by-header": "CanaryByHeader"})
    assert backend(model, CanaryByHeader=value) == expected


# canary.go, Context "when canaried by header with value", It "should route requests to the correct upstream"
@pytest.mark.parametrize(
    ("value", "expected"), [("DoCanary", C), ("always", M), ("never", M), ("otherheadervalue", M)]
)
def test_canary_by_header_value(value: str, expected: str) -> None:
    model = canary_pair({"canary-by-header": "CanaryByHeader", "canary-by-header-value": "DoCanary"})
    assert backend(model, CanaryByHeader=value) == expected


# canary.go, Context "when canaried by header with pattern", first It "should route requests to the
# correct upstream": DoCanary → canary, Docanary → mainline.
@pytest.mark.parametrize(("value", "expected"), [("DoCanary", C), ("Docanary", M)])
def test_canary_by_header_pattern(value: str, expected: str) -> None:
    model = canary_pair(
        {"canary-by-header": "CanaryByHeader", "canary-by-header-pattern": "^Do[A-Z][a-z]+y$"}
    )
    assert backend(model, CanaryByHeader=value) == expected


# canary.go, same Context, second It: with canary-by-header-value DoCanary as well, the value wins, so
# DoCananry (which the pattern matches) goes to the mainline.
def test_canary_header_value_takes_precedence_over_the_pattern() -> None:
    model = canary_pair(
        {
            "canary-by-header": "CanaryByHeader",
            "canary-by-header-value": "DoCanary",
            "canary-by-header-pattern": "^Do[A-Z][a-z]+y$",
        }
    )
    assert backend(model, CanaryByHeader="DoCananry") == M


# canary.go, It "should routes to mainline upstream when the given Regex causes error": the header and
# a cookie saying `always` are both present, and the mainline answers.
def test_canary_pattern_that_does_not_compile_sends_to_mainline_before_the_cookie() -> None:
    model = canary_pair(
        {
            "canary-by-header": "CanaryByHeader",
            "canary-by-header-pattern": "[][**da?$&*",
            "canary-by-cookie": "CanaryByCookie",
        }
    )
    assert backend(model, CanaryByHeader="DoCanary", cookie="CanaryByCookie=always") == M
    # Without the header, balancer.lua goes on to the cookie (route_to_alternative_balancer).
    assert backend(model, cookie="CanaryByCookie=always") == C


# canary.go, Context "when canaried by header with value and cookie": a header value that does not
# match falls through to the cookie.
def test_canary_header_value_mismatch_falls_through_to_the_cookie() -> None:
    model = canary_pair(
        {
            "canary-by-header": "CanaryByHeader",
            "canary-by-header-value": "DoCanary",
            "canary-by-cookie": "CanaryByCookie",
        }
    )
    assert backend(model, CanaryByHeader="otherheadervalue", cookie="CanaryByCookie=always") == C


# canary.go, Context "when canaried by cookie", It "respects always and never values"
@pytest.mark.parametrize(("value", "expected"), [("always", C), ("never", M), ("badcookievalue", M)])
def test_canary_by_cookie(value: str, expected: str) -> None:
    model = canary_pair({"canary-by-cookie": "Canary-By-Cookie"})
    assert backend(model, cookie=f"Canary-By-Cookie={value}") == expected


# canary.go, Context "when canaried by weight": weight 0 → only mainline; 100 → only canary; equal to
# canary-weight-total → only canary; 50 → both; 100 of a total of 200 → both, evenly.
@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"canary-weight": "0"}, M),
        ({"canary-weight": "100"}, C),
        ({"canary-weight": "1000", "canary-weight-total": "1000"}, C),
        ({"canary-weight": "50"}, f"{C}*1,{M}*1"),
        ({"canary-weight": "100", "canary-weight-total": "200"}, f"{C}*1,{M}*1"),
    ],
)
def test_canary_by_weight(weights: dict[str, str], expected: str) -> None:
    assert backend(canary_pair(weights)) == expected


# canary.go, Context "Single canary Ingress", It "should not use canary with domain as a server": a canary
# Ingress alone creates no server for its host.
def test_a_canary_alone_serves_nothing() -> None:
    model = nginx(ingress("foo-canary", CANARY, {"canary": "true", "canary-by-header": "CanaryByHeader"}))
    assert route(model, "http://foo/info", CanaryByHeader="always") == "404"


# canary.go, Context "canary affinity behavior": with the default behaviour (and with `sticky`) the
# canary's response sets the mainline's affinity cookie (`aff`) and requests carrying it stay on the
# canary, so the canary's balancer is sticky; with `legacy` it is not (mergeAlternativeBackend).
@pytest.mark.parametrize(
    ("behaviour", "sticky"),
    [
        ({}, True),
        ({"affinity-canary-behavior": "sticky"}, True),
        ({"affinity-canary-behavior": "legacy"}, False),
    ],
)
def test_canary_affinity_behaviour(behaviour: dict[str, str], sticky: bool) -> None:
    model = canary_pair(
        {
            "canary-by-header": "ForceCanary",
            "canary-by-header-value": "yes",
            "canary-weight": "1",
            **behaviour,
        },
        main={"affinity": "cookie", "session-cookie-name": "aff"},
    )
    outcome = model.evaluate(request("http://foo/info", ForceCanary="yes"))
    assert [d.identity.endswith(STICKY) for d in outcome.dests] == [sticky]
    mainline = model.evaluate(request("http://foo/info", ForceCanary="no"))
    assert [d.identity.endswith(STICKY) for d in mainline.dests if d.label.startswith(M)] == [True]


# affinity.go, It "should set sticky cookie SERVERID": the location's backend is sticky.
def test_cookie_affinity_makes_the_backend_sticky() -> None:
    model = nginx(
        ingress(
            "sticky-ingress",
            MAIN,
            {"affinity": "cookie", "session-cookie-name": "SERVERID"},
            path="/",
            host="sticky.foo.com",
        )
    )
    outcome = model.evaluate(request("http://sticky.foo.com/"))
    assert [d.identity.endswith(STICKY) for d in outcome.dests] == [True]


# redirect.go, It "should respond with a standard redirect code" and "... a custom redirect code"
@pytest.mark.parametrize(("code", "expected"), [({}, 301), ({"permanent-redirect-code": "302"}, 302)])
def test_permanent_redirect(code: dict[str, str], expected: int) -> None:
    model = nginx(
        ingress(
            "redirect",
            MAIN,
            {"permanent-redirect": "http://redirect.example.com", **code},
            path="/something",
            host="redirect",
        )
    )
    assert route(model, "http://redirect/something") == f"{expected} http://redirect.example.com/"


# redirect.go (Parse): only temporal-redirect goes through isValidURL; a path is kept for
# permanent-redirect and nginx's `return 301 /new-location` answers with an absolute Location
# (absolute_redirect on; server_name_in_redirect and port_in_redirect off in nginx.tmpl), or the path
# itself with relative-redirects (`absolute_redirect off`).
def test_permanent_redirect_to_a_path() -> None:
    model = nginx(
        ingress(
            "redirect", MAIN, {"permanent-redirect": "/new-location"}, path="/", host="redirect.example.com"
        )
    )
    assert route(model, "http://redirect.example.com/a") == "301 http://redirect.example.com/new-location"
    assert route(model, "https://redirect.example.com/a") == "301 https://redirect.example.com/new-location"
    relative = nginx(
        ingress(
            "redirect",
            MAIN,
            {"permanent-redirect": "/new-location", "relative-redirects": "true"},
            path="/",
            host="redirect.example.com",
        )
    )
    assert route(relative, "http://redirect.example.com/a") == "301 /new-location"
    temporal = nginx(
        ingress(
            "redirect", MAIN, {"temporal-redirect": "/new-location"}, path="/", host="redirect.example.com"
        )
    )
    assert route(temporal, "http://redirect.example.com/a") == f"e2e/{MAIN}:80 /a"


# xforwardedprefix.go, It "should set the X-Forwarded-Prefix to the annotation value" and
# "should not add X-Forwarded-Prefix if the annotation value is empty" (both with rewrite-target /foo)
@pytest.mark.parametrize(("value", "header"), [("/test/value", " x-forwarded-prefix=/test/value"), ("", "")])
def test_x_forwarded_prefix(value: str, header: str) -> None:
    model = nginx(
        ingress(
            "xfp", MAIN, {"x-forwarded-prefix": value, "rewrite-target": "/foo"}, path="/", host="xfp.baz.com"
        )
    )
    assert route(model, "http://xfp.baz.com/") == f"e2e/{MAIN}:80 /foo{header}"
