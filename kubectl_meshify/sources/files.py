"""Manifest files, directories and stdin → `ResourceSet`.

Each file is split into documents by its raw text, so a document's exact bytes are known (the GitOps
writer copies untouched documents through byte for byte). Only documents of the kinds translation needs
are parsed (by `yamlio.load`); the rest are counted, and their syntax checked without building anything
(a document that is not valid YAML is kept and reported, `InvalidDocument`). PyYAML's C parser is used when
present (about 20× faster than a pure-Python one); the pure parser gives the same result where the
extension is missing. Files are decoded as kubectl decodes them: UTF-8, or UTF-16 after its byte-order mark.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
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
# A Go template action as Helm writes them (`{{ .Values.x }}`, `{{- if ... }}`).
_TEMPLATE_ACTION = re.compile(r"\{\{-?\s*[^}\s][^}]*\}\}")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
NOT_AN_OBJECT = "(not an object)"
NOT_OBJECTS = "no Kubernetes object in it (no document has a kind)"
# Namespaced kinds that get the default namespace when a document has none.
_CLUSTER_SCOPED = {
    "Namespace",
    "IngressClass",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterIssuer",
}


@dataclass(slots=True)
class RawDocument:
    """One document of a file: its text span (separator line excluded) and where it starts.

    The text is sliced from the file's text when asked for, not held: a copy of every document beside the
    file's own text doubled the memory the input takes.
    """

    index: int
    start: int  # offset of the first byte after the `---` line (or 0)
    end: int  # offset just past the document's last byte
    line: int  # 1-based line where the document's text starts
    source_text: str  # the whole file's text
    text_end: int  # offset just past the document's text (before a `...` end marker)

    @property
    def text(self) -> str:
        return self.source_text[self.start : self.text_end]


@dataclass(frozen=True)
class InvalidDocument:
    """A document that was not read: of a kind translation does not need, and not valid YAML, or not a
    mapping. It is kept as it is (GitOps mode copies it byte for byte) and reported."""

    index: int
    line: int  # 1-based line of its first content in the file
    kind: str | None  # from its `kind:` line, when it has one
    problem: str


@dataclass
class SourceFile:
    """A file as read: its text and its documents."""

    path: str
    text: str
    is_json: bool
    documents: list[RawDocument] = field(default_factory=list)
    skipped: str | None = None  # why a file found in a directory walk is not read as a manifest
    invalid: list[InvalidDocument] = field(default_factory=list)
    encoding: str = "utf-8"  # how its bytes after `bom` decode (GitOps mode writes it back the same way)
    bom: bytes = b""  # the byte-order mark it starts with, if any


# The byte-order marks kubectl honours, as its resource builder reads every file and stdin through
# golang.org/x/text's `unicode.BOMOverride(unicode.UTF8.NewDecoder())` (k8s.io/cli-runtime
# pkg/resource/visitor.go, `FileVisitor.Visit`): UTF-8, UTF-16LE, UTF-16BE; no mark is UTF-8. UTF-32 is
# not among them (encoding/unicode/override.go: "support for UTF-32, which should not be supported by
# default"): kubectl fails to parse such a file, and so does this reader, with a clearer message.
_BOMS = (
    (b"\xff\xfe\x00\x00", None),  # UTF-32LE (starts like UTF-16LE's mark; kubectl reads NULs, and fails)
    (b"\x00\x00\xfe\xff", None),  # UTF-32BE
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def split_documents(text: str) -> list[RawDocument]:
    """Split a YAML stream at its `---` markers, keeping every byte of each document.

    Markers are found with `str.find` rather than a multi-line regular expression, which tries every
    position of the file (a tenth of a second on a 4 MB file); `_DOC_START` and `_DOC_END` define them."""
    ends = list(_line_starts(text, "..."))
    spans: list[tuple[int, int]] = []
    previous = 0
    for start in _line_starts(text, "---"):
        follow = text[start + 3 : start + 4]
        if follow and follow not in " \t\r\n":
            continue  # `----` or `---x`: not a marker
        spans.append((previous, start))
        line_end = text.find("\n", start + 3)
        previous = len(text) if line_end < 0 else line_end + 1
    spans.append((previous, len(text)))
    # The text before the first marker is a document only if it holds more than comments.
    documents: list[RawDocument] = []
    line, counted_to = 1, 0  # lines are counted incrementally: one pass over the text in all
    for start, end in spans:
        text_end = end
        if ends:  # rare: a `...` line ends the document before the next marker
            found = next((p for p in ends if start <= p < end and _DOC_END.match(text, p, end)), None)
            text_end = end if found is None else found
        line += text.count("\n", counted_to, start)
        counted_to = start
        if not _has_content(text, start, text_end):
            continue
        documents.append(RawDocument(len(documents), start, end, line, text, text_end))
    return documents


def _line_starts(text: str, token: str) -> Iterator[int]:
    """Offsets where `token` begins a line (the start of the text, or after a newline), in order."""
    if text.startswith(token):
        yield 0
    needle = "\n" + token
    found = text.find(needle)
    while found >= 0:
        yield found + 1
        found = text.find(needle, found + 1)


def _has_content(text: str, start: int, end: int) -> bool:
    """Whether a line between `start` and `end` holds more than a comment or a directive; lines are read
    from the start until one does (most documents: the first)."""
    while start < end:
        newline = text.find("\n", start, end)
        stop = end if newline < 0 else newline
        for raw in text[start:stop].splitlines():
            stripped = raw.strip()
            if stripped and not stripped.startswith(("#", "%")):
                return True
        start = stop + 1
    return False


def iter_manifest_paths(
    paths: Iterable[str], exclude: str | None = None, globs: Sequence[str] = ()
) -> Iterator[str]:
    """Expand directories recursively (sorted, hidden folders and `exclude` skipped); keep files and `-`."""
    for path, _ in walk_inputs(paths, exclude, globs):
        yield path


def walk_inputs(
    paths: Iterable[str], exclude: str | None = None, globs: Sequence[str] = ()
) -> Iterator[tuple[str, str | None]]:
    """Every input file with the directory it was found in (None: named on the command line or stdin).

    Hidden directories (`.git`, `.github`, ...) are never walked; paths matching an `--exclude` glob
    (`globs`) are left out of a walk, and so is `exclude` (the out-dir, when it lies inside an input).
    """
    skip = os.path.realpath(exclude) if exclude else None
    for given in paths:
        if given == STDIN:
            yield given, None
            continue
        path = Path(given)
        if path.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(given):  # as typed: `./k8s` stays `./k8s`
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and (skip is None or os.path.realpath(os.path.join(root, d)) != skip)
                    and not excluded(os.path.join(root, d), given, globs)
                )
                found.extend(
                    os.path.join(root, f)
                    for f in files
                    if f.endswith(MANIFEST_SUFFIXES) and not excluded(os.path.join(root, f), given, globs)
                )
            for file in sorted(found):
                yield file, given
        elif path.exists():
            yield given, None
        else:
            raise InputError(f"{given}: no such file or directory")


def excluded(path: str, walked: str, globs: Sequence[str]) -> bool:
    """Whether `--exclude` globs leave `path` (found under directory `walked`) out of the walk.

    A glob without `/` matches a file or directory name (`charts`, `*.tpl.yaml`); one with `/` matches the
    path relative to the walked directory (`overlays/*/patches`) or as written (`k8s/overlays/prod`).
    """
    if not globs:
        return False
    name = os.path.basename(path)
    relative = os.path.relpath(path, walked).replace(os.sep, "/")
    shown = os.path.normpath(path).replace(os.sep, "/")
    for glob in globs:
        pattern = glob.rstrip("/")
        if "/" not in pattern:
            if fnmatch.fnmatchcase(name, pattern):
                return True
        elif fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(
            shown, os.path.normpath(pattern).replace(os.sep, "/")
        ):
            return True
    return False


def read_source(path: str) -> SourceFile:
    """Read one file (or stdin) as text, decoded as kubectl decodes it (UTF-8, or UTF-16 after its
    byte-order mark); undecodable or unreadable input is an InputError."""
    try:
        if path == STDIN:
            stdin = getattr(sys.stdin, "buffer", None)
            data: bytes | str = stdin.read() if stdin is not None else sys.stdin.read()
            shown = "<stdin>"
        else:
            with open(path, "rb") as stream:
                data = stream.read()
            shown = path
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from None
    encoding, bom = "utf-8", b""
    if isinstance(data, str):  # a text stream without bytes underneath (stdin replaced in-process)
        text = data.removeprefix("\ufeff")
    else:
        text, encoding, bom = _decode(shown, data)
    start = text.lstrip()[:2]
    is_json = path.endswith(".json") or (start[:1] in ("{", "[") and start != "{{")  # `{{`: a template
    source = SourceFile(path=shown, text=text, is_json=is_json, encoding=encoding, bom=bom)
    if not is_json:
        source.documents = split_documents(text)
    return source


def _decode(shown: str, data: bytes) -> tuple[str, str, bytes]:
    """(text, encoding, byte-order mark) of a file's bytes."""
    encoding, bom = "utf-8", b""
    if data[:1] in (b"\xef", b"\xff", b"\xfe", b"\x00"):
        for mark, name in _BOMS:
            if data.startswith(mark):
                if name is None:
                    raise InputError(
                        f"{shown}: UTF-32 text (byte-order mark {mark.hex(' ')}), which kubectl does not read"
                        " (it reads UTF-8, and UTF-16 with a byte-order mark): save it as UTF-8"
                    )
                encoding, bom = name, mark
                break
    if encoding == "utf-8" and b"\x00" in data:  # kubectl's YAML decoder refuses control characters too
        raise InputError(
            f"{shown}: NUL characters at byte {data.index(0)}: UTF-16 or UTF-32 without a byte-order mark?"
            " kubectl reads UTF-8, and UTF-16 with a byte-order mark: save it as UTF-8"
        )
    try:
        text = data[len(bom) :].decode(encoding)
    except UnicodeDecodeError as err:
        what = "UTF-8" if encoding == "utf-8" else encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
        raise InputError(f"{shown}: not {what} text ({err.reason} at byte {err.start + len(bom)})") from None
    return text, encoding, bom


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
        kind = _TOP_KIND.search(source.text, doc.start, doc.text_end)
        if kind and kind.group(1) not in WANTED_KINDS and kind.group(1) != "List":
            # Not needed, so not built; but checked, as kubectl would stop at it (`kubectl apply -f`).
            problem = _other_document_problem(doc)
            if problem is not None:
                source.invalid.append(InvalidDocument(doc.index, _content_line(doc), kind.group(1), problem))
            yield KubeObject({"kind": kind.group(1)}, Origin(source.path, doc.index, doc.line))
            continue
        # Keys given twice are looked for in Ingresses only (and where one may be: a List, an unknown kind).
        wanted = kind is None or kind.group(1) in ("Ingress", "List")
        duplicates: list[yamlio.DuplicateKey] | None = [] if wanted else None
        data = parse_document(source.path, doc, duplicates)
        if data is not None and not isinstance(data, dict):
            what = "a list" if isinstance(data, list) else f"a {type(data).__name__} scalar"
            source.invalid.append(
                InvalidDocument(doc.index, _content_line(doc), None, f"not a mapping but {what}")
            )
        objects = _expand(data, Origin(source.path, doc.index, doc.line), default_namespace)
        yield from _with_duplicates(objects, data, duplicates, doc.line) if duplicates else objects


