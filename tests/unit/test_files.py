"""Splitting manifest files into documents without losing a byte, and reading only what is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_meshify.errors import InputError
from kubectl_meshify.sources.files import read_resources, read_source, split_documents


def test_split_keeps_every_byte_and_skips_comment_only_chunks() -> None:
    text = "# header\n---\na: 1\n--- # second\nb: |\n  ---\n  not a marker\n---\n# only a comment\n---\nc: 3"
    docs = split_documents(text)
    assert [d.text for d in docs] == ["a: 1\n", "b: |\n  ---\n  not a marker\n", "c: 3"]
    assert [d.index for d in docs] == [0, 1, 2]
    assert [d.line for d in docs] == [3, 5, 11]
    for doc in docs:
        assert text[doc.start : doc.end].startswith(doc.text)


def test_crlf_and_document_end_markers() -> None:
    text = "a: 1\r\n---\r\nb: 2\r\n...\r\n"
    docs = split_documents(text)
    assert [d.text for d in docs] == ["a: 1\r\n", "b: 2\r\n"]


def test_only_needed_kinds_are_parsed(tmp_path: Path) -> None:
    # The ConfigMap-like document is broken YAML, but its kind is not needed, so it is only counted.
    path = tmp_path / "m.yaml"
    path.write_text("kind: Secret\ndata: [unclosed\n---\nkind: Service\nmetadata: {name: web}\nspec: {}\n")
    resources, sources = read_resources([str(path)])
    assert resources.ignored == {"Secret": 1}
    assert ("default", "web") in resources.services
    assert sources[0].documents[1].index == 1


def test_invalid_yaml_position_is_in_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: Service\nmetadata: {name: a}\n---\nkind: Ingress\nmetadata:\n  name: [x\n")
    with pytest.raises(InputError) as err:
        read_resources([str(path)])
    assert str(err.value).startswith(f"{path}: document 1: invalid YAML at line 7")


def test_undecodable_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Service\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_source(str(path))


def test_list_items_share_the_document_origin(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(
        "apiVersion: v1\nkind: List\nitems:\n- {kind: Service, metadata: {name: a, namespace: x}}\n"
        "- {kind: Service, metadata: {name: b}}\n"
    )
    resources, _ = read_resources([str(path)], default_namespace="team")
    assert sorted(resources.services) == [("team", "b"), ("x", "a")]
    assert str(resources.services[("x", "a")].origin) == f"{path}#0"


# --- document markers found without a multi-line regular expression -----------------------------------
# The YAML 1.2 spec (9.1.4, 9.2): `---` at the start of a line followed by white space or the end of the
# line begins a document; `...` at the start of a line, alone (trailing blanks allowed), ends one. The
# reference below is the definition as regular expressions, run the slow way (every position).
import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_END = re.compile(r"^\.\.\.[ \t]*\r?$", re.M)


def _reference_split(text: str) -> list[tuple[int, int, int, int]]:
    spans, previous = [], 0
    for marker in _START.finditer(text):
        spans.append((previous, marker.start()))
        line_end = text.find("\n", marker.end())
        previous = len(text) if line_end < 0 else line_end + 1
    spans.append((previous, len(text)))
    out = []
    for start, end in spans:
        found = _END.search(text, start, end)
        text_end = found.start() if found else end
        lines = text[start:text_end].splitlines()
        if any(s.strip() and not s.strip().startswith(("#", "%")) for s in lines):
            out.append((start, end, text.count("\n", 0, start) + 1, text_end))
    return out


_PIECES = ["---", "--- ", "----", "---x", "...", "... ", "...x", "\n", "\n", "\r\n", "\r", "\t", " ", "# c",
           "%YAML 1.2", "a: 1", "x", "\u2028", "\x0b", "\x85"]  # fmt: skip


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_markers_are_found_as_the_spec_defines_them(text: str) -> None:
    docs = split_documents(text)
    assert [(d.start, d.end, d.line, d.text_end) for d in docs] == _reference_split(text)
    assert [d.index for d in docs] == list(range(len(docs)))
