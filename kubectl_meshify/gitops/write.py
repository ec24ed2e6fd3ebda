"""GitOps mode: the input files with each Ingress replaced by (or, with keep_ingress, followed by) the Istio
documents generated from it, written under an out-dir or in place.

Every byte outside a converted Ingress document is copied from the input: other documents, separators,
comments between documents, a file header, CRLF line ends, a missing final newline. An object generated
from several Ingresses (a merged VirtualService, a Gateway) is placed once, with the first contributing
Ingress in file order. Ingresses that failed or were skipped stay as they are. Documents that an earlier
run generated right after an Ingress (managed-by kubectl-meshify, converted from that Ingress) are replaced,
so a second run changes nothing.

JSON files have no comments and no document separators: a JSON file holding an Ingress is rewritten as
JSON, with the input's indentation, the Ingress items replaced inside their `List` (a file holding a
single Ingress object becomes a `v1 List`). Inside a YAML `kind: List` document the same happens to the
items; comments of that document that are not on an Ingress item are collected above it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify import yamlio
from kubectl_meshify.annotations import nginx_keys
from kubectl_meshify.errors import InputError, UsageError
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.fsutil import StagedFiles, Writable
from kubectl_meshify.generated import MANAGED_BY, SOURCE_ANNOTATION
from kubectl_meshify.gitops.comments import CarryResult, GeneratedIndex, add_to_findings, carry, dotted
from kubectl_meshify.model import IngressRecord, Status
from kubectl_meshify.result import AnnotationComment, FileEntry, FileStatus, GitOpsFiles, MigrationResult
from kubectl_meshify.sources.files import STDIN, RawDocument, SourceFile

STDIN_SHOWN = "<stdin>"
REPORT_MD = "report.md"  # the default report names under --out-dir, as in cluster mode
REPORT_JSON = "report.json"
_MANAGED_KEY, _MANAGED_VALUE = next(iter(MANAGED_BY.items()))
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


@dataclass
class FileOutput:
    """One input file and what becomes of it."""

    source: SourceFile
    target: str
    text: Writable | None  # the new content (whole or in pieces); None when the input is copied or left alone
    status: FileStatus
    written: bool = False


@dataclass
class TreeOptions:
    out_dir: str | None = None
    in_place: bool = False
    keep_ingress: bool = False
    report: str | None = None  # the Markdown report written with the tree, for the pointers in the files


def provenance(key: str) -> str:
    return f"# converted from Ingress {key} by kubectl-meshify"


# --- planning -----------------------------------------------------------------------------------


def plan(
    result: MigrationResult, sources: list[SourceFile], given: list[str], options: TreeOptions
) -> list[FileOutput]:
    """Compute every output file's content; nothing is written yet."""
    if options.in_place and any(s.path == STDIN_SHOWN for s in sources):
        raise UsageError("--in-place cannot rewrite stdin; use --out-dir DIR, or give files")
    targets = _targets(sources, given, options)
    placement = _Placement(result, sources, options.keep_ingress, options.report, targets)
    outputs = []
    for source in sources:
        if source.is_json and is_our_report(source.text):
            continue  # the JSON report of an earlier run into this tree: not a manifest to mirror
        records = placement.by_file.get(source.path, [])
        text: Writable | None = None
        if records:
            text = (
                _rewrite_json(source, records, placement)
                if source.is_json
                else _rewrite_yaml(source, placement)
            )
        if source.skipped is not None:
            status = FileStatus.SKIPPED
        elif not records:
            status = FileStatus.NO_INGRESS
        elif text is None or _same(text, source.text):
            status, text = FileStatus.UNCHANGED, None
        else:
            status = FileStatus.REWRITTEN
        outputs.append(FileOutput(source, targets[source.path], text, status))
    result.gitops = GitOpsFiles(
        in_place=options.in_place,
        out_dir=options.out_dir,
        files=[FileEntry(o.source.path, o.target, o.status) for o in outputs],
        annotation_comments=placement.comments_left(result),
    )
    _note_earlier_outputs(result, sources, placement.consumed)
    return outputs


