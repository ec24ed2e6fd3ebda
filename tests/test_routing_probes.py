"""Probe-level route tests for the routing families: requests sent through the emitted VirtualServices.

Each test converts a golden input with the real CLI, then evaluates requests against the emitted
VirtualService with `route()` below: first match wins; `uri` exact / prefix / regex (RE2 full match,
evaluated with Python's `re`, whose syntax covers the regexes emitted here), `headers` exact / regex,
`port`; then `redirect`, `directResponse` or `route` (weights), `rewrite.uriRegexRewrite` (every match
substituted, as Envoy does), `rewrite.authority` and request header `set`. Expected outcomes are what
ingress-nginx does, computed independently where it has a rule (rewrite, canary decision).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app

GOLDEN = Path(__file__).parent / "golden"


@dataclass
class Outcome:
    kind: str  # proxy | redirect | direct | none
    dests: list[tuple[str, int]] = field(default_factory=list)  # (service host, weight)
    path: str | None = None  # upstream path with query
    authority: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    location: str | None = None
    body: str | None = None
    route: str | None = None


def convert(case: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["file", str(GOLDEN / case / "input.yaml")])
    assert result.exit_code in (0, 1), result.output
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def virtual_service(objects: list[dict[str, Any]], host: str) -> dict[str, Any]:
    for obj in objects:
        if obj["kind"] == "VirtualService" and host in obj["spec"]["hosts"]:
            return obj["spec"]
    raise AssertionError(f"no VirtualService for {host}")


def _string(spec: dict[str, str], value: str | None) -> bool:
    if value is None:
        return False
    if "exact" in spec:
        return value == spec["exact"]
    if "prefix" in spec:
        return value.startswith(spec["prefix"])
    return re.fullmatch(spec["regex"], value) is not None


def _matches(match: dict[str, Any], path: str, headers: dict[str, str], port: int) -> bool:
    if "port" in match and match["port"] != port:
        return False
    if "uri" in match and not _string(match["uri"], path.split("?", 1)[0]):
        return False
    return all(_string(spec, headers.get(name)) for name, spec in (match.get("headers") or {}).items())


def route(
    spec: dict[str, Any], url: str, headers: dict[str, str] | None = None, port: int | None = None
) -> Outcome:
    """Evaluate one request (`http://host/path?query`) against a VirtualService spec."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    port = port or (443 if parts.scheme == "https" else 80)
    request_headers = {k.lower(): v for k, v in (headers or {}).items()}
    for http in spec.get("http", []):
        if any(_matches(m, path, request_headers, port) for m in http.get("match") or [{}]):
            return _act(http, parts.scheme, parts.hostname or "", path)
    return Outcome("none")


def _act(http: dict[str, Any], scheme: str, host: str, path: str) -> Outcome:
    name = http.get("name")
    bare, _, query = path.partition("?")
    if "redirect" in http:
        redirect = http["redirect"]
        uri = redirect.get("uri", bare)
        if "?" not in uri and query:
            uri += "?" + query  # Envoy keeps the query string
        authority = redirect.get("authority", host) + (f":{redirect['port']}" if "port" in redirect else "")
        location = f"{redirect.get('scheme', scheme)}://{authority}{uri}"
        return Outcome("redirect", status=redirect.get("redirectCode", 301), location=location, route=name)
    if "directResponse" in http:
        response = http["directResponse"]
        return Outcome("direct", status=response["status"], body=(response.get("body") or {}).get("string"))
    rewrite = http.get("rewrite") or {}
    upstream = bare
    if "uriRegexRewrite" in rewrite:
        upstream = re.sub(rewrite["uriRegexRewrite"]["match"], rewrite["uriRegexRewrite"]["rewrite"], bare)
    dests = [(d["destination"]["host"], d.get("weight", 100)) for d in http["route"]]
    set_headers = ((http.get("headers") or {}).get("request") or {}).get("set") or {}
    return Outcome(
        "proxy",
        dests=dests,
        path=upstream + (f"?{query}" if query else ""),
        authority=rewrite.get("authority", host),
        headers=dict(set_headers),
        route=name,
    )


