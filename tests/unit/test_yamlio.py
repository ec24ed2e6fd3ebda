"""yamlio: loading equals PyYAML's safe loader, the emitter equals PyYAML's dumper in the default style,
strings survive YAML 1.1 and 1.2 readers, and comments are tied to the node they describe."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_meshify import yamlio
from kubectl_meshify.output import to_yaml

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

ODD_DOCUMENTS = [
    "a: 1\nb: -2\nc: +3\nd: 0\ne: 010\nf: 0x1F\ng: 1_000\nh: 1:30\ni: 1.5\nj: .inf\nk: -.nan\n",
    "a: yes\nb: No\nc: ON\nd: off\ne: TRUE\nf: false\ng: y\nh: n\ni: ~\nj: null\nk:\nl: ''\n",
    "when: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\nquoted: '2002-12-14'\n",
    "base: &b {x: 1, y: [1, 2]}\nmerged:\n  <<: *b\n  y: 3\nsame: *b\n",
    "s: !!str 5\nb: !!binary aGVsbG8=\nset: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\n",
    "- [a, {b: c}]\n- {d: [e, f]}\n- 'it''s'\n- \"tab\\there\"\n- |\n  literal\n  text\n- >-\n  folded\n  text\n",
    "= : value\nkey with spaces: v\n? complex\n: value\n'quoted key': 1\n",
]


@pytest.mark.parametrize("text", ODD_DOCUMENTS)
def test_load_equals_pyyaml(text: str) -> None:
    assert yamlio.load(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_load_keeps_shared_anchors_and_empty_documents() -> None:
    data = yamlio.load("a: &x [1]\nb: *x\n")
    assert data["a"] is data["b"]
    assert yamlio.load("# only a comment\n") is None
    assert yamlio.load("") is None


def test_load_rejects_invalid_yaml_like_pyyaml() -> None:
    with pytest.raises(yaml.MarkedYAMLError):
        yamlio.load("a: [1, 2\n")


def _golden_objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted(GOLDEN.glob("*/*/expected.yaml")):
        objects += [o for o in yaml.safe_load_all(path.read_text()) if o]
    return objects


def test_default_style_is_pyyaml_byte_for_byte() -> None:
    objects = _golden_objects()
    assert len(objects) > 20
    objects.append(
        {
            "strings": [
                "80",
                "*.example.com",
                "(?i)(?:/api(/|$)(.*)).*",
                "a: b",
                "",
                " x",
                "#x",
                "é",
                "yes",
                "1.5.3",
                "10.0.0.1",
                "600s",
                "-abc",
                "_1",
            ],
            "nested": [[1, 2], [], {}, [{"a": None, "b": True, "c": 1.5}]],
            "empty": {},
            "x-y": "GET, PUT, POST",
        }
    )
    for obj in objects:
        assert yamlio.dump(obj) == yaml.safe_dump(
            obj, sort_keys=False, allow_unicode=True, width=float("inf")
        )
        assert to_yaml(obj) == yamlio.dump(obj)


TRICKY_STRINGS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "null",
    "~",
    "",
    "0",
    "010",
    "0x1f",
    "1e3",
    "1.5",
    ".5",
    "1_000",
    "12:30",
    "1:2:3",
    "2001-12-14",
    "=",
    "<<",
    "-",
    "- a",
    "? a",
    ": a",
    "a: b",
    "a #b",
    "#a",
    "'a",
    '"a',
    "a'b",
    "*a",
    "&a",
    "!a",
    "%a",
    "@a",
    "`a",
    "|",
    ">",
    "[a]",
    "{a}",
    "a,b",
    " lead",
    "trail ",
    "tab\there",
    "line\nbreak",
    "crlf\r\n",
    "nul\x00",
    "bell\x07",
    "del\x7f",
    "nbsp\u00a0",
    "ls\u2028ps\u2029",
    "bom\ufeff",
    "é ü 中文",
    "emoji \U0001f600",
    "https://x.example.com/a?b=c#d",
    "/api(/|$)(.*)",
    "a" * 300,
]


@pytest.mark.parametrize("value", TRICKY_STRINGS)
def test_strings_read_back_as_strings(value: str) -> None:
    text = yamlio.dump({"k": value, value or "empty": [value]})
    assert yaml.safe_load(text) == {"k": value, value or "empty": [value]}  # YAML 1.1 (PyYAML)
    ruamel = pytest.importorskip("ruamel.yaml")
    assert ruamel.YAML(typ="safe", pure=True).load(text) == {"k": value, value or "empty": [value]}  # 1.2


def test_yaml11_booleans_are_quoted_even_where_pyyaml_would_not() -> None:
    assert yamlio.render_scalar("y") == "'y'"
    assert yamlio.render_scalar("yes") == "'yes'"
    assert yamlio.render_scalar("80") == "'80'"
    assert yamlio.render_scalar("1e3") == "'1e3'"  # a float for YAML 1.2 and go-yaml, not for PyYAML
    assert yamlio.render_scalar("0o17") == "'0o17'"
    # Issue 19: plain, go-yaml (kubectl) reads these as numbers (resolve.go: strconv.ParseInt(s, 0, 64)
    # with `_` removed, or ParseFloat), and ruamel.yaml (YAML 1.2) reads `+0o17` and `._5` as numbers.
    for number in ("0X1F", "+0o17", "-0B1", "0o1_7", "+_1", "1e1_0", "-.845E_-2", "._5", ".5_5", "08"):
        assert yamlio.render_scalar(number) == f"'{number}'"
    # go-yaml's timestamps take one-digit months and days (time.Parse layout "2006-1-2"); PyYAML does not.
    assert yamlio.render_scalar("2001-1-2") == "'2001-1-2'"
    # Not numbers for any reader: more than one dot, or a letter no number spelling has.
    for text in ("10.0.0.1", "1.2.3", "600s", "10.0.0.0/8", "-abc", "_5", "2024-q1"):
        assert yamlio.render_scalar(text) == text
    assert yamlio.render_scalar("shop.example.com") == "shop.example.com"
    assert yamlio.render_scalar(datetime.date(2024, 1, 2)) == "2024-01-02"


def test_style_detection() -> None:
    kubectl = "spec:\n  rules:\n  - host: a\n    http:\n      paths:\n      - path: /\n"
    indented = "spec:\n  rules:\n    - host: a\n      http:\n        paths:\n          - path: /\n"
    four = "spec:\n    rules:\n        -   host: a\n            http: {}\n"
    assert yamlio.detect_style(kubectl) == yamlio.Style(2, 0)
    assert yamlio.detect_style(indented) == yamlio.Style(2, 2)
    assert yamlio.detect_style(four) == yamlio.Style(4, 4)
    assert yamlio.detect_style("a: 1\n") == yamlio.DEFAULT_STYLE


def test_dump_in_a_file_style_reads_back_the_same() -> None:
    obj = {"spec": {"http": [{"name": "r", "match": [{"uri": {"prefix": "/"}}]}], "hosts": ["a", "b"]}}
    for style in (yamlio.Style(2, 0), yamlio.Style(2, 2), yamlio.Style(4, 2), yamlio.Style(3, 0)):
        assert yaml.safe_load(yamlio.dump(obj, style)) == obj
    assert yamlio.dump(obj, yamlio.Style(2, 2)) == (
        "spec:\n  http:\n    - name: r\n      match:\n        - uri:\n            prefix: /\n  hosts:\n    - a\n    - b\n"
    )


def test_dump_writes_comments_at_their_nodes() -> None:
    obj = {
        "spec": {
            "http": [{"name": "r0", "match": [{"uri": {"prefix": "/"}}]}, {"name": "r1"}],
            "hosts": ["h"],
        }
    }
    notes = {
        ("spec", "http", 0): yamlio.NodeComments(before=["# route zero"]),
        ("spec", "http", 0, "match"): yamlio.NodeComments(eol=["# the match"]),
        ("spec", "http", 1, "name"): yamlio.NodeComments(before=["# above the first key"], eol=["# eol"]),
        ("spec", "hosts", 0): yamlio.NodeComments(eol=["# the host"]),
        ("spec",): yamlio.NodeComments(before=["# one", "# two"], eol=["# a", "# b"]),
    }
    text = yamlio.dump(obj, yamlio.Style(2, 2), notes)
    assert text == (
        "# one\n# two\n# a\n# b\nspec:\n"
        "  http:\n"
        "    # route zero\n"
        "    - name: r0\n"
        "      match:  # the match\n"
        "        - uri:\n"
        "            prefix: /\n"
        "    # above the first key\n"
        "    - name: r1  # eol\n"
        "  hosts:\n"
        "    - h  # the host\n"
    )
    assert yaml.safe_load(text) == obj


COMMENTED = """\
# head
apiVersion: v1  # eol on a key
metadata:
  annotations:
    # before a key
    a: "x #not a comment"
    b: |  # header of a block scalar
      # not a comment either