def is_our_report(text: str) -> bool:
    if '"kubectl-meshify"' not in text[:400]:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    tool = data.get("tool") if isinstance(data, dict) else None
    return isinstance(tool, dict) and tool.get("name") == "kubectl-meshify" and "ingresses" in data


def _note_earlier_outputs(
    result: MigrationResult, sources: list[SourceFile], consumed: set[tuple[str, int]]
) -> None:
    """Warn about objects an earlier run generated that stay in the inputs while this run makes them anew
    (a tree converted in parts): applied together, one would overwrite the other."""
    made: dict[tuple[Any, ...], dict[str, Any]] | None = None  # made when an input holds such an object
    for source in sources:
        if source.is_json:
            continue
        for doc in source.documents:
            if (source.path, doc.index) in consumed or SOURCE_ANNOTATION not in doc.text:
                continue
            try:
                data = yamlio.load(doc.text)
            except Exception:  # not parsed before (an unneeded kind): not ours to judge
                continue
            if not _generated_object_for(data, None):
                continue
            meta = data["metadata"]
            ident = (
                str(data.get("apiVersion", "")).split("/")[0],
                data.get("kind"),
                meta.get("namespace", ""),
                meta.get("name"),
            )
            if made is None:
                made = {}
                for obj in result.objects:
                    made_meta = obj["metadata"]
                    api_group = str(obj["apiVersion"]).split("/")[0]
                    made[(api_group, obj["kind"], made_meta.get("namespace", ""), made_meta["name"])] = obj
            new = made.get(ident)
            if new is None:
                continue
            old_from = meta["annotations"][SOURCE_ANNOTATION]
            new_from = new["metadata"]["annotations"][SOURCE_ANNOTATION]
            result.run_findings.append(
                Finding(
                    code="GITOPS_EARLIER_OUTPUT",
                    severity=Severity.WARNING,
                    verdict=Verdict.UNKNOWN,
                    message=f"{source.path}#{doc.index} holds {ident[1]} {ident[2]}/{ident[3]} from an earlier"
                    f" kubectl-meshify run (converted from {old_from}); this run writes it again (converted from"
                    f" {new_from}), so the copy applied last wins.",
                    action="Keep one: convert every Ingress that shares it in one run, or merge the earlier"
                    " document into the new one by hand (for a Gateway, the union of the servers).",
                )
            )


def _targets(sources: list[SourceFile], given: list[str], options: TreeOptions) -> dict[str, str]:
    """Where each input goes: itself (in place), or its path relative to the inputs' common root under DIR."""
    seen: dict[str, str] = {}
    for source in sources:
        if source.path == STDIN_SHOWN:
            continue
        real = os.path.realpath(source.path)
        if real in seen:
            raise UsageError(f"{source.path}: given more than once (also as {seen[real]})")
        seen[real] = source.path
    if options.in_place:
        return {s.path: os.path.realpath(s.path) for s in sources}
    assert options.out_dir is not None
    out_dir = os.path.abspath(options.out_dir)
    bases = []
    for path in given:
        if path == STDIN:
            continue
        absolute = os.path.abspath(path)
        bases.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    root = os.path.commonpath(bases) if bases else os.getcwd()
    real_out = os.path.realpath(out_dir)
    targets = {}
    for source in sources:
        if source.path == STDIN_SHOWN:
            relative = "stdin.json" if source.is_json else "stdin.yaml"
        else:
            relative = os.path.relpath(os.path.abspath(source.path), root)
        target = os.path.normpath(os.path.join(out_dir, relative))
        real_target = os.path.realpath(target)
        if not real_target.startswith(real_out + os.sep):
            raise UsageError(
                f"{source.path}: its output {target} would lie outside --out-dir {options.out_dir}"
            )
        if source.path != STDIN_SHOWN and real_target == os.path.realpath(source.path):
            raise UsageError(
                f"--out-dir {options.out_dir} would overwrite the input {source.path}; use --in-place for that"
            )
        targets[source.path] = target
    return targets