# --- rewrite ------------------------------------------------------------------------------------------


def nginx_rewrite(location: str, target: str, uri: str) -> str:
    """ingress-nginx: `rewrite "(?i)<location>" <target> break;` replaces the whole URI ($1..$9)."""
    found = re.search("(?i)" + location, uri)
    assert found, (location, uri)
    return re.sub(r"\$([1-9])", lambda m: found.group(int(m.group(1))) or "", target)


@pytest.mark.parametrize(
    "path",
    ["/api", "/api/", "/api/users", "/API/Users/42", "/api/users?page=2", "/Api/a/b/c"],
)
def test_rewrite_capture_groups_match_nginx(path: str) -> None:
    spec = virtual_service(convert("rewrite/capture-groups"), "shop.example.com")
    outcome = route(spec, "http://shop.example.com" + path)
    bare, _, query = path.partition("?")
    expected = nginx_rewrite("/api(/|$)(.*)", "/$2", bare) + (f"?{query}" if query else "")
    assert outcome.kind == "proxy"
    assert outcome.dests == [("api.shop.svc.cluster.local", 100)]
    assert outcome.path == expected
    assert outcome.headers == {"x-forwarded-prefix": "/api"}


def test_rewrite_does_not_capture_longer_names() -> None:
    """`/api(/|$)` needs a slash or the end: /apix goes to the `/` route, as in nginx."""
    spec = virtual_service(convert("rewrite/capture-groups"), "shop.example.com")
    outcome = route(spec, "http://shop.example.com/apix")
    assert outcome.dests == [("web.shop.svc.cluster.local", 100)]
    assert outcome.path == "/apix"


def test_regex_mode_makes_other_ingress_paths_case_insensitive_prefixes() -> None:
    """The web Ingress has no annotation, but use-regex on the host turns `Exact /Static` into `~* ^/Static`."""
    spec = virtual_service(convert("rewrite/capture-groups"), "shop.example.com")
    for path in ("/Static", "/static", "/STATIC/app.js", "/staticky"):
        assert route(spec, "http://shop.example.com" + path).dests == [("static.shop.svc.cluster.local", 100)]
    assert route(spec, "http://shop.example.com/other").dests == [("web.shop.svc.cluster.local", 100)]


@pytest.mark.parametrize("path", ["/app", "/app/users", "/APP/x/y?z=1", "/application"])
def test_rewrite_replaces_the_whole_uri(path: str) -> None:
    spec = virtual_service(convert("rewrite/whole-uri"), "app.example.com")
    outcome = route(spec, "http://app.example.com" + path)
    bare, _, query = path.partition("?")
    assert outcome.dests == [("app.default.svc.cluster.local", 100)]
    assert outcome.path == nginx_rewrite("/app", "/", bare) + (f"?{query}" if query else "")


def test_path_equal_to_target_is_not_rewritten() -> None:
    objects = convert("rewrite/whole-uri")
    spec = virtual_service(objects, "app.example.com")
    assert route(spec, "http://app.example.com/home/x").path == "/home/x"


@pytest.mark.parametrize(
    ("path", "upstream", "headers"),
    [
        ("/keep", "/keep", {}),
        ("/KEEP", "/KEEP", {}),
        ("/keepzz", "/keepzz", {}),  # nginx's `= /keep` location became the regex `^/keep`
        ("/keep/", "/keep", {"x-forwarded-prefix": "/keep"}),
        ("/keep/a/b", "/keep", {"x-forwarded-prefix": "/keep"}),  # the `/keep/` location rewrites
    ],
)
def test_prefix_path_equal_to_target_is_rewritten_below_it(
    path: str, upstream: str, headers: dict[str, str]
) -> None:
    """nginx stores Prefix `/keep` as `/keep/` plus `= /keep`; only `/keep/` differs from the target."""
    keep = virtual_service(convert("rewrite/whole-uri"), "keep.example.com")
    outcome = route(keep, "http://keep.example.com" + path)
    assert outcome.dests == [("keep.default.svc.cluster.local", 100)]
    assert (outcome.path, outcome.headers) == (upstream, headers)