def parse_document(path: str, doc: RawDocument, duplicates: list[yamlio.DuplicateKey] | None = None) -> Any:
    """Parse one document; a syntax error names the file, document and line/column in the file. Keys
    given twice are appended to `duplicates`, when given."""
    try:
        return yamlio.load(doc.text, duplicates)
    except yaml.YAMLError as err:
        raise InputError(f"{path}: document {doc.index}: {_yaml_problem(err, doc)}") from None


def _with_duplicates(
    objects: Iterable[KubeObject], data: Any, duplicates: list[yamlio.DuplicateKey], first_line: int
) -> Iterator[KubeObject]:
    """The Ingresses among `objects` with the duplicate keys inside each (an item of a List too), their
    paths made relative to the object and their lines to the file."""
    for obj in objects:
        if obj.kind != "Ingress":
            yield obj
            continue
        root = _path_to(data, obj.body)
        if root is None:
            yield obj
            continue
        mine = tuple(
            yamlio.DuplicateKey(d.path[len(root) :], d.key, tuple(n + first_line for n in d.lines))
            for d in duplicates
            if d.path[: len(root)] == root
        )
        yield KubeObject(obj.body, obj.origin, mine) if mine else obj


def _path_to(data: Any, body: Any, path: yamlio.Path = ()) -> yamlio.Path | None:
    """Where `body` is in a document: () for the document itself, ("items", 2) for a List's item."""
    if data is body:
        return path
    if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            found = _path_to(item, body, (*path, "items", index))
            if found is not None:
                return found
    return None


