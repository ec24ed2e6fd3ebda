"""YAML for the GitOps writer: fast loading, a style-aware block emitter, and comments with their node.

Speed is a design constraint here (a GitOps repo holds thousands of documents), so nothing is round-tripped
through a full comment-preserving object model:

- `load` builds plain objects from the nodes PyYAML's composer makes (libyaml's C parser where available),
  resolving the common scalars itself and handing anything unusual (timestamps, floats, merge keys,
  anchors) to PyYAML's own constructor. The result equals `yaml.load(text, Loader=SafeLoader)`.
- `dump` writes generated objects in a file's own indentation style, never re-wrapping lines, with
  comments at given nodes. A string is written plain only when no reader a manifest meets could take it
  for anything else: YAML 1.1 (PyYAML; go-yaml v2, which kubectl uses), YAML 1.2 (ruamel.yaml, go-yaml
  v3); see `render_str`. A key longer than YAML's 1,024-character limit for implicit keys is written as an
  explicit `? ` key. With the default style the output is PyYAML's byte for byte, apart from multi-line
  strings (written double-quoted here), `y`/`n` (YAML 1.1 booleans), and strings shaped like numbers or
  dates that PyYAML leaves plain (`1e3`, `0o17`, `+0x1F`, `._5`, `2001-1-2`: numbers or timestamps for
  YAML 1.2 or go-yaml), which are quoted here.
- `read_comments` finds every comment of a document from PyYAML's token stream (the gaps between tokens
  hold nothing but whitespace and comments) and ties each to the node it describes: an end-of-line comment
  to the last key or item that starts before it, a full-line comment to the next one.

The C extension only parses; emitting and every decision are pure Python, so the output is the same with
or without it (the Krew archive ships pure Python).
"""

from __future__ import annotations

import io
import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.emitter import Emitter
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - exercised where libyaml is missing (the Krew archive)
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]
try:
    from yaml._yaml import CParser as _CParser  # libyaml's parser alone, for checking syntax
except ImportError:  # pragma: no cover - as above
    _CParser = None  # type: ignore[assignment,misc]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
Path = tuple[str | int, ...]  # keys and indexes from a document's root to a node
# First characters for which YAML 1.1 implicit resolution can give something other than a string.
_RESOLVABLE_FIRST = frozenset(k for k in Resolver.yaml_implicit_resolvers if k)
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


# --- loading ------------------------------------------------------------------------------------


_plain_tags: dict[str, str] = {}  # plain scalar → its resolved tag


class _Loader(_BaseLoader):
    """PyYAML's safe loader with a shortcut in tag resolution (the composer asks for every scalar)."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (not value or value[0] in _RESOLVABLE_FIRST):
                # The tag of a plain scalar depends on its text alone, and keys such as `name` and
                # `targetPort` (which could be YAML 1.1 null or true) recur in every document.
                tag = _plain_tags.get(value)
                if tag is None:
                    tag = str(Resolver.resolve(self, kind, value, implicit))
                    if len(_plain_tags) < 100_000:
                        _plain_tags[value] = tag
                return tag
            return _STR
        return _MAP if kind is MappingNode else _SEQ

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers are registered for the safe loader."""

    def ascend_resolver(self) -> None:
        """No path resolvers are registered for the safe loader."""


def compose(text: str) -> Node | None:
    """The node tree of a single YAML document (None when it is empty)."""
    loader = _Loader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def check_syntax(text: str) -> None:
    """Raise yaml.YAMLError where `load` would, without building anything: libyaml's parser counts the
    events (about a seventh of composing); a document with aliases is composed and its expansion checked."""
    if _CParser is not None and "*" not in text:
        _CParser(text).raw_parse()
        return
    node = compose(text)
    if node is not None and "&" in text:
        check_aliasing(node)


@dataclass(frozen=True)
class DuplicateKey:
    """A key given more than once in one mapping: where (the mapping's path), and the 0-based lines of
    each occurrence in the document. The last value is the one loaded, as kubectl's decoder keeps it."""

    path: Path
    key: str
    lines: tuple[int, ...]


