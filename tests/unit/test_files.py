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
