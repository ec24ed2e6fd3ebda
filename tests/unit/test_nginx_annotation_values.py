"""Value parsing and mapping rules of the ingress-nginx policy families, one rule at a time."""

from __future__ import annotations

import re

import pytest

from kubectl_meshify.annotations.ingress_nginx import (
    _common,
    access,
    affinity,
    cors,
    server_tls,
    snippets,
    timeouts,
)
from kubectl_meshify.findings import Verdict


@pytest.mark.parametrize(
    ("text", "expected"),
    [("60", 60), (" 5 ", 5), ("0", 0), ("5s", None), ("-1", None), ("", None), (None, None)],
)
def test_seconds_are_whole_numbers_like_nginx_parses_them(text: str | None, expected: int | None) -> None:
    assert _common.seconds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1024", 1024),
        ("8k", 8192),
        ("1M", 1048576),
        ("50m", 50 * 1048576),
        ("2g", 2 * 1024**3),
        ("0", 0),
        ("1.5m", None),
        ("lots", None),
    ],
)
def test_nginx_sizes(text: str, expected: int | None) -> None:
    assert _common.size_bytes(text) == expected


def test_nginx_variables_in_values() -> None:
    assert _common.nginx_variables("https://$host/auth?rd=${request_uri}") == ["host", "request_uri"]
    assert _common.nginx_variables("plain text") == []


@pytest.mark.parametrize(
    ("expression", "key", "verdict"),
    [
        ("$http_x_user_id", {"httpHeaderName": "x-user-id"}, Verdict.EXACT),
        ("${cookie_session}", {"httpCookie": {"name": "session"}}, Verdict.EXACT),
        ("$arg_tenant", {"httpQueryParameterName": "tenant"}, Verdict.EXACT),
        ("$remote_addr", {"useSourceIp": True}, Verdict.APPROXIMATED),
        ("$binary_remote_addr", {"useSourceIp": True}, Verdict.APPROXIMATED),
        ("$request_uri", {"httpHeaderName": ":path"}, Verdict.APPROXIMATED),
        ("$uri", {"httpHeaderName": ":path"}, Verdict.APPROXIMATED),
        ("$host", {"httpHeaderName": ":authority"}, Verdict.APPROXIMATED),
        ("$http_host", {"httpHeaderName": ":authority"}, Verdict.APPROXIMATED),
        ("$request_uri$host", None, Verdict.UNSUPPORTED),
        ("user-$http_x_user", None, Verdict.UNSUPPORTED),
        ("constant", None, Verdict.UNSUPPORTED),
        ("$request_method", None, Verdict.UNSUPPORTED),
    ],
)
def test_upstream_hash_by_keys(expression: str, key: dict[str, object] | None, verdict: Verdict) -> None:
    mapped, got_verdict, why = affinity.hash_key(expression)
    assert (mapped, got_verdict) == (key, verdict)
    assert why


def test_composite_hash_key_suggests_its_first_variable() -> None:
    _, _, why = affinity.hash_key("$remote_addr$http_user_agent")
    assert "$remote_addr alone" in why and "useSourceIp" in why


@pytest.mark.parametrize(
    ("conditions", "tries", "policy", "non_idempotent"),
    [
        ("error timeout", 3, {"attempts": 2, "retryOn": "connect-failure,refused-stream,reset"}, False),
        ("http_502 http_504", 5, {"attempts": 4, "retryOn": "502,504"}, False),
        ("error non_idempotent", 3, {"attempts": 2, "retryOn": "connect-failure,refused-stream,reset"}, True),
        ("invalid_header", 0, {"attempts": 2, "retryOn": "reset"}, False),
        ("off", 3, {"attempts": 0}, False),
        ("error timeout", 1, {"attempts": 0}, False),
        ("non_idempotent", 3, {"attempts": 0}, True),
    ],
)
def test_next_upstream_becomes_retries(
    conditions: str, tries: int, policy: dict[str, object], non_idempotent: bool
) -> None:
    got, ignored, flagged = timeouts.retry_policy(conditions, tries)
    assert got == policy
    assert ignored == []
    assert flagged is non_idempotent