@dataclass
class _Placement:
    """Which generated objects go where, and the comments carried onto them."""

    result: MigrationResult
    sources: list[SourceFile]
    keep: bool
    report: str | None
    targets: dict[str, str]  # input path → output path
    by_file: dict[str, list[IngressRecord]] = field(default_factory=dict)
    placed: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # id(record) → objects
    owner: dict[int, IngressRecord] = field(default_factory=dict)  # id(object) → record it is placed with
    carried: dict[int, CarryResult] = field(default_factory=dict)  # id(record) → where its comments went
    consumed: set[tuple[str, int]] = field(default_factory=set)  # (path, document) rewritten
    index: GeneratedIndex = field(init=False)

    def __post_init__(self) -> None:
        records = {id(r.obj): r for r in self.result.model.records.values()}
        ordered = [records[id(obj)] for obj in self.result.resources.ingresses if id(obj) in records]
        for record in ordered:
            self.by_file.setdefault(str(record.obj.origin.path), []).append(record)
        self.index = GeneratedIndex.build(self.result.objects)
        first: IngressRecord | None = None
        for record in ordered:
            if not self.replaced(record):
                continue
            first = first or record
            for ref in record.resources:
                obj = self.index.objects.get(ref)
                if obj is not None and id(obj) not in self.owner:
                    self.owner[id(obj)] = record
                    self.placed.setdefault(id(record), []).append(obj)
        for obj in self.result.objects:  # made from no Ingress that is replaced: with the first one
            if id(obj) not in self.owner and first is not None:
                self.owner[id(obj)] = first
                self.placed.setdefault(id(first), []).append(obj)
        self._carry_comments()

    @staticmethod
    def replaced(record: IngressRecord) -> bool:
        """Converted means gone: an Ingress that converts to no objects (a canary ingress-nginx never sent
        traffic to) is replaced too, by its comments and a pointer to the report."""
        return record.status in (Status.CONVERTED, Status.PARTIAL)

    def objects_at(self, record: IngressRecord) -> list[dict[str, Any]]:
        return self.placed.get(id(record), [])

    def head_lines(self, record: IngressRecord) -> list[str]:
        carried = self.carried.get(id(record))
        return (carried.collected if carried else []) + [provenance(record.key)]

    def stub_lines(self, record: IngressRecord) -> list[str]:
        """Where an Ingress's objects all went elsewhere: its comments, and a pointer to them (or to the
        report, when nothing was generated from it)."""
        carried = self.carried.get(id(record))
        if not record.resources:
            target = self.targets.get(str(record.obj.origin.path))
            where = "the migration report (--report)"
            if self.report and target:
                where = os.path.relpath(os.path.abspath(self.report), os.path.dirname(target))
            pointer = provenance(record.key) + f"; nothing is generated from it, see {where}"
            return (carried.collected if carried else []) + [pointer]
        owners: list[str] = []
        for ref in record.resources:
            obj = self.index.objects.get(ref)
            holder = self.owner.get(id(obj)) if obj is not None else None
            if holder is not None:
                path = _relative(str(holder.obj.origin.path), str(record.obj.origin.path))
                where = f"Ingress {holder.key} ({path})"
                if where not in owners:
                    owners.append(where)
        pointer = provenance(record.key) + "; its resources are placed with " + ", ".join(owners)
        return (carried.collected if carried else []) + [pointer]

    def _carry_comments(self) -> None:
        fields = {key: info.fields for key, (_, info) in nginx_keys().items()}
        prefix = self.result.options.nginx_prefix
        annotation_fields = {prefix + key: value for key, value in fields.items() if value}
        for source in self.sources:
            records = self.by_file.get(source.path)
            if not records or source.is_json:
                continue
            by_doc: dict[int, list[IngressRecord]] = {}
            for record in records:
                by_doc.setdefault(record.obj.origin.document, []).append(record)
            for number, doc_records in by_doc.items():
                if not any(self.replaced(r) for r in doc_records):
                    continue
                doc = source.documents[number]
                layout = _Layout.of(doc.text)
                body = doc.text[layout.head : layout.content]
                if "#" not in body:
                    continue  # only a head comment (text), or none: nothing to read
                comments = _read_comments(source, doc, doc.text[: layout.content], layout.head_lines)
                if _is_list(doc):
                    per_item, _ = _list_comments(doc, comments, doc_records)
                    for record in doc_records:
                        if id(record) in per_item:
                            self._carry(record, per_item[id(record)], annotation_fields)
                else:
                    self._carry(doc_records[0], comments, annotation_fields)

    def _carry(
        self,
        record: IngressRecord,
        comments: list[yamlio.Comment],
        annotation_fields: dict[str, tuple[str, ...]],
    ) -> None:
        if self.replaced(record):
            self.carried[id(record)] = carry(record, comments, self.index, annotation_fields)

    def comments_left(self, result: MigrationResult) -> dict[str, list[AnnotationComment]]:
        """Annotation comments that found no field go onto the report line of their key; those that found
        no finding either are returned, by Ingress, for the report to show."""
        left_by_ingress: dict[str, list[AnnotationComment]] = {}
        for record in result.model.records.values():
            carried = self.carried.get(id(record))
            if carried is None or not carried.annotation_notes:
                continue
            left = add_to_findings(record, carried.annotation_notes)
            if left:
                left_by_ingress[record.key] = [
                    AnnotationComment(key, "\n".join(lines)) for key, lines in left
                ]
        return left_by_ingress