def load(text: str, duplicates: list[DuplicateKey] | None = None) -> Any:
    """Load one YAML document as plain objects, exactly as `yaml.load(text, Loader=SafeLoader)` would.

    With `duplicates`, keys given twice in one mapping are appended to it (the last value is loaded)."""
    node = compose(text)
    if node is None:
        return None
    if "&" in text:  # anchors may share (or nest) nodes: PyYAML's constructor keeps those semantics
        check_aliasing(node)
        data = SafeConstructor().construct_document(node)
        if duplicates is not None:
            duplicates.extend(duplicate_keys(node))
        return data
    if duplicates is None:
        return _build(node)
    seen: list[bool] = []  # set when a mapping loses a key to a later one (one length test per mapping)
    data = _build(node, seen)
    if seen:
        duplicates.extend(duplicate_keys(node))
    return data


def duplicate_keys(root: Node) -> list[DuplicateKey]:
    """Every key given more than once in a mapping of the tree (merge keys `<<` excepted), in order."""
    found: list[DuplicateKey] = []
    walked: set[int] = set()

    def walk(node: Node, path: Path) -> None:
        if id(node) in walked:  # an alias: walked where it is defined
            return
        walked.add(id(node))
        if isinstance(node, MappingNode):
            lines: dict[tuple[str, str], list[int]] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != _MERGE:
                    lines.setdefault((key.tag, key.value), []).append(key.start_mark.line)
                walk(value, path + (key.value if isinstance(key, ScalarNode) else str(key.value),))
            found.extend(
                DuplicateKey(path, value, tuple(at)) for (_, value), at in lines.items() if len(at) > 1
            )
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, path + (index,))

    walk(root, ())
    return sorted(found, key=lambda d: d.lines[1:])


# go-yaml's limits on alias expansion (gopkg.in/yaml.v2 decode.go, allowedAliasRatio and
# decoder.unmarshal), which kubectl's decoder applies: up to 400,000 decoded nodes 99% may come from
# aliases, from 4,000,000 on 10%, linearly in between; checked once past 100 aliased and 1,000 nodes.
_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _ALIAS_RATIO_LOW:
        return 0.99
    if decodes >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decodes - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)


def check_aliasing(root: Node) -> None:
    """Refuse a document whose aliases expand it the way kubectl's decoder refuses ("billion laughs").

    Counts, without expanding anything, the nodes go-yaml would decode (an alias counts once, then every
    node of its target) in document order. Within one alias expansion the aliased share only grows and
    `allowed ratio x decoded` never shrinks, so checking at the end of each alias is as strict as
    go-yaml's check at every node. An anchor that contains its own alias is refused too.
    """
    sizes: dict[int, int] = {}  # node id -> nodes decoded when it is reached through an alias
    done: set[int] = set()
    open_nodes: set[int] = set()
    decodes = aliased = 0

    def children(node: Node) -> list[Node]:
        if node.__class__ is MappingNode:
            return [n for pair in node.value for n in pair]
        return list(node.value) if node.__class__ is SequenceNode else []

    def refuse(node: Node, problem: str) -> None:
        raise ConstructorError(None, None, problem, node.start_mark)

    def walk(node: Node) -> int:
        """Walk a node where it is defined; return its expanded size (aliases inside it included)."""
        nonlocal decodes, aliased
        decodes += 1
        open_nodes.add(id(node))
        size = 1
        for child in children(node):
            if id(child) in open_nodes:
                refuse(child, "the value of the anchor here contains an alias of itself")
            if id(child) in done:  # an alias: one node, then its target's every node
                expansion = sizes[id(child)]
                decodes += 1 + expansion
                aliased += expansion
                size += 1 + expansion
                if aliased > 100 and decodes > 1000 and aliased / decodes > _allowed_alias_ratio(decodes):
                    refuse(
                        child,
                        "document contains excessive aliasing: the aliases of the anchor here expand it"
                        " beyond what kubectl's YAML decoder accepts",
                    )
            else:
                size += walk(child)
        open_nodes.discard(id(node))
        done.add(id(node))
        sizes[id(node)] = size
        return size

    walk(root)