def _yaml_problem(err: yaml.YAMLError, doc: RawDocument) -> str:
    """What is wrong with `doc`, and where in the file."""
    if not isinstance(err, yaml.MarkedYAMLError):
        return f"invalid YAML: {err}"
    mark = err.problem_mark or err.context_mark
    problem = err.problem or err.context or "syntax error"
    if mark is None:
        return f"invalid YAML at unknown position: {problem}"
    text = f"invalid YAML at line {mark.line + doc.line}, column {mark.column + 1}: {problem}"
    context = err.context_mark
    if err.problem and err.context and context is not None and context.line != mark.line:
        text += f" ({err.context} at line {context.line + doc.line})"
    return text


def _other_document_problem(doc: RawDocument) -> str | None:
    """Why a document of a kind translation does not need would not load (kubectl's decoder refuses it
    too), or None. Its syntax is checked, nothing is built. (A `kind:` line at column 0 makes it a mapping.)"""
    try:
        yamlio.check_syntax(doc.text)
    except yaml.YAMLError as err:
        return _yaml_problem(err, doc)
    return None


def _content_line(doc: RawDocument) -> int:
    """The line of a document's first content (past comments and blank lines)."""
    for offset, raw in enumerate(doc.text.splitlines()):
        stripped = raw.strip()
        if stripped and not stripped.startswith(("#", "%")):
            return doc.line + offset
    return doc.line


