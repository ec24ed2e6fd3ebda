"""Manifest files, directories and stdin → `ResourceSet`.

Each file is split into documents by its raw text, so a document's exact bytes are known (the GitOps
writer copies untouched documents through byte for byte). Only documents of the kinds translation needs
are parsed (by `yamlio.load`); the rest are only counted. PyYAML's C parser is used when present (about
20× faster than a pure-Python one); the pure parser gives the same result where the extension is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubectl_meshify import yamlio
from kubectl_meshify.errors import InputError
from kubectl_meshify.resources import WANTED_KINDS, KubeObject, Origin, ResourceSet

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
# A document marker: `---` at column 0 followed by whitespace or the end of the line.
_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_DOC_END = re.compile(r"^\.\.\.[ \t]*\r?$", re.M)
_TOP_KIND = re.compile(r"^kind:[ \t]*[\"']?([A-Za-z0-9]+)", re.M)
# Namespaced kinds that get the default namespace when a document has none.
_CLUSTER_SCOPED = {
    "Namespace",
    "IngressClass",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterIssuer",
}


@dataclass
class RawDocument:
    """One document of a file: its text span (separator line excluded) and where it starts."""

    index: int
    start: int  # offset of the first byte after the `---` line (or 0)
    end: int  # offset just past the document's last byte
    line: int  # 1-based line where the document's text starts
    text: str


@dataclass
class SourceFile:
    """A file as read: its text and its documents."""

    path: str
    text: str
    is_json: bool
    documents: list[RawDocument] = field(default_factory=list)


def split_documents(text: str) -> list[RawDocument]:
    """Split a YAML stream at its `---` markers, keeping every byte of each document."""
    starts = [m for m in _DOC_START.finditer(text)]
    spans: list[tuple[int, int]] = []
    previous = 0
    for marker in starts:
        spans.append((previous, marker.start()))
        line_end = text.find("\n", marker.end())
        previous = len(text) if line_end < 0 else line_end + 1
    spans.append((previous, len(text)))
    # The text before the first marker is a document only if it holds more than comments.
    documents: list[RawDocument] = []
    line, counted_to = 1, 0  # lines are counted incrementally: one pass over the text in all
    for start, end in spans:
        chunk = text[start:end]
        end_marker = _DOC_END.search(chunk)
        if end_marker:
            chunk = chunk[: end_marker.start()]
        line += text.count("\n", counted_to, start)
        counted_to = start
        if not _has_content(chunk):
            continue
        documents.append(RawDocument(index=len(documents), start=start, end=end, line=line, text=chunk))
    return documents


def _has_content(chunk: str) -> bool:
    for raw in chunk.splitlines():
        stripped = raw.strip()
        if stripped and not stripped.startswith("#") and stripped != "%YAML" and not stripped.startswith("%"):
            return True
    return False


def iter_manifest_paths(paths: Iterable[str], exclude: str | None = None) -> Iterator[str]:
    """Expand directories recursively (sorted, hidden folders and `exclude` skipped); keep files and `-`."""
    skip = os.path.realpath(exclude) if exclude else None
    for given in paths:
        if given == STDIN:
            yield given
            continue
        path = Path(given)
        if path.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and (skip is None or os.path.realpath(os.path.join(root, d)) != skip)
                )
                found.extend(os.path.join(root, f) for f in files if f.endswith(MANIFEST_SUFFIXES))
            yield from sorted(found)
        elif path.exists():
            yield given
        else:
            raise InputError(f"{given}: no such file or directory")


def read_source(path: str) -> SourceFile:
    """Read one file (or stdin) as text; undecodable or unreadable input is an InputError."""
    try:
        if path == STDIN:
            text = sys.stdin.read()
            shown = "<stdin>"
        else:
            with open(path, encoding="utf-8", newline="") as stream:
                text = stream.read()
            shown = path
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    is_json = path.endswith(".json") or text.lstrip()[:1] in ("{", "[")
    source = SourceFile(path=shown, text=text, is_json=is_json)
    if not is_json:
        source.documents = split_documents(text)
    return source


def load_objects(source: SourceFile, default_namespace: str) -> Iterator[KubeObject]:
    """Parse the documents of a file that translation needs; yield them as objects with origins."""
    if source.is_json:
        try:
            data = json.loads(source.text) if source.text.strip() else None
        except json.JSONDecodeError as err:
            raise InputError(
                f"{source.path}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
            ) from None
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            yield from _expand(item, Origin(source.path, index, 1), default_namespace)
        return
    for doc in source.documents:
        kind = _TOP_KIND.search(doc.text)
        if kind and kind.group(1) not in WANTED_KINDS and kind.group(1) != "List":
            yield KubeObject({"kind": kind.group(1)}, Origin(source.path, doc.index, doc.line))
            continue
        data = parse_document(source.path, doc)
        yield from _expand(data, Origin(source.path, doc.index, doc.line), default_namespace)


def parse_document(path: str, doc: RawDocument) -> Any:
    """Parse one document; a syntax error names the file, document and line/column in the file."""
    try:
        return yamlio.load(doc.text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + doc.line}, column {mark.column + 1}" if mark else "unknown position"
        problem = err.problem or err.context or "syntax error"
        raise InputError(f"{path}: document {doc.index}: invalid YAML at {where}: {problem}") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: document {doc.index}: invalid YAML: {err}") from None


def _expand(data: Any, origin: Origin, default_namespace: str) -> Iterator[KubeObject]:
    if data is None:
        return
    if not isinstance(data, dict):
        yield KubeObject({"kind": "(not an object)"}, origin)
        return
    if data.get("kind") == "List" and isinstance(data.get("items"), list):
        for item in data["items"]:
            yield from _expand(item, origin, default_namespace)
        return
    kind = data.get("kind")
    if isinstance(kind, str) and kind not in _CLUSTER_SCOPED:
        meta = data.get("metadata")
        if isinstance(meta, dict) and not meta.get("namespace"):
            meta["namespace"] = default_namespace
    yield KubeObject(data, origin)


def read_resources(
    paths: Iterable[str], default_namespace: str = "default", exclude: str | None = None
) -> tuple[ResourceSet, list[SourceFile]]:
    """Read every input into one ResourceSet; also return the files (for the GitOps writer).

    `exclude` is a directory not to descend into (the GitOps out-dir, when it lies inside an input).
    """
    resources = ResourceSet()
    sources: list[SourceFile] = []
    for path in iter_manifest_paths(paths, exclude):
        source = read_source(path)
        sources.append(source)
        for obj in load_objects(source, default_namespace):
            resources.add(obj)
    return resources, sources