# The parser makes a new string for every scalar; thousands of documents repeat the same keys and most
# short values (`metadata`, `name`, namespaces, label values): one copy of each keeps the loaded objects
# about a third smaller.
_intern = sys.intern


def _build(node: Node, seen: list[bool] | None = None) -> Any:
    tag = node.tag
    if node.__class__ is ScalarNode:
        value = node.value
        if tag == _STR:
            return _intern(value) if len(value) < 64 else value
        if tag == _INT and _DECIMAL.fullmatch(value):
            return int(value)
        if tag == _BOOL:
            return _BOOLEANS[value.lower()]
        if tag == _NULL:
            return None
        return SafeConstructor().construct_document(node)
    if node.__class__ is MappingNode and tag == _MAP:
        out = {}
        for key, value in node.value:
            if key.__class__ is not ScalarNode or key.tag != _STR:  # merge keys, odd keys
                if seen is not None:
                    seen.append(True)  # not followed here: the caller looks at the whole tree
                return SafeConstructor().construct_document(node)
            out[_intern(key.value)] = _build(value, seen)
        if seen is not None and len(out) != len(node.value):
            seen.append(True)
        return out
    if node.__class__ is SequenceNode and tag == _SEQ:
        return [_build(item, seen) for item in node.value]
    return SafeConstructor().construct_document(node)


# --- emitting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How a file indents: mapping step, and where a sequence's `-` sits relative to its parent key."""

    indent: int = 2
    seq_offset: int = 0  # 0: `key:` then `- item` at the key's column (kubectl, PyYAML)


DEFAULT_STYLE = Style()
_KEY_ONLY = re.compile(r"(?:- )?[^\s#'\"{\[|>&*!%@`-][^#]*?:[ \t]*(?:#.*)?$")


def detect_style(text: str, max_lines: int = 400) -> Style:
    """The indentation a file mostly uses, judged from lines that follow a `key:` line."""
    steps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    parent: int | None = None  # column of the key when the previous content line was `key:` alone
    for line in _first_lines(text, max_lines):
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#" or line.startswith(("---", "...")):
            continue
        column = len(line) - len(stripped)
        if parent is not None:
            if stripped.startswith("- ") or stripped.rstrip() == "-":
                if column >= parent:
                    offsets[column - parent] += 1
            elif column > parent:
                steps[column - parent] += 1
        parent = None
        if _KEY_ONLY.match(stripped):
            parent = column + 2 if stripped.startswith("- ") else column
    indent = steps.most_common(1)[0][0] if steps else DEFAULT_STYLE.indent
    offset = offsets.most_common(1)[0][0] if offsets else DEFAULT_STYLE.seq_offset
    return Style(indent=indent, seq_offset=offset)


def _first_lines(text: str, count: int) -> list[str]:
    """`text.splitlines()[:count]`, splitting no more of a large file than those lines take."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        # Every line but the last is whole: it ends before the end of the slice.
        if len(lines) > count or size >= len(text):
            return lines[:count]
        size *= 4


@dataclass
class NodeComments:
    """Comments to write at one node of a generated object: lines above it, and one at its line's end."""

    before: list[str] = field(default_factory=list)
    eol: list[str] = field(default_factory=list)


Notes = dict[Path, NodeComments]

