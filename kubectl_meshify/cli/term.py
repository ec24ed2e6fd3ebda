"""Colour for the human-facing lines on stderr (summaries, warnings), the way kubectl users expect:
only when the stream is a terminal, never when NO_COLOR is set (https://no-color.org) or TERM=dumb.
stdout carries resources for `kubectl apply -f -` and is never coloured.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}


def colour_enabled(stream: TextIO | None = None) -> bool:
    """Whether styled text may be written to `stream` (default: stderr)."""
    if os.environ.get("NO_COLOR"):  # the convention: set and not empty
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    target = sys.stderr if stream is None else stream
    try:
        return target.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def paint(text: str, *styles: str, stream: TextIO | None = None) -> str:
    """`text` wrapped in the ANSI codes of `styles` (names of `_SGR`) when colour is enabled for `stream`."""
    if not styles or not colour_enabled(stream):
        return text
    codes = ";".join(_SGR[style] for style in styles)
    return f"\033[{codes}m{text}\033[0m"