def test_named_group_rewrite_and_absolute_target() -> None:
    objects = convert("rewrite/pcre-and-variables")
    spec = virtual_service(objects, "re.example.com")
    assert route(spec, "http://re.example.com/users/42/profile").path == "/v2/42"
    # The look-ahead path was left out: no route serves it any more (reported as unsupported).
    assert route(spec, "http://re.example.com/items/x").kind == "none"
    moved = virtual_service(objects, "old.example.com")
    outcome = route(moved, "http://old.example.com/promo/spring?ref=mail")
    assert (outcome.kind, outcome.status) == ("redirect", 302)
    # nginx appends the request's query to an absolute rewrite target, as Envoy keeps it.
    assert outcome.location == "https://new.example.com/landing?ref=mail"


def test_regex_paths_are_start_anchored_prefixes() -> None:
    spec = virtual_service(convert("rewrite/use-regex"), "docs.example.com")
    assert route(spec, "http://docs.example.com/v12/guide/intro").dests == [
        ("guide.default.svc.cluster.local", 100)
    ]
    assert route(spec, "http://docs.example.com/V3/GUIDE").dests == [("guide.default.svc.cluster.local", 100)]
    assert route(spec, "http://docs.example.com/x/v1/guide").dests == [
        ("docs.default.svc.cluster.local", 100)
    ]


def test_equal_length_regex_paths_keep_nginx_order() -> None:
    """nginx writes equal-length regex locations by path, descending: /abc is tried before /a.c."""
    spec = virtual_service(convert("rewrite/use-regex"), "docs.example.com")
    assert route(spec, "http://docs.example.com/abc").dests == [("abc.default.svc.cluster.local", 100)]
    assert route(spec, "http://docs.example.com/axc").dests == [("any-char.default.svc.cluster.local", 100)]


# --- app-root -----------------------------------------------------------------------------------------


def test_app_root_redirects_only_slash_and_before_the_https_redirect() -> None:
    spec = virtual_service(convert("rewrite/app-root"), "portal.example.com")
    for url in ("http://portal.example.com/", "https://portal.example.com/"):
        outcome = route(spec, url)
        scheme = url.split(":", 1)[0]
        assert (outcome.kind, outcome.status, outcome.location) == (
            "redirect",
            302,
            f"{scheme}://portal.example.com/dashboard",
        )
    http = route(spec, "http://portal.example.com/reports")
    assert (http.status, http.location) == (308, "https://portal.example.com/reports")
    assert route(spec, "https://portal.example.com/reports").dests == [
        ("portal.default.svc.cluster.local", 100)
    ]


# --- redirects ----------------------------------------------------------------------------------------


def test_permanent_redirects_answer_every_path_of_their_ingress() -> None:
    spec = virtual_service(convert("redirect/permanent"), "old.example.com")
    catalog = route(spec, "http://old.example.com/catalog/shoes?size=9")
    assert (catalog.status, catalog.location) == (308, "https://shop.example.com/new?from=old")
    blog = route(spec, "https://old.example.com/blog/2020/post?x=1")
    assert (blog.status, blog.location) == (301, "https://blog.example.com/blog/2020/post?x=1")
    # nginx's implicit `/` location of the host carried the first Ingress's redirect.
    other = route(spec, "https://old.example.com/anything")
    assert (other.status, other.location) == (308, "https://shop.example.com/new?from=old")


def test_temporal_redirect_wins_with_its_code_and_port() -> None:
    spec = virtual_service(convert("redirect/temporal-wins"), "app.example.com")
    outcome = route(spec, "http://app.example.com/x")
    assert (outcome.status, outcome.location) == (307, "http://status.example.com:8080/maintenance")