_analyzer = Emitter(io.StringIO(), allow_unicode=True)
_resolver = Resolver()
# Plain strings that need no analysis: no indicator first, nothing YAML 1.1 resolves.
_SIMPLE_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./,-]*")
# Scalars YAML 1.1 (go-yaml v2, which Kubernetes tooling still uses) reads as booleans; PyYAML omits y/n.
_YAML11_BOOL_ONLY = frozenset({"y", "Y", "n", "N"})
# Every resolver a manifest meets picks a non-string type for a plain scalar only by its first character:
# PyYAML (YAML 1.1: ints with `0b`/`0x`/`0`/`_`/sexagesimal `:`, floats) and ruamel.yaml (YAML 1.2 core,
# `0o`, `_`) for `-+0-9.`; go-yaml v2 and v3 (resolve.go, `resolve`: `resolveTable` hints `S`, `D`, `.`)
# try strconv.ParseInt(s, 0, 64) with every `_` removed (signs, `0x`, `0X`, `0o`, `0O`, `0b`, `0B`, old
# octal `017`), ParseUint, a float regex and ParseFloat. Each number spelling of all of them starts with
# an optional sign, then dots or underscores, then a digit, uses only the characters below, and holds at
# most one `.`; any string of that shape is quoted, whether or not one of them reads it as a number.
_NUMBER_LIKE = re.compile(r"[-+]?[._]*[0-9][0-9a-fA-FxXoO_.:+-]*")
# Timestamps (YAML 1.1 and ruamel: `2001-12-14`, `2001-12-14 21:59:43.10 -5`; go-yaml's parseTimestamp
# takes 4 digits, `-`, then Go's `2006-1-2...` layouts) all start with 4 digits, `-`, a digit.
_TIMESTAMP_LIKE = re.compile(r"[0-9]{4}-[0-9]")
_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_scalar_cache: dict[str, str] = {}
# An implicit key (`key: value`) may be at most 1,024 characters long, `:` excluded (YAML 1.2 §7.4.2 ns-s-
# implicit-yaml-key; PyYAML's and go-yaml's scanners drop a possible simple key past it: scanner.py
# stale_possible_simple_keys, scannerc.go yaml_parser_stale_simple_keys). Longer ones are written `? key`.
_IMPLICIT_KEY_MAX = 1024


def render_str(value: str) -> str:
    """A string as a YAML scalar that every YAML 1.1 and 1.2 reader reads back as that string."""
    cached = _scalar_cache.get(value)
    if cached is not None:
        return cached
    if _SIMPLE_PLAIN.fullmatch(value) and value.lower() not in _BOOLEANS and value.lower() != "null":
        text = value if value not in _YAML11_BOOL_ONLY else f"'{value}'"
    else:
        text = _render_complex(value)
    if len(_scalar_cache) < 200_000:
        _scalar_cache[value] = text
    return text


def _render_complex(value: str) -> str:
    analysis = _analyzer.analyze_scalar(value)
    plain_tag = _resolver.resolve(ScalarNode, value, (True, False))
    if (
        plain_tag == _STR
        and value
        and analysis.allow_block_plain
        and not analysis.multiline
        and value not in _YAML11_BOOL_ONLY
        and not _number_like(value)
    ):
        return value
    if analysis.allow_single_quoted and not analysis.multiline:
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


def _number_like(value: str) -> bool:
    """Whether a number or timestamp resolver of YAML 1.1, YAML 1.2 or go-yaml might take this string."""
    if _NUMBER_LIKE.fullmatch(value) and value.count(".") <= 1:
        return True
    return _TIMESTAMP_LIKE.match(value) is not None


def _double_quoted(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)  # JSON's escapes are valid in YAML double quotes
    return _NEEDS_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_scalar(value: Any) -> str:
    if isinstance(value, str):
        return render_str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _render_float(value)
    # Anything else (dates from timestamps): PyYAML's own representation, on one line.
    text = yaml.safe_dump(value, default_flow_style=True, width=4096, allow_unicode=True)
    return text.split("\n...", 1)[0].strip()


def _render_float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def dump(obj: Any, style: Style = DEFAULT_STYLE, notes: Notes | None = None) -> str:
    """One object as a block-style YAML document (no `---`), with `notes` written at their nodes."""
    lines: list[str] = []
    _Writer(lines, style, notes or None).block(obj, 0, "", ())
    lines.append("")  # the final newline, without copying the text to add it
    return "\n".join(lines)