def _expand(data: Any, origin: Origin, default_namespace: str) -> Iterator[KubeObject]:
    if data is None:
        return
    if not isinstance(data, dict):
        yield KubeObject({"kind": NOT_AN_OBJECT}, origin)
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
    paths: Iterable[str],
    default_namespace: str = "default",
    exclude: str | None = None,
    globs: Sequence[str] = (),
) -> tuple[ResourceSet, list[SourceFile]]:
    """Read every input into one ResourceSet; also return the files (for the GitOps writer).

    `exclude` is a directory not to descend into (the GitOps out-dir, when it lies inside an input);
    `globs` are the `--exclude` patterns. A file found by walking a directory that is not a manifest (a
    Helm chart, a kustomize patch or kustomization, a file without a Kubernetes object, or one that does
    not parse) is skipped: it is returned with `skipped` saying why, and contributes nothing. A file named
    on the command line that does not parse is an InputError.
    """
    resources = ResourceSet()
    sources: list[SourceFile] = []
    inputs = list(walk_inputs(paths, exclude, globs))
    # Every kustomization of the walk is read first: a patch may sort before the overlay that lists it.
    not_manifests = NotManifests({os.path.dirname(path) for path, walked in inputs if walked is not None})
    for path, walked in inputs:
        if walked is None:
            source = read_source(path)
            sources.append(source)
            try:
                for obj in load_objects(source, default_namespace):
                    resources.add(obj)
            except InputError as err:
                if _TEMPLATE_ACTION.search(source.text):
                    raise InputError(
                        f"{err} (it looks like a Helm or Go template: render it first, e.g."
                        " `helm template ... | kubectl meshify file -`)"
                    ) from None
                raise
            continue
        reason = not_manifests.reason(path, walked)
        source, objects = _read_walked(path, default_namespace, reason)
        sources.append(source)
        for obj in objects:
            resources.add(obj)
    return resources, sources