def test_codes_envoy_cannot_redirect_with_answer_the_url_as_body() -> None:
    objects = convert("redirect/codes-and-urls")
    outcome = route(virtual_service(objects, "a.example.com"), "http://a.example.com/x")
    assert (outcome.kind, outcome.status, outcome.body) == ("direct", 300, "https://example.com/choose")
    fallback = route(virtual_service(objects, "b.example.com"), "http://b.example.com/x")
    assert (fallback.status, fallback.location) == (301, "https://b2.example.com/")
    # permanent-redirect is not URL-validated (only temporal-redirect is: isValidURL in
    # internal/ingress/annotations/redirect/redirect.go), so `return 301 /elsewhere;` answers with nginx's
    # absolute_redirect: the request's scheme and Host, no port.
    relative = route(virtual_service(objects, "c.example.com"), "http://c.example.com/x")
    assert (relative.status, relative.location) == (301, "http://c.example.com/elsewhere")


def test_www_twin_redirects_to_the_host_keeping_scheme_path_and_query() -> None:
    objects = convert("redirect/from-to-www")
    twin = virtual_service(objects, "www.shop.example.com")
    for scheme in ("http", "https"):
        outcome = route(twin, f"{scheme}://www.shop.example.com/a/b?c=1")
        assert (outcome.status, outcome.location) == (308, f"{scheme}://shop.example.com/a/b?c=1")
    # www.blog.example.com → blog.example.com is skipped: blog.example.com has its own Ingress.
    blog = virtual_service(objects, "blog.example.com")
    assert route(blog, "http://blog.example.com/").dests == [("blog.shop.svc.cluster.local", 100)]
    gateway = next(o for o in objects if o["kind"] == "Gateway")
    https = next(s for s in gateway["spec"]["servers"] if s["port"]["number"] == 443)
    assert "www.shop.example.com" in https["hosts"]


# --- hosts ----------------------------------------------------------------------------------------------


def test_upstream_vhost_sets_the_host_header() -> None:
    spec = virtual_service(convert("hosts/upstream-vhost"), "assets.example.com")
    for path in ("/", "/img/logo.png"):
        assert route(spec, "http://assets.example.com" + path).authority == "assets.internal.example.com"


def test_alias_shares_the_virtual_service() -> None:
    objects = convert("hosts/server-alias")
    spec = virtual_service(objects, "store.example.com")
    assert spec is virtual_service(objects, "shop.example.com")
    assert route(spec, "https://store.example.com/admin/x").dests == [("admin.shop.svc.cluster.local", 100)]


# --- canary ---------------------------------------------------------------------------------------------


def nginx_canary(
    headers: dict[str, str], header: str = "", value: str = "", pattern: str = "", cookie: str = ""
) -> bool | None:
    """ingress-nginx's route_to_alternative_balancer up to the weight step: True canary, False primary,
    None when the weight decides."""
    got = headers.get(header.lower()) if header else None
    if got is not None:
        if value:
            if got == value:
                return True
        elif pattern:
            if re.search(pattern, got):
                return True
        elif got == "always":
            return True
        elif got == "never":
            return False
    if cookie:
        jar = dict(
            (k.strip().lower(), v.strip())
            for k, _, v in (c.partition("=") for c in headers.get("cookie", "").split(";"))
        )
        if jar.get(cookie.lower()) == "always":
            return True
        if jar.get(cookie.lower()) == "never":
            return False
    return None


CANARY_REQUESTS = [
    {},
    {"X-Canary": "always"},
    {"X-Canary": "never"},
    {"X-Canary": "ALWAYS"},
    {"X-Canary": "sometimes"},
    {"Cookie": "canary=always"},
    {"Cookie": "session=abc; canary=always"},
    {"Cookie": "session=abc;Canary=never; theme=dark"},
    {"Cookie": "canary=alwaysx"},
    {"Cookie": "notcanary=always"},
    {"X-Canary": "never", "Cookie": "canary=always"},
    {"X-Canary": "other", "Cookie": "canary=always"},
    {"X-Canary": "always", "Cookie": "canary=never"},
]


