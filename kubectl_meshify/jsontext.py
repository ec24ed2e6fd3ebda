"""`json.dumps(value, indent=2) + "\\n"`, the same text, several times faster.

With `indent` set, the standard library encodes in pure Python through a chain of generators (every small
piece of text climbs back up through each level of nesting); for the JSON report of thousands of
Ingresses that was a tenth of a run. This writes each piece once into a list, escaping strings with the
standard library's own C function. Anything it does not know how to write exactly as `json.dumps` does
(a key of another type, an object that needs `default`) makes it hand the whole value to `json.dumps`.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any


class _Unusual(Exception):
    """A value json.dumps would treat specially (or refuse); it gets the whole value instead."""


def dumps_indented(value: Any, end: str = "") -> str:
    """`json.dumps(value, indent=2) + end` (ASCII-escaped, keys in their order, ", " and ": " separators).

    `end` is joined with the rest: adding it to a report's text afterwards would copy the whole text."""
    return "".join(indented_pieces(value, end))


def indented_pieces(value: Any, end: str = "") -> list[str]:
    """The text of `dumps_indented(value, end)` in pieces (one per entry of a large list), for writing a
    large document without joining it into one string."""
    try:
        parts: list[str] = []
        _encode(value, "\n", parts)
        parts.append(end)
        return parts
    except _Unusual:
        return [json.dumps(value, indent=2) + end]


def nested_text(value: Any, newline: str) -> str:
    """The text `dumps_indented` gives `value` where it sits at the nesting whose line break plus
    indentation is `newline` (`"\n    "`: an entry of a top-level list), for writing it on its own."""
    try:
        parts: list[str] = []
        _encode(value, newline, parts)
        return "".join(parts)
    except _Unusual:
        return json.dumps(value, indent=2).replace("\n", newline)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str | None:
    """The text of a scalar as json writes it, or None for a container."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring_ascii(key)
    if isinstance(key, (bool, int, float)) or key is None:
        text = _scalar(key)
        assert text is not None
        return '"' + text + '"'
    raise _Unusual


# Containers at this depth (the entries of the document's top-level lists: one Ingress of the report) are
# joined into one string each, so that the list of pieces is one per entry rather than one per line, and no
# piece is the size of the whole document.
_JOIN_DEPTH = len("\n    ")


def _encode(value: Any, newline: str, parts: list[str]) -> None:
    """Append `value` at the nesting whose line break plus indentation is `newline`."""
    text = _scalar(value)
    if text is not None:
        parts.append(text)
        return
    if len(newline) == _JOIN_DEPTH:
        own: list[str] = []
        _encode_container(value, newline, own)
        parts.append("".join(own))
    else:
        _encode_container(value, newline, parts)


# Per indentation: each key's text with the separator before it and the colon after it (`,\n    "key": `),
# made once (a report repeats a few dozen keys thousands of times). Bounded: keys of data may be anything.
_heads: dict[str, dict[str, str]] = {}
_HEADS_MAX = 1000


def _encode_container(value: Any, newline: str, parts: list[str]) -> None:
    inner = newline + "  "
    append = parts.append
    # Containers one level down are joined into one string each (see _JOIN_DEPTH).
    join = len(inner) == _JOIN_DEPTH
    if isinstance(value, dict):
        if not value:
            append("{}")
            return
        heads = _heads.get(inner)
        if heads is None:
            heads = _heads[inner] = {}
        first = len(parts)
        for key, item in value.items():
            head = heads.get(key) if type(key) is str else None
            if head is None:
                head = "," + inner + (encode_basestring_ascii(key) if type(key) is str else _key(key)) + ": "
                if type(key) is str and len(heads) < _HEADS_MAX:
                    heads[key] = head
            kind = type(item)
            if kind is str:
                append(head + encode_basestring_ascii(item))
            elif item is None:
                append(head + "null")
            elif kind is dict or kind is list:
                if not item:
                    append(head + ("{}" if kind is dict else "[]"))
                    continue
                append(head)
                if join:
                    own: list[str] = []
                    _encode_container(item, inner, own)
                    append("".join(own))
                else:
                    _encode_container(item, inner, parts)
            else:
                append(head)
                _encode(item, inner, parts)
        parts[first] = "{" + parts[first][1:]  # the first key has the opening brace, not a comma
        append(newline + "}")
        return
    if isinstance(value, (list, tuple)):
        if not value:
            append("[]")
            return
        separator, comma = "[" + inner, "," + inner
        for item in value:
            kind = type(item)
            if kind is str:  # the common cases, without a call per item
                append(separator + encode_basestring_ascii(item))
            elif (kind is dict or kind is list) and item:
                append(separator)
                if join:
                    own = []
                    _encode_container(item, inner, own)
                    append("".join(own))
                else:
                    _encode_container(item, inner, parts)
            else:
                append(separator)
                _encode(item, inner, parts)
            separator = comma
        append(newline + "]")
        return
    raise _Unusual