def _relative(path: str, seen_from: str) -> str:
    """`path` as seen from the directory of `seen_from`: the same in the input tree and under DIR."""
    if STDIN_SHOWN in (path, seen_from):
        return path
    return os.path.relpath(path, os.path.dirname(seen_from) or ".")


def _read_comments(source: SourceFile, doc: RawDocument, text: str, head_lines: int) -> list[yamlio.Comment]:
    try:
        comments = yamlio.read_comments(text)
    except Exception as err:  # parsed fine before; a scanner disagreement must not pass silently
        raise InputError(f"{source.path}: document {doc.index}: cannot read its comments: {err}") from None
    return [c for c in comments if c.line >= head_lines]


def _list_comments(
    doc: RawDocument, comments: list[yamlio.Comment], records: list[IngressRecord]
) -> tuple[dict[int, list[yamlio.Comment]], list[yamlio.Comment]]:
    """Comments of a `kind: List` document: per Ingress item (id of its record; paths made relative to
    the item), and the others."""
    data = yamlio.load(doc.text)
    remaining = iter(records)
    items: dict[yamlio.Path, IngressRecord] = {}

    def walk(values: list[Any], path: yamlio.Path) -> None:
        for k, item in enumerate(values):
            if _is_list_object(item):
                walk(item["items"], (*path, k, "items"))
            elif isinstance(item, dict) and item.get("kind") == "Ingress":
                record = next(remaining, None)
                if record is not None:
                    items[(*path, k)] = record

    if _is_list_object(data):
        walk(data["items"], ("items",))
    grouped: dict[int, list[yamlio.Comment]] = {}
    others: list[yamlio.Comment] = []
    for comment in comments:
        for prefix, record in items.items():
            if comment.path[: len(prefix)] == prefix:
                relative = yamlio.Comment(
                    comment.text, comment.line, comment.eol, comment.path[len(prefix) :], comment.trailing
                )
                grouped.setdefault(id(record), []).append(relative)
                break
        else:
            others.append(comment)
    return grouped, others