def _read_walked(
    path: str, default_namespace: str, reason: str | None
) -> tuple[SourceFile, list[KubeObject]]:
    """A file found in a directory walk, read whole before any of it is used, or skipped with a reason."""
    if reason is not None:
        return SourceFile(path=path, text="", is_json=False, skipped=reason), []
    try:
        source = read_source(path)
        objects = list(load_objects(source, default_namespace))
    except InputError as err:
        text = _read_text_lossy(path)
        why = str(err).removeprefix(f"{path}: ")
        if _TEMPLATE_ACTION.search(text):
            why = f"a Helm or Go template, not a manifest ({why})"
        return SourceFile(path=path, text="", is_json=False, skipped=why), []
    if objects and not any(_is_object(obj) for obj in objects):
        source.skipped = NOT_OBJECTS
        return source, []
    return source, objects


def _is_object(obj: KubeObject) -> bool:
    kind = obj.body.get("kind")
    return isinstance(kind, str) and bool(kind) and kind != NOT_AN_OBJECT


def _read_text_lossy(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return ""


class NotManifests:
    """Which files of a directory walk are not manifests: Helm charts, kustomize files and patches."""

    def __init__(self, directories: Iterable[str] = ()) -> None:
        self._dirs: dict[str, str | None] = {}  # directory → the chart holding it, when any
        self._patches: dict[str, str] = {}  # path of a patch → the kustomization listing it
        self._read: set[str] = set()
        for directory in sorted(directories):
            self._read_kustomization(directory)

    def reason(self, path: str, walked: str) -> str | None:
        # Per file: a few string operations and cached lookups by directory (the walk's own spelling).
        directory = os.path.dirname(path)
        chart = self._chart_of(directory, walked)
        if chart is not None:
            return f"part of the Helm chart {chart} (it has a Chart.yaml): a chart is not a manifest"
        if os.path.basename(path) in KUSTOMIZATION_NAMES:
            return "a kustomize Kustomization, not a Kubernetes object"
        self._read_kustomization(directory)
        if self._patches:
            listed = self._patches.get(os.path.normpath(path))
            if listed is not None:
                return f"a kustomize patch, listed in {listed}"
        return None

    def _chart_of(self, directory: str, root: str) -> str | None:
        """The Helm chart directory holding `directory` (a Chart.yaml in it or above, up to the walk root)."""
        if directory in self._dirs:
            return self._dirs[directory]
        found: str | None = None
        parent = os.path.dirname(directory)
        if os.path.isfile(os.path.join(directory, "Chart.yaml")):
            found = os.path.normpath(directory)
        elif os.path.normpath(directory) != os.path.normpath(root) and parent != directory:
            found = self._chart_of(parent, root)
        self._dirs[directory] = found
        return found

    def _read_kustomization(self, directory: str) -> None:
        if directory in self._read:
            return
        self._read.add(directory)
        for name in KUSTOMIZATION_NAMES:
            file = os.path.join(directory, name)
            if os.path.isfile(file):
                for patch in kustomize_patches(file):
                    self._patches.setdefault(os.path.normpath(os.path.join(directory, patch)), file)
                return


def kustomize_patches(path: str) -> list[str]:
    """Paths of the patch files a kustomization names (patches, patchesStrategicMerge, patchesJson6902,
    replacements); an unreadable kustomization names none."""
    try:
        with open(path, "rb") as stream:
            data = yaml.safe_load(_decode(path, stream.read())[0])
    except (OSError, InputError, yaml.YAMLError):
        return []
    if not isinstance(data, dict):
        return []
    found: list[str] = []
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902", "replacements"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            target = entry.get("path") if isinstance(entry, dict) else entry
            # An inline patch is YAML text (it has a newline or a colon); a path is one line without either.
            if isinstance(target, str) and target and "\n" not in target and ": " not in target:
                found.append(target)
    return found