# Column → key → the key's line up to its colon (`    name:`), made once: a GitOps run writes the same
# few dozen keys at the same columns thousands of times. Bounded: keys of data may be anything.
_key_heads: dict[int, dict[str, str]] = {}
_KEY_HEADS_MAX = 5000


class _Writer:
    """Writes block collections line by line. `lead` is what the first line starts with (indentation
    and any `- ` markers), `col` the column of every further line of the same collection."""

    def __init__(self, lines: list[str], style: Style, notes: Notes | None) -> None:
        self.lines = lines
        self.indent = style.indent
        self.offset = style.seq_offset
        self.notes = notes

    def block(self, value: Any, col: int, lead: str, path: Path) -> None:
        if isinstance(value, dict) and value:
            self.mapping(value, col, lead, path)
        elif isinstance(value, list) and value:
            self.sequence(value, col, lead, path)
        else:
            self.lines.append(lead + self.inline(value))

    def inline(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{}"
        if isinstance(value, list):
            return "[]"
        return render_scalar(value)

    def mapping(self, mapping: dict[Any, Any], col: int, lead: str, path: Path) -> None:
        lines, notes = self.lines, self.notes
        pad = " " * col
        heads = _key_heads.get(col)
        if heads is None:
            heads = _key_heads[col] = {}
        prefix = lead
        for key, value in mapping.items():
            eol = ""
            child: Path = ()
            if notes is not None:
                child = path + (key,)
                eol = self.comments(child, prefix)
            # Most keys recur at the same column: their line up to the colon is made once.
            head = heads.get(key) if key.__class__ is str else None
            if head is None:
                # Most keys and values are strings already rendered once: the cache first, without calls.
                key_text = (key.__class__ is str and _scalar_cache.get(key)) or render_scalar(key)
                if len(key_text) > _IMPLICIT_KEY_MAX:
                    self.lines.append(prefix + "? " + key_text + eol)
                    self.block(value, col + 2, pad + ": ", child)
                    prefix = pad
                    continue
                head = pad + key_text + ":"
                if key.__class__ is str and len(heads) < _KEY_HEADS_MAX:
                    heads[key] = head
            text = head if prefix is pad else prefix + head[col:]
            prefix = pad
            if value.__class__ is str:
                lines.append(f"{text} {_scalar_cache.get(value) or render_str(value)}{eol}")
            elif isinstance(value, dict) and value:
                lines.append(text + eol)
                self.mapping(value, col + self.indent, " " * (col + self.indent), child)
            elif isinstance(value, list) and value:
                lines.append(text + eol)
                dash = col + self.offset
                self.sequence(value, dash, " " * dash, child)
            else:
                lines.append(text + " " + self.inline(value) + eol)

    def sequence(self, items: list[Any], col: int, lead: str, path: Path) -> None:
        lines, notes = self.lines, self.notes
        pad = " " * col
        prefix, dash, later = lead, lead + "- ", pad + "- "
        for index, item in enumerate(items):
            child: Path = ()
            eol = ""
            if notes is not None:
                child = path + (index,)
                eol = self.comments(child, prefix)
            if item.__class__ is str:  # most items: the cache first, without calls
                lines.append(dash + (_scalar_cache.get(item) or render_str(item)) + eol)
            elif eol and not (isinstance(item, (dict, list)) and item):
                lines.append(dash + self.inline(item) + eol)
            else:
                if eol:  # a collection item: the comment goes above it
                    lines.append(self._comment_pad(prefix) + eol.strip())
                if item.__class__ is dict and item:
                    self.mapping(item, col + 2, dash, child)
                else:
                    self.block(item, col + 2, dash, child)
            prefix, dash = pad, later

    def comments(self, path: Path, prefix: str) -> str:
        """Write the lines above the node at `path`; return its end-of-line comment (or "")."""
        assert self.notes is not None
        note = self.notes.get(path)
        if note is None:
            return ""
        eol = note.eol[0] if len(note.eol) == 1 else ""
        above = note.before + (note.eol if len(note.eol) > 1 else [])
        if above:
            pad = self._comment_pad(prefix)
            if prefix.strip():  # the node shares its line with `- ` markers: comment above the item
                self.lines.extend(pad + text for text in above)
            else:
                self.lines.extend(prefix + text for text in above)
        return "  " + eol if eol else ""

    @staticmethod
    def _comment_pad(prefix: str) -> str:
        return " " * (len(prefix) - len(prefix.lstrip(" ")))


# --- comments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    """One comment of a document and the node it describes.

    `path` is the key/index path of that node (`("spec", "rules", 0, "host")`); `eol` tells whether the
    comment ends a line of content or stands on its own line; `trailing` comments follow every node.
    """

    text: str  # from `#` to the end of the line
    line: int  # 0-based line in the document text
    eol: bool
    path: Path
    trailing: bool = False


def read_comments(text: str) -> list[Comment]:
    """Every comment of one document, each tied to the node it describes, in document order.

    Raises yaml.YAMLError on invalid YAML (the caller has parsed the document before).
    """
    spots = _comment_spots(text)
    if not spots:
        return []
    anchors = _anchors(text)
    positions = [index for index, _ in anchors]
    line_starts = _line_starts(text)
    comments = []
    for index, comment in spots:
        line = bisect_right(line_starts, index) - 1
        start = line_starts[line]
        eol = bool(text[start:index].strip())
        if eol:
            j = bisect_left(positions, index) - 1
            path: Path = anchors[j][1] if j >= 0 else ()
            comments.append(Comment(comment, line, True, path))
        else:
            j = bisect_right(positions, index)
            if j < len(anchors):
                comments.append(Comment(comment, line, False, anchors[j][1]))
            else:
                comments.append(Comment(comment, line, False, (), trailing=True))
    return comments


_COMMENT = re.compile(r"#[^\r\n]*")


def _comment_spots(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every comment: in the gaps between tokens, and after a block scalar's header."""
    if "#" not in text:
        return []
    loader = _Loader(text)
    spots: list[tuple[int, str]] = []
    try:
        previous_end = 0
        while loader.check_token():
            token = loader.get_token()
            assert token is not None
            start, end = token.start_mark.index, token.end_mark.index
            if start > previous_end:
                gap = text[previous_end:start]
                if "#" in gap:
                    spots.extend(
                        (previous_end + m.start(), m.group().rstrip()) for m in _COMMENT.finditer(gap)
                    )
            if getattr(token, "style", None) in ("|", ">"):
                header_end = text.find("\n", start)
                header = text[start : header_end if header_end >= 0 else len(text)]
                found = header.find("#")
                if found > 0:
                    spots.append((start + found, header[found:].rstrip()))
            previous_end = max(previous_end, end)
        if previous_end < len(text):
            tail = text[previous_end:]
            spots.extend((previous_end + m.start(), m.group().rstrip()) for m in _COMMENT.finditer(tail))
    finally:
        loader.dispose()
    spots.sort()
    return spots


def _anchors(text: str) -> list[tuple[int, Path]]:
    """(offset, path) of every mapping key and sequence item, in document order."""
    root = compose(text)
    anchors: list[tuple[int, Path]] = []
    seen: set[int] = set()

    def walk(node: Node, path: Path) -> None:
        if id(node) in seen:  # an alias: already walked where it was defined
            return
        if isinstance(node, MappingNode):
            seen.add(id(node))
            for key, value in node.value:
                child = path + (key.value if isinstance(key, ScalarNode) else str(key.value),)
                anchors.append((key.start_mark.index, child))
                walk(value, child)
        elif isinstance(node, SequenceNode):
            seen.add(id(node))
            for index, item in enumerate(node.value):
                child = path + (index,)
                anchors.append((item.start_mark.index, child))
                walk(item, child)

    if root is not None:
        walk(root, ())
    anchors.sort(key=lambda a: a[0])  # stable: an item comes before its first key at the same offset
    return anchors


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    at = find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return starts