# --- YAML files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """A document's text: leading comment/blank lines (`head`), content, then trailing ones."""

    head: int  # offset where content starts
    content: int  # offset where the trailing comment/blank lines start
    head_lines: int  # number of head lines

    @classmethod
    def of(cls, text: str) -> _Layout:
        # Line by line from each end, without splitting the whole document into lines.
        head, offset, size = 0, 0, len(text)
        while offset < size:
            stop = text.find("\n", offset) + 1 or size
            if not _blank_or_comment(text[offset:stop]):
                break
            offset = stop
            head += 1
        end = size
        while end > offset:
            start = text.rfind("\n", 0, end - 1) + 1
            line = text[start:end]
            if line.strip() and not line.startswith("#"):
                break
            end = start
        return cls(offset, end, head)


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _is_list(doc: RawDocument) -> bool:
    # From the parsed document, not its spelling: `"kind": "List"` or a flow mapping is a List too, and
    # replacing it whole would drop its other items. Only a text that names List is parsed again.
    return "List" in doc.text and _is_list_object(yamlio.load(doc.text))


def _is_list_object(value: Any) -> bool:
    return isinstance(value, dict) and value.get("kind") == "List" and isinstance(value.get("items"), list)


def _newline(text: str) -> str:
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


class RewrittenText:
    """A rewritten file's new text, in pieces: each replaced document, and the unchanged stretches of the
    input between them as offsets, sliced only while the text is written or compared (a copy of them
    would be most of the file). Never joined: a large file's new text would be held twice."""

    def __init__(self, old: str) -> None:
        self.old = old
        self.parts: list[str | tuple[int, int]] = []

    def __iter__(self) -> Iterator[str]:
        old = self.old
        for part in self.parts:
            yield part if isinstance(part, str) else old[part[0] : part[1]]


def _rewrite_yaml(source: SourceFile, placement: _Placement) -> RewrittenText:
    """The new text of a YAML file: the unchanged stretches and each replaced document."""
    text = source.text
    documents = source.documents
    by_doc: dict[int, list[IngressRecord]] = {}
    for record in placement.by_file[source.path]:
        by_doc.setdefault(record.obj.origin.document, []).append(record)
    style = yamlio.detect_style(text)
    new = RewrittenText(text)
    pieces = new.parts
    position = 0
    skip_until = -1
    for number, doc in enumerate(documents):
        if number <= skip_until or number not in by_doc:
            continue
        records = by_doc[number]
        if not any(placement.replaced(r) for r in records):
            continue
        if _is_list(doc):
            start, end, replacement = _rewrite_list_document(doc, records, placement, style)
            placement.consumed.add((source.path, number))
        else:
            start, end, replacement, skip_until = _replace_document(
                text, documents, number, records[0], placement, style
            )
            placement.consumed.update((source.path, n) for n in range(number, skip_until + 1))
        pieces.append((position, start))
        pieces.append(replacement)
        position = end
    pieces.append((position, len(text)))
    return new


def _same(text: Writable, old: str) -> bool:
    if isinstance(text, str):
        return text == old
    if sum(map(len, text)) != len(old):
        return False
    position = 0
    for piece in text:  # a piece at a time: the new text is never joined
        if old[position : position + len(piece)] != piece:
            return False
        position += len(piece)
    return True


