"""Routing families: key tables, redirect URL parsing and the canary split, below the golden cases."""

from __future__ import annotations

import re
from types import ModuleType

import pytest

from kubectl_meshify.annotations import NGINX_FAMILIES
from kubectl_meshify.annotations.ingress_nginx import canary, hosts, redirect, rewrite
from kubectl_meshify.annotations.ingress_nginx.canary import Policy, Result, cookie_regex
from kubectl_meshify.annotations.ingress_nginx.redirect import redirect_for_url
from kubectl_meshify.model import Destination, Match, Route, RouteOrigin

FAMILIES = [rewrite, redirect, hosts, canary]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__.rsplit(".", 1)[1])
def test_docstring_table_lists_exactly_the_keys(family: ModuleType) -> None:
    """The mapping table users read is generated from the docstring: it must agree with KEYS."""
    rows = re.findall(r"^\| ([a-z0-9-]+) \| ([a-z-]+) \|", family.__doc__ or "", re.MULTILINE)
    assert {key: verdict for key, verdict in rows if key not in ("key", "---")} == {
        key: info.verdict.value for key, info in family.KEYS.items()
    }


def test_families_are_registered_in_order() -> None:
    names = [f.__name__.rsplit(".", 1)[1] for f in NGINX_FAMILIES]
    assert [n for n in names if n in {"redirect", "rewrite", "hosts", "canary"}] == [
        "redirect",
        "rewrite",
        "hosts",
        "canary",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://new.example.com", {"scheme": "https", "authority": "new.example.com", "uri": "/"}),
        (
            "http://a.example.com:8080/p?q=1#top",
            {"scheme": "http", "authority": "a.example.com", "port": 8080, "uri": "/p?q=1#top"},
        ),
        ("https://b.example.com$request_uri", {"scheme": "https", "authority": "b.example.com"}),
        ("HTTPS://[2001:db8::1]/x", {"scheme": "https", "authority": "[2001:db8::1]", "uri": "/x"}),
    ],
)
def test_redirect_for_url(url: str, expected: dict[str, object]) -> None:
    redirect_fields, problems = redirect_for_url(url, 301)
    assert problems == []
    assert redirect_fields == {**expected, "redirectCode": 301}


@pytest.mark.parametrize(
    "url",
    [
        "https://$host/x",
        "https://a.example.com/prefix$request_uri",
        "/relative",
        "https://user:pw@a.example.com/",
    ],
)
def test_redirect_for_url_refuses_what_envoy_cannot_send(url: str) -> None:
    redirect_fields, problems = redirect_for_url(url, 302)
    assert redirect_fields is None and problems


@pytest.mark.parametrize(
    ("cookie", "always"),
    [
        ("canary=always", True),
        ("a=1; canary=always", True),
        ("a=1;canary=always;b=2", True),
        ("CANARY=always", True),
        ("canary=always ; b=2", True),
        ("canary=Always", False),
        ("canary=alwaysx", False),
        ("xcanary=always", False),
        ("canary=never", False),
        ("a=canary=always", False),
    ],
)
def test_cookie_regex(cookie: str, always: bool) -> None:
    assert (re.fullmatch(cookie_regex("canary", "always"), cookie) is not None) is always


def test_cookie_regex_escapes_the_name() -> None:
    assert re.fullmatch(cookie_regex("a.b", "always"), "a.b=always")
    assert not re.fullmatch(cookie_regex("a.b", "always"), "axb=always")


def _primary() -> Route:
    return Route(
        name="ns.web.r0.p0",
        origin=RouteOrigin("ns/web", 0, 0),
        matches=[Match(uri=("exact", "/p")), Match(uri=("prefix", "/p/"))],
        destinations=[Destination("web", "ns", 80)],
        http={"timeout": "5s"},
    )


def test_split_order_header_cookie_weight() -> None:
    policy = Policy(header="X-Canary", cookie="c", weight=30)
    routes = canary._split(_primary(), policy, Destination("web-v2", "ns", 80), Result())
    assert [r.name.rsplit(".", 1)[1] for r in routes] == [
        "canary-header",
        "canary-header-never",
        "canary-cookie",
        "canary-cookie-never",
        "p0",
    ]
    # Every split route keeps the primary's matches (ANDed with its condition), origin and fields.
    for split in routes:
        assert [m.uri for m in split.matches] == [("exact", "/p"), ("prefix", "/p/")]
        assert split.origin == RouteOrigin("ns/web", 0, 0)
        assert split.http == {"timeout": "5s"}
    assert routes[0].matches[1].headers == {"x-canary": ("exact", "always")}
    assert [(d.service, d.weight) for d in routes[-1].destinations] == [("web", 70), ("web-v2", 30)]


@pytest.mark.parametrize(
    ("weight", "total", "expected"),
    [
        (0, 100, [("web", None)]),
        (10, 50, [("web", 90), ("web-v2", 10)]),  # totals under 100 count as 100
        (10, 200, [("web", 190), ("web-v2", 10)]),
        (100, 100, [("web-v2", None)]),
        (150, 100, [("web-v2", None)]),
        (-5, 100, [("web", None)]),
    ],
)
def test_weight_total_quirk(weight: int, total: int, expected: list[tuple[str, int | None]]) -> None:
    policy = Policy(weight=weight, weight_total=total)
    (route,) = canary._split(_primary(), policy, Destination("web-v2", "ns", 80), Result())
    assert [(d.service, d.weight) for d in route.destinations] == expected


def test_header_value_wins_over_pattern_and_has_no_never_route() -> None:
    policy = Policy(header="X_Env", header_value="beta", header_pattern="b.*")
    routes = canary._split(_primary(), policy, Destination("web-v2", "ns", 80), Result())
    assert [r.name for r in routes] == ["ns.web.r0.p0.canary-header", "ns.web.r0.p0"]
    assert routes[0].matches[0].headers == {"x-env": ("exact", "beta")}


def test_pattern_is_unanchored() -> None:
    policy = Policy(header="X-User", header_pattern="^(alice|bob)$")
    routes = canary._split(_primary(), policy, Destination("web-v2", "ns", 80), Result())
    regex = routes[0].matches[0].headers["x-user"][1]
    assert re.fullmatch(regex, "alice") and not re.fullmatch(regex, "xalice")
    policy = Policy(header="X-User", header_pattern="bob")
    routes = canary._split(_primary(), policy, Destination("web-v2", "ns", 80), Result())
    assert re.fullmatch(routes[0].matches[0].headers["x-user"][1], "is bob here")
