"""Regex dialects: RE2 (Envoy) and PCRE (nginx) on Python's `re`, and example strings."""

from __future__ import annotations

import pytest

from kubectl_meshify.verify.regex import (
    RegexError,
    compile_pcre,
    compile_re2,
    envoy_substitute,
    examples,
    nginx_substitute,
)


@pytest.mark.parametrize(
    ("pattern", "text", "full"),
    [
        ("/a(?i)bc", "/aBC", True),  # a flag in the middle applies to the rest
        ("/x(/y(?i)z)w", "/x/yZw", True),
        ("/x(/y(?i)z)w", "/x/yzW", False),  # ... of the enclosing group only
        ("[[:digit:]]+", "123", True),
        (r"\Q.a\E", ".a", True),
        (r"\Q.a\E", "xa", False),
        ("(?P<n>a)b", "ab", True),
        ("(?<n>a)b", "ab", True),
    ],
)
def test_re2_translation(pattern: str, text: str, full: bool) -> None:
    assert (compile_re2(pattern).fullmatch(text) is not None) is full


@pytest.mark.parametrize("pattern", ["/(?=x)", "(?<!a)b", r"(a)\1", "a*+", "(?>a)", "(?U)a", "(a"])
def test_re2_rejects_what_envoy_rejects(pattern: str) -> None:
    with pytest.raises(RegexError):
        compile_re2(pattern)


def test_pcre_and_substitutions() -> None:
    match = compile_pcre("/api(/|$)(.*)", ignore_case=True).match("/API/x")
    assert match is not None
    assert nginx_substitute("/$2", match) == "/x"
    assert nginx_substitute("/$3$host", match) == "/$host"  # a missing group is empty
    assert compile_pcre("(?<=a)b").search("ab")  # PCRE has look-behind
    pattern = compile_re2("^/shop/(.*)$")
    assert pattern.sub(envoy_substitute(r"/store/\1"), "/shop/a") == "/store/a"


def test_examples_match_their_pattern() -> None:
    for pattern in ["/api(/|$)(.*)", "/foo/bar/[A-Z0-9]{3}", "/v[0-9]+/items", "/(a|bc)+x"]:
        found = examples(pattern)
        assert found, pattern
        assert all(compile_pcre(pattern).match(text) for text in found)
    assert examples("(?=x") == ()