def _replace_document(
    text: str,
    documents: list[RawDocument],
    number: int,
    record: IngressRecord,
    placement: _Placement,
    style: yamlio.Style,
) -> tuple[int, int, str, int]:
    """(start, end, replacement, last document consumed) for one Ingress document."""
    doc = documents[number]
    layout = _Layout.of(doc.text)
    nl = _newline(doc.text)
    content_end = doc.start + layout.content
    # Documents an earlier run generated from this Ingress, right after it, are replaced.
    last = number
    while last + 1 < len(documents) and _generated_for(documents[last + 1], record.key):
        last += 1
    end = content_end
    kept: list[str] = []  # comments found between the documents that are replaced
    if last > number:
        previous = content_end
        for j in range(number + 1, last + 1):
            other = documents[j]
            other_layout = _Layout.of(other.text)
            kept += _comment_lines(text[previous : other.start])
            previous = other.start + other_layout.content
        end = previous
    objects = placement.objects_at(record)
    parts: list[str] = []
    if placement.keep:
        start = content_end
        if not text[doc.start : content_end].endswith("\n"):
            parts.append(nl)
        if objects:
            parts.append("---\n")
            parts += _lines(placement.head_lines(record))
    else:
        start = doc.start
        head_text = doc.text[: layout.head]
        if objects:
            parts += _lines(placement.head_lines(record))
        else:
            parts += _lines(placement.stub_lines(record))
    for n, obj in enumerate(objects):
        if n:
            parts.append("---\n")
        parts.append(yamlio.dump(obj, style, placement.index.notes.get(id(obj))))
    parts += _lines(kept)
    replacement = "".join(parts)
    if nl != "\n":
        replacement = replacement.replace("\n", nl)
    if not placement.keep:
        replacement = head_text + replacement
    if end == len(text) and not text.endswith("\n") and replacement.endswith(nl):
        replacement = replacement[: -len(nl)]  # the input ended without a newline: so does the output
    return start, end, replacement, last


def _lines(lines: list[str]) -> list[str]:
    return [line + "\n" for line in lines]


def _comment_lines(text: str) -> list[str]:
    """Comment lines of the text between documents (a comment after `---` included)."""
    found = []
    for line in _LINE.findall(text):
        stripped = line.strip()
        if stripped.startswith("#"):
            found.append(stripped)
        elif stripped.startswith(("---", "...")) and "#" in stripped:
            found.append(stripped[stripped.index("#") :])
    return found


def _generated_for(doc: RawDocument, key: str) -> bool:
    """Whether a document is an object kubectl-meshify generated from Ingress `key`."""
    if SOURCE_ANNOTATION not in doc.text:
        return False
    try:
        data = yamlio.load(doc.text)
    except Exception:  # not ours if it does not even parse; it is passed through
        return False
    return _generated_object_for(data, key)


def _generated_object_for(data: Any, key: str | None) -> bool:
    """Whether `data` is an object kubectl-meshify generated (from Ingress `key`, when given)."""
    if not isinstance(data, dict):
        return False
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return False
    labels, annotations = meta.get("labels"), meta.get("annotations")
    if not isinstance(labels, dict) or labels.get(_MANAGED_KEY) != _MANAGED_VALUE:
        return False
    if not isinstance(annotations, dict):
        return False
    if SOURCE_ANNOTATION not in annotations:
        return False
    return key is None or key in str(annotations[SOURCE_ANNOTATION]).split(",")


def _rewrite_list_document(
    doc: RawDocument, records: list[IngressRecord], placement: _Placement, style: yamlio.Style
) -> tuple[int, int, str]:
    """A `kind: List` document with Ingress items, rebuilt with the items replaced."""
    layout = _Layout.of(doc.text)
    nl = _newline(doc.text)
    data = yamlio.load(doc.text)
    notes: yamlio.Notes = {}
    after: list[str] = []
    moved: dict[yamlio.Path, yamlio.Path | None] = {}  # old → new path of every item (None: replaced)
    data["items"] = _rebuild_items(
        data["items"], iter(records), placement, ("items",), notes, after, ("items",), moved
    )
    collected = []
    if "#" in doc.text[layout.head : layout.content]:
        # Comments not on an Ingress item stay on their node; the rest is collected above the document.
        comments = [
            c for c in yamlio.read_comments(doc.text[: layout.content]) if c.line >= layout.head_lines
        ]
        _, others = _list_comments(doc, comments, records)
        not_carried = {id(c) for c in others}  # the rest went with their Ingress's objects
        context: yamlio.Path | None = None
        for comment in comments:
            path = _moved_path(comment.path, moved)
            if path is None:
                continue
            if isinstance(path, tuple) and not comment.trailing:
                note = notes.setdefault(path, yamlio.NodeComments())
                (note.eol if comment.eol else note.before).append(comment.text)
                continue
            if id(comment) not in not_carried:
                continue
            if comment.path != context:
                collected.append(f"# on {dotted(comment.path) or 'the document'}:")
                context = comment.path
            collected.append(comment.text)
    text = "".join(_lines(collected)) + yamlio.dump(data, style, notes) + "".join(_lines(after))
    if nl != "\n":
        text = text.replace("\n", nl)
    end = doc.start + layout.content
    if end == doc.start + len(doc.text) and not doc.text.endswith("\n") and text.endswith(nl):
        text = text[: -len(nl)]
    return doc.start + layout.head, end, text