@pytest.mark.parametrize(
    "headers", CANARY_REQUESTS, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()) or "none"
)
def test_canary_decision_order_matches_nginx(headers: dict[str, str]) -> None:
    spec = virtual_service(convert("canary/header-cookie-weight"), "shop.example.com")
    outcome = route(spec, "http://shop.example.com/any/path", headers)
    primary, canary = "web.shop.svc.cluster.local", "web-v2.shop.svc.cluster.local"
    decision = nginx_canary({k.lower(): v for k, v in headers.items()}, header="X-Canary", cookie="canary")
    if decision is None:
        assert outcome.dests == [(primary, 90), (canary, 10)]
    else:
        assert outcome.dests == [(canary if decision else primary, 100)]


@pytest.mark.parametrize(
    ("headers", "path", "expected"),
    [
        ({"X-Region": "eu-west"}, "/v1", [("api-next.default.svc.cluster.local", 100)]),
        (
            {"X-Region": "eu-north"},
            "/v1",
            [("api.default.svc.cluster.local", 95), ("api-next.default.svc.cluster.local", 5)],
        ),
        ({"X-Beta-User": "mail: alice@example.com"}, "/v2/x", [("api2-next.default.svc.cluster.local", 100)]),
        (
            {"X-Beta-User": "carol@example.com"},
            "/v2/x",
            [("api2.default.svc.cluster.local", 975), ("api2-next.default.svc.cluster.local", 25)],
        ),
        ({}, "/v3", [("api3-next.default.svc.cluster.local", 100)]),
    ],
)
def test_canary_header_value_and_pattern(
    headers: dict[str, str], path: str, expected: list[tuple[str, int]]
) -> None:
    spec = virtual_service(convert("canary/header-value-pattern"), "api.example.com")
    assert route(spec, "http://api.example.com" + path, headers).dests == expected


def test_canary_weights_split_like_nginx_random() -> None:
    """nginx: canary iff random(T) <= w, with T = max(100, weight-total); the VirtualService weights must
    give the same share."""
    spec = virtual_service(convert("canary/header-value-pattern"), "api.example.com")
    rng = random.Random(7)
    for path, weight, total in (("/v1", 5, 50), ("/v2", 25, 1000)):
        dests = route(spec, "http://api.example.com" + path).dests
        share = dests[1][1] / sum(w for _, w in dests)
        t = max(100, total)
        draws = 20000
        nginx_share = sum(rng.randint(1, t) <= weight for _ in range(draws)) / draws
        assert share == weight / t
        assert abs(nginx_share - share) < 0.01


def test_canary_attaches_to_the_upstream_not_the_path() -> None:
    spec = virtual_service(convert("canary/shared-upstream"), "store.example.com")
    cookie = {"Cookie": "store_canary=always"}
    canary = [("store-next.shop.svc.cluster.local", 100)]
    assert route(spec, "http://store.example.com/", cookie).dests == canary
    assert route(spec, "http://store.example.com/cart/1", cookie).dests == canary
    # /search names the port by name: another nginx upstream, untouched by the canary.
    assert route(spec, "http://store.example.com/search", cookie).dests == [
        ("store.shop.svc.cluster.local", 100)
    ]
    mobile = virtual_service(convert("canary/shared-upstream"), "m.store.example.com")
    assert route(mobile, "http://m.store.example.com/", cookie).dests == canary


def test_canary_routes_inherit_the_primary_route() -> None:
    spec = virtual_service(convert("canary/inherits-primary"), "api.example.com")
    for headers, service in (
        ({"X-Canary": "never"}, "api"),
        ({}, "api-next"),
        ({"X-Canary": "always"}, "api-next"),
    ):
        outcome = route(spec, "https://api.example.com/api/orders?id=1", headers)
        assert outcome.dests == [(f"{service}.default.svc.cluster.local", 100)]
        assert (outcome.path, outcome.authority) == ("/orders?id=1", "api.internal")
        plain = route(spec, "http://api.example.com/api/orders", headers)
        assert (plain.status, plain.location) == (308, "https://api.example.com/api/orders")
    moved = virtual_service(convert("canary/inherits-primary"), "old.example.com")
    assert route(moved, "http://old.example.com/x").location == "https://new.example.com/"
