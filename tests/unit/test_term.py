"""term: colour only on a terminal, never with NO_COLOR or TERM=dumb. Terminals here are real ptys."""

from __future__ import annotations

import io
import os
import pty
from collections.abc import Iterator
from typing import TextIO

import pytest

from kubectl_meshify.cli.term import colour_enabled, paint


@pytest.fixture
def terminal() -> Iterator[tuple[TextIO, int]]:
    """A real terminal: the slave side of a pty as a text stream, and the master fd to read what it got."""
    master, slave = pty.openpty()
    stream = os.fdopen(slave, "w", encoding="utf-8")
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


@pytest.fixture(autouse=True)
def colour_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def test_terminal_gets_colour(terminal: tuple[TextIO, int]) -> None:
    stream, _ = terminal
    assert colour_enabled(stream)
    assert paint("failed", "bold", "red", stream=stream) == "\033[1;31mfailed\033[0m"


def test_pipe_or_file_gets_plain_text() -> None:
    stream = io.StringIO()
    assert not colour_enabled(stream)
    assert paint("failed", "red", stream=stream) == "failed"


@pytest.mark.parametrize("value", ["1", "true", "0"])
def test_no_color_wins_even_on_a_terminal(
    value: str, terminal: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", value)
    stream, _ = terminal
    assert not colour_enabled(stream)
    assert paint("ok", "green", stream=stream) == "ok"


def test_empty_no_color_is_not_set(terminal: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value disables colour
    assert colour_enabled(terminal[0])


def test_dumb_terminal_gets_plain_text(terminal: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert not colour_enabled(terminal[0])


def test_closed_stream_gets_plain_text() -> None:
    stream = io.StringIO()
    stream.close()
    assert not colour_enabled(stream)


def test_a_painted_line_reaches_the_terminal_with_its_codes(terminal: tuple[TextIO, int]) -> None:
    stream, master = terminal
    stream.write(paint("2 Ingresses converted", "green", stream=stream) + "\n")
    stream.flush()
    assert os.read(master, 1024) == b"\033[32m2 Ingresses converted\033[0m\r\n"