def _moved_path(path: yamlio.Path, moved: dict[yamlio.Path, yamlio.Path | None]) -> yamlio.Path | None | bool:
    """Where a node of a rebuilt List now is: its new path, None when its item was replaced by a new
    run's output (its comments were that run's), False when it is not known."""
    if not path or path[0] != "items":
        return path  # the List's own keys do not move
    for length in range(len(path), 1, -1):
        if path[:length] in moved:
            new = moved[path[:length]]
            return None if new is None else new + path[length:]
    return False


def _rebuild_items(
    items: list[Any],
    records: Iterator[IngressRecord],
    placement: _Placement,
    path: yamlio.Path,
    notes: yamlio.Notes | None,
    after: list[str],
    old_path: yamlio.Path = (),
    moved: dict[yamlio.Path, yamlio.Path | None] | None = None,
) -> list[Any]:
    """The items of a List with each replaced Ingress item swapped for (or followed by) its objects."""
    rebuilt: list[Any] = []
    k = 0

    def keep_item(item: Any) -> None:
        if moved is not None:
            moved[(*old_path, k - 1)] = (*path, len(rebuilt))
        rebuilt.append(item)

    while k < len(items):
        item = items[k]
        k += 1
        if _is_list_object(item):
            inner = dict(item)
            inner["items"] = _rebuild_items(
                item["items"],
                records,
                placement,
                (*path, len(rebuilt), "items"),
                notes,
                after,
                (*old_path, k - 1, "items"),
                moved,
            )
            keep_item(inner)
            continue
        if not (isinstance(item, dict) and item.get("kind") == "Ingress"):
            keep_item(item)
            continue
        record = next(records, None)
        if record is None or not placement.replaced(record):
            keep_item(item)
            continue
        if placement.keep:
            keep_item(item)
        while k < len(items) and _generated_object_for(items[k], record.key):
            if moved is not None:
                moved[(*old_path, k)] = None  # generated by an earlier run: replaced, comments too
            k += 1
        objects = placement.objects_at(record)
        if notes is not None:
            if objects:
                first = (*path, len(rebuilt))
                notes.setdefault(first, yamlio.NodeComments()).before.extend(placement.head_lines(record))
            elif not placement.keep:
                after.extend(placement.stub_lines(record))
        for obj in objects:
            if notes is not None:
                prefix = (*path, len(rebuilt))
                for node, note in (placement.index.notes.get(id(obj)) or {}).items():
                    target = notes.setdefault(prefix + node, yamlio.NodeComments())
                    target.before.extend(note.before)
                    target.eol.extend(note.eol)
            rebuilt.append(obj)
    return rebuilt


# --- JSON files ---------------------------------------------------------------------------------


def _rewrite_json(source: SourceFile, records: list[IngressRecord], placement: _Placement) -> str | None:
    if not any(placement.replaced(r) for r in records):
        return None
    data = json.loads(source.text)
    after: list[str] = []
    if isinstance(data, list):
        new: Any = _rebuild_items(data, iter(records), placement, (), None, after)
    elif _is_list_object(data):
        new = dict(data)
        new["items"] = _rebuild_items(data["items"], iter(records), placement, ("items",), None, after)
    else:  # one Ingress object: JSON holds one value, so its objects go into a v1 List
        new = {
            "apiVersion": "v1",
            "kind": "List",
            "items": _rebuild_items([data], iter(records), placement, ("items",), None, after),
        }
    indent = _json_indent(source.text)
    text = json.dumps(new, indent=indent, ensure_ascii=False)
    if source.text.endswith(("\n", "\r\n")):
        text += "\n"
    return text.replace("\n", "\r\n") if _newline(source.text) == "\r\n" else text


