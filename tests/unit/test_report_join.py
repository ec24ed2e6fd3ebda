"""The Markdown report's text is joined without copying it to strip and end it; the result must equal the
plain expression it replaces, whatever whitespace the last lines hold."""

from __future__ import annotations

import pytest

from kubectl_meshify.report.markdown import _joined

CASES = [
    ["# title", "", "text", ""],
    ["# title", "text  ", "", "  ", "\t"],
    ["a", "b\n\n", ""],  # a line that itself ends with newlines
    ["a", " \n ", ""],
    ["only"],
    ["", ""],
    [],
    ["x", "- item \u2003"],  # Unicode whitespace is stripped by str.rstrip too
]


@pytest.mark.parametrize("lines", CASES)
def test_joined_equals_join_rstrip_newline(lines: list[str]) -> None:
    assert _joined(list(lines)) == "\n".join(lines).rstrip() + "\n"