def test_next_upstream_tokens_nginx_does_not_know_are_listed() -> None:
    _, ignored, _ = timeouts.retry_policy("error http_599 sometimes", 3)
    assert ignored == ["http_599", "sometimes"]


def test_cors_origins_as_nginx_parses_them() -> None:
    assert cors.parse_origins(None) == (["*"], [])
    assert cors.parse_origins("https://a.com, *, https://b.com") == (["*"], [])
    assert cors.parse_origins("https://a.com:8443, ftp://x, https://*.b.com") == (
        ["https://a.com:8443", "https://*.b.com"],
        ["ftp://x"],
    )


def test_cors_wildcard_origin_matches_one_label_case_insensitively() -> None:
    (exact, wildcard) = cors.allow_origins(["https://A.example.com", "https://*.example.org"])
    assert exact == {"exact": "https://a.example.com"}
    pattern = re.compile(wildcard["regex"])
    assert pattern.fullmatch("https://shop.example.org")
    assert pattern.fullmatch("HTTPS://Shop.Example.ORG")
    assert not pattern.fullmatch("https://a.b.example.org")
    assert not pattern.fullmatch("https://example.org")
    assert not pattern.fullmatch("https://shopexample.org")


def test_cors_star_and_no_valid_origin_allow_any() -> None:
    assert cors.allow_origins(["*"]) == [{"regex": ".*"}]
    assert cors.allow_origins([]) == [{"regex": ".*"}]


def test_source_ranges() -> None:
    assert access.parse_source_ranges("10.0.0.1/8, 192.168.1.10,2001:db8::/32") == (
        ["10.0.0.0/8", "192.168.1.10", "2001:db8::/32"],
        [],
    )
    assert access.parse_source_ranges("10.0.0.0/8,office, ") == (["10.0.0.0/8"], ["office"])


def test_cipher_suites_keep_names_envoy_knows() -> None:
    kept, dropped = server_tls.cipher_suites("ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL:AES256-SHA")
    assert kept == ["ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA"]
    assert dropped == ["HIGH", "!aNULL"]


@pytest.mark.parametrize(
    ("value", "names"),
    [("CN=client", ["client"]), ("CN=(a|b.example.com)", ["a", "b.example.com"]), ("^CN=svc$", ["svc"]),
     ("CN=.*\\.internal$", None), ("O=Org, CN=x", None)],
)  # fmt: skip
def test_match_cn_names(value: str, names: list[str] | None) -> None:
    assert server_tls.match_cn_names(value) == names


def test_snippet_statements_respect_quotes_and_comments() -> None:
    text = '# note\nmore_set_headers "X-A: a;b" \'X-B: c\';\nproxy_set_header X-C "";'
    assert snippets.statements(text) == [
        ["more_set_headers", "X-A: a;b", "X-B: c"],
        ["proxy_set_header", "X-C", ""],
    ]
    assert snippets.statements("if ($a) { return 403; }") is None
    assert snippets.statements("gzip on") is None


def test_snippet_header_directives() -> None:
    operations, leftover = snippets.header_operations(
        'more_set_headers "X-A: 1"; more_clear_input_headers X-B; add_header X-C v always; gzip on;'
    )
    assert operations == [
        ("response", "set", "x-a", "1"),
        ("request", "remove", "x-b", None),
        ("response", "add", "x-c", "v"),
    ]
    assert leftover == ["gzip on"]
    _, leftover = snippets.header_operations('more_set_headers "X-Host: $host";')
    assert leftover == ["more_set_headers X-Host: $host"]
    _, leftover = snippets.header_operations("more_set_headers -s 404 'X-A: b';")
    assert leftover