def _json_indent(text: str) -> int | str | None:
    match = re.search(r"\n([ \t]+)[\"{\[]", text)
    if match is None:
        return None if "\n" not in text.strip() else 2
    space = match.group(1)
    return space if "\t" in space else len(space)


# --- writing ------------------------------------------------------------------------------------


def write(outputs: list[FileOutput], options: TreeOptions) -> None:
    """Write the planned files; files that would not change are not touched.

    Every new file is staged (temporary file, fsync) before any is renamed into place, so an error or an
    interruption while staging changes nothing, and each file is always either old or new.
    """
    staged = StagedFiles()
    pending: list[FileOutput] = []
    try:
        for output in outputs:
            try:
                if options.in_place:
                    if output.text is not None:
                        staged.stage(
                            output.target,
                            _content(output.source, output.text),
                            own_input=output.source.path,
                        )
                        pending.append(output)
                    continue
                if output.text is not None or output.source.path == STDIN_SHOWN:
                    text = output.source.text if output.text is None else output.text
                    if not os.path.exists(output.target):
                        staged.stage(output.target, _content(output.source, text))
                        pending.append(output)
                        continue
                    content = _content(output.source, text)
                    if _differs(output.target, content):
                        staged.stage(output.target, content)
                        pending.append(output)
                elif _files_differ(output.target, output.source.path):
                    staged.stage(output.target, copy_from=output.source.path)
                    pending.append(output)
            except OSError as err:
                raise InputError(f"{output.target}: cannot write: {err.strerror}") from None
        try:
            staged.commit()
        except OSError as err:
            raise InputError(f"cannot replace a file: {err.strerror} ({err.filename})") from None
    finally:
        staged.discard()
    for output in pending:
        output.written = True


def _content(source: SourceFile, text: Writable) -> Writable | bytes:
    """What to stage for `text`: the text itself when the file is UTF-8 without a byte-order mark (it is
    encoded a slice at a time as it is written), else its bytes (`encoded`)."""
    return text if source.encoding == "utf-8" and not source.bom else encoded(source, text)


def encoded(source: SourceFile, text: Writable) -> bytes:
    """`text` in the input's own encoding (UTF-8 or UTF-16), after the byte-order mark it had, if any."""
    content = (text if isinstance(text, str) else "".join(text)).encode(source.encoding)
    # Joined only when there is a mark: `b"" + content` would be one more copy of the whole file.
    return source.bom + content if source.bom else content


# Files are compared this many bytes (or characters, encoded) at a time.
_COMPARED = 1 << 20


def _differs(path: str, content: Writable | bytes) -> bool:
    """Whether the file at `path` holds anything but `content` (bytes, or text to be written as UTF-8),
    compared a slice at a time: neither the file nor the new content is held whole as bytes."""
    try:
        with open(path, "rb") as stream:
            for chunk in _slices(content):
                if stream.read(len(chunk)) != chunk:
                    return True
            return stream.read(1) != b""
    except OSError:
        return True


def _slices(content: Writable | bytes) -> Iterator[bytes]:
    if isinstance(content, bytes):
        for start in range(0, len(content), _COMPARED):
            yield content[start : start + _COMPARED]
        return
    for piece in [content] if isinstance(content, str) else content:
        for start in range(0, len(piece), _COMPARED):
            yield piece[start : start + _COMPARED].encode("utf-8")


def _files_differ(path: str, other: str) -> bool:
    try:
        if os.path.getsize(path) != os.path.getsize(other):
            return True
        with open(path, "rb") as stream, open(other, "rb") as other_stream:
            while True:
                chunk = stream.read(_COMPARED)
                if chunk != other_stream.read(_COMPARED):
                    return True
                if not chunk:
                    return False
    except OSError:
        return True