spec:
  rules:
    # before an item
    - host: h
      paths: [{path: /a}, {path: /b}]  # eol after a flow collection
  # trailing, indented
"""


def test_comments_are_tied_to_the_node_they_describe() -> None:
    found = [(c.text, c.path, c.eol, c.trailing) for c in yamlio.read_comments(COMMENTED)]
    assert found == [
        ("# head", ("apiVersion",), False, False),
        ("# eol on a key", ("apiVersion",), True, False),
        ("# before a key", ("metadata", "annotations", "a"), False, False),
        ("# header of a block scalar", ("metadata", "annotations", "b"), True, False),
        ("# before an item", ("spec", "rules", 0), False, False),
        ("# eol after a flow collection", ("spec", "rules", 0, "paths", 1, "path"), True, False),
        ("# trailing, indented", (), False, True),
    ]


def test_comment_lines_are_counted_with_crlf() -> None:
    comments = yamlio.read_comments("a: 1\r\n# on b\r\nb: 2  # eol\r\n")
    assert [(c.text, c.line, c.path) for c in comments] == [("# on b", 1, ("b",)), ("# eol", 2, ("b",))]


@pytest.mark.parametrize("length", [1022, 1023, 1024, 1025, 5000])
def test_keys_past_the_implicit_key_limit_are_written_explicitly(length: int) -> None:
    # YAML 1.2 §7.4.2 limits an implicit key to 1,024 characters; PyYAML's scanner drops a possible simple
    # key past it (scanner.py, stale_possible_simple_keys), as go-yaml's does (yaml_parser_stale_simple_keys).
    plain, quoted = "k" * length, "0" * length  # written as is / in quotes (2 more characters)
    obj = {"a": {plain: "v", "b": [{quoted: {"c": ["d"]}, "e": [plain]}]}, quoted: [], "f": {plain: {}}}
    notes = {("a", plain): yamlio.NodeComments(before=["# above"], eol=["# end"])}
    for style in (yamlio.DEFAULT_STYLE, yamlio.Style(4, 2)):
        text = yamlio.dump(obj, style, notes)
        assert ("? " + plain in text) is (length > 1024)
        assert ("? '" + quoted in text) is (length > 1022)
        assert yaml.safe_load(text) == obj
        ruamel = pytest.importorskip("ruamel.yaml")
        assert ruamel.YAML(typ="safe", pure=True).load(text) == obj
    assert yamlio.dump({plain: "v"}, notes={(plain,): yamlio.NodeComments(eol=["# c"])}) == (
        f"? {plain}  # c\n: v\n" if length > 1024 else f"{plain}: v  # c\n"
    )


def test_style_reads_the_first_lines_as_splitlines_gives_them() -> None:
    """`detect_style` judges the first 400 lines without splitting a large file whole: the lines it reads
    are `str.splitlines()`'s, every line break Python knows (CR LF split across the slice included)."""
    import random

    rng = random.Random(3)
    breaks = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", ""]
    for _ in range(300):
        lines = rng.choice([0, 1, 5, 500, 3000])
        text = "".join(
            rng.choice(["a", "  b:", "- c", "", "x" * rng.randrange(300)]) + rng.choice(breaks)
            for _ in range(lines)
        )
        for count in (0, 1, 400):
            assert yamlio._first_lines(text, count) == text.splitlines()[:count]
    # The first 64 KiB end inside line 13,107, or between the CR and the LF that end it.
    for line in ("abcdefghij\n", "abcde\r\n"):
        text = "k: v\n" * 13106 + line + "z: 1\n" * 500
        for count in (13106, 13107, 13108):
            assert yamlio._first_lines(text, count) == text.splitlines()[:count]
