"""PCRE → RE2: what is respelled, what is refused, how groups are counted; nginx targets → Envoy."""

from __future__ import annotations

import re

import pytest

from kubectl_meshify.annotations.ingress_nginx._pcre import nginx_target, nginx_variables, to_re2


@pytest.mark.parametrize(
    ("pattern", "groups"),
    [
        ("/api(/|$)(.*)", 2),
        ("/u/(?:\\d+)/(\\w+)", 1),
        ("/[(]x(y)", 1),  # a parenthesis inside a class is literal
        ("\\(lit\\)(g)", 1),
        ("(?i)/x", 0),
        ("(?-i:X)(a)", 1),
        ("(?P<name>a)(b)", 2),
        ("/a+?b*?(c){2,3}", 1),
        ("\\Q(a)\\E(b)", 1),
        ("/\\p{L}+/(x)", 1),
        ("[[:alpha:]]+(\\d)", 1),
        ("/a[]b](c)", 1),
    ],
)
def test_re2_compatible_patterns_pass_unchanged(pattern: str, groups: int) -> None:
    conversion = to_re2(pattern)
    assert conversion.ok, conversion.problems
    assert conversion.regex == pattern
    assert conversion.groups == groups


@pytest.mark.parametrize(
    ("pattern", "expected", "names"),
    [
        ("/users/(?<id>[0-9]+)", "/users/(?P<id>[0-9]+)", ["id"]),
        ("/(?'year'\\d{4})/(?<slug>.*)", "/(?P<year>\\d{4})/(?P<slug>.*)", ["year", "slug"]),
    ],
)
def test_named_groups_are_respelled_for_re2(pattern: str, expected: str, names: list[str]) -> None:
    conversion = to_re2(pattern)
    assert conversion.ok
    assert conversion.regex == expected
    assert conversion.renamed == names
    assert conversion.groups == len(names)
    assert re.compile(conversion.regex).groups == conversion.groups


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("/a(?=b)", "look-ahead"),
        ("/a(?!b)", "look-ahead"),
        ("/(?<=a)b", "look-behind"),
        ("/(?<!a)b", "look-behind"),
        ("/(\\w+)/\\1", "back-reference"),
        ("/(?P<n>a)(?P=n)", "named back-reference"),
        ("/(?<n>a)\\k<n>", "named back-reference"),
        ("/a++", "possessive"),
        ("/a*+", "possessive"),
        ("/a{2,3}+", "possessive"),
        ("/(?>ab|a)c", "atomic group"),
        ("/(a|(?R))", "recursion"),
        ("/(a)(?1)", "recursion"),
        ("/(?(1)a|b)", "conditional"),
        ("(*UTF8)/a", "control verb"),
        ("(?x) /a # comment", "inline flags"),
        ("/a\\Kb", "match-start reset"),
        ("/a\\Z", "\\Z anchor"),
        ("/[\\h]", "\\h class"),
        ("/a{1001}", "repeat count"),
        ("/a(b", "unclosed"),
        ("/a)b", "unmatched"),
        ("/[ab", "unterminated character class"),
    ],
)
def test_pcre_only_syntax_is_listed(pattern: str, problem: str) -> None:
    conversion = to_re2(pattern)
    assert not conversion.ok
    assert any(problem in text for text in conversion.problems), conversion.problems


def test_lazy_quantifiers_are_not_possessive() -> None:
    assert to_re2("/a+?/b*?/c??").ok


@pytest.mark.parametrize(
    ("target", "groups", "rewrite", "dropped"),
    [
        ("/$2", 2, "/\\2", []),
        ("/$1/x/$2", 2, "/\\1/x/\\2", []),
        ("/$1$2", 1, "/\\1", [2]),  # nginx expands a missing group to nothing
        ("/", 0, "/", []),
        ("/v2/$10", 1, "/v2/\\10", []),  # $1 then a literal 0: nginx captures are one digit
        ("/a\\b", 0, "/a\\\\b", []),  # a literal backslash stays literal in Envoy's substitution
    ],
)
def test_nginx_target_to_envoy_substitution(
    target: str, groups: int, rewrite: str, dropped: list[int]
) -> None:
    converted = nginx_target(target, groups)
    assert converted.problems == []
    assert converted.rewrite == rewrite
    assert converted.dropped == dropped


def test_nginx_target_substitution_gives_nginx_result() -> None:
    """Envoy substitutes `\\n` like Python's re.sub: the converted target gives nginx's URI."""
    pattern = to_re2("/api(/|$)(.*)")
    converted = nginx_target("/v2/$2", pattern.groups)
    assert re.sub(f"(?i)^(?:{pattern.regex}).*", converted.rewrite, "/API/users/7") == "/v2/users/7"


@pytest.mark.parametrize(
    ("target", "problem"),
    [("/$host/$1", "$host"), ("/${request_uri}", "${request_uri}"), ("/$0", "bare"), ("/x$", "bare")],
)
def test_nginx_variables_in_targets_are_problems(target: str, problem: str) -> None:
    assert any(problem in text for text in nginx_target(target, 1).problems)


def test_nginx_variables_are_found() -> None:
    assert nginx_variables("https://$host$request_uri") == ["$host", "$request_uri"]
    assert nginx_variables("https://example.com/$1") == []
