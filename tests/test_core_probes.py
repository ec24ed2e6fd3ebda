"""Route-level checks of the core translation: real CLI output, probe requests routed through the emitted
VirtualServices by the Istio routing model (which reads only the emitted objects)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from tests.unit.verify.helpers import istio as istio_model
from tests.unit.verify.helpers import route

GOLDEN = Path(__file__).parent / "golden" / "core"


def converted(case: str) -> str:
    result = CliRunner().invoke(app, ["file", str(GOLDEN / case / "input.yaml"), "--no-verify"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://shop.example.com/foo", "shop/foo:80 /foo"),
        ("http://shop.example.com/foo/", "shop/foo:80 /foo/"),
        ("http://shop.example.com/foo/x", "shop/foo:80 /foo/x"),
        ("http://shop.example.com/foobar", "shop/web:80 /foobar"),  # a string prefix, not a segment
        ("http://shop.example.com/foo/bar/baz", "shop/bar:80 /foo/bar/baz"),
        (
            "http://shop.example.com/foo/bar",
            "301 http://shop.example.com/foo/bar/",
        ),  # nginx's redirect for a location ending in /
        ("http://shop.example.com/", "shop/web:80 /"),
    ],
)
def test_prefix_is_segment_wise(url: str, expected: str) -> None:
    model = istio_model(converted("prefix-segments"))
    got = route(model, url)
    assert got == expected or got.startswith(expected + " "), got


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://site.example.com/docs", "301 http://site.example.com/docs/"),
        ("http://site.example.com/elsewhere", "308 https://site.example.com/elsewhere"),
        ("https://site.example.com/docs/a", "web/docs:80 /docs/a"),
        ("https://site.example.com/apix", "404"),
        ("https://site.example.com/api/v1", "web/api:80 /api/v1"),
    ],
)
def test_tls_host_redirects_and_trailing_slash(url: str, expected: str) -> None:
    model = istio_model(converted("trailing-slash-and-unmatched"))
    got = route(model, url)
    assert got == expected or got.startswith(expected + " "), got


def test_exact_wins_over_prefix_of_same_path() -> None:
    model = istio_model(converted("exact-and-prefix"))
    assert route(model, "http://shop.example.com/api").startswith("shop/api-root:8080")
    assert route(model, "http://shop.example.com/api/v1").startswith("shop/api-v1:8080")
    assert route(model, "http://shop.example.com/api/v2").startswith("shop/api:8080")
    assert route(model, "http://shop.example.com/apiv2") == "404"


def test_equal_timestamps_follow_nginx_name_order() -> None:
    """Same second, same host and path: nginx keeps the Ingress whose namespace/name sorts last."""
    assert route(istio_model(converted("equal-timestamps")), "http://shop.example.com/x").startswith(
        "shop/web-b:80"
    )
