"""Carry an Ingress's comments to the Istio objects generated from it.

A comment lands next to the thing it described:

| comment on | lands on |
| --- | --- |
| a rule (`spec.rules[r]`, its `host`) | the first VirtualService route made from that rule |
| a path item (`spec.rules[r].http.paths[p]`) | that path's route |
| `path` / `pathType` | the route's `match` |
| `backend` and below | the route's `destination` |
| a TLS entry (`spec.tls[t]`) | the Gateway server that serves its secret |
| `spec.defaultBackend` | the default route's `destination` |
| an annotation | the field the annotation produced (`KeyInfo.fields`); when there is none, the Ingress's first route in the VirtualService, and the report line for that key |
| anything else | collected above the first generated document, with the field it was on |

Routes are found by name: `<namespace>.<ingress>.r<rule>.p<path>` (`.default` for the default backend).
The head comment of the document is text, handled by the writer, and never reaches this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from kubectl_meshify.model import IngressRecord
from kubectl_meshify.tls.credentials import CREDENTIALS_KEY
from kubectl_meshify.yamlio import Comment, NodeComments, Notes, Path

# A route that redirects a whole host to HTTPS: it belongs to no single Ingress path.
HOST_REDIRECT_ROUTE = "https-redirect"


@dataclass
class CarryResult:
    """Where one Ingress's comments went: lines for the head of its first document, and annotation
    comments that found no field (they also go into the report)."""

    collected: list[str] = field(default_factory=list)
    annotation_notes: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class GeneratedIndex:
    """Generated objects by reference and VirtualService routes by name, shared by all Ingresses."""

    objects: dict[tuple[str, str, str, str], dict[str, Any]]
    routes: dict[str, tuple[dict[str, Any], int]]
    notes: dict[int, Notes] = field(default_factory=dict)  # id(object) → comments at its nodes

    @classmethod
    def build(cls, objects: list[dict[str, Any]]) -> GeneratedIndex:
        by_ref: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        routes: dict[str, tuple[dict[str, Any], int]] = {}
        for obj in objects:
            meta = obj.get("metadata", {})
            by_ref[(obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta.get("name", ""))] = obj
            if obj["kind"] == "VirtualService":
                for index, route in enumerate(obj.get("spec", {}).get("http") or []):
                    name = route.get("name")
                    if name and name != HOST_REDIRECT_ROUTE:
                        routes.setdefault(name, (obj, index))
        return cls(by_ref, routes)

    def note(self, obj: dict[str, Any], path: Path) -> NodeComments:
        return self.notes.setdefault(id(obj), {}).setdefault(path, NodeComments())


def carry(
    record: IngressRecord,
    comments: list[Comment],
    index: GeneratedIndex,
    annotation_fields: dict[str, tuple[str, ...]],
) -> CarryResult:
    """Attach `comments` (of the Ingress's body) to the objects generated from `record`."""
    result = CarryResult()
    objects = [index.objects[ref] for ref in record.resources if ref in index.objects]
    prefix = f"{record.obj.namespace}.{record.obj.name}"
    context: tuple[Path, str] | None = None  # consecutive comments on one node share a context line
    for comment in comments:
        target = _target(comment, record, prefix, objects, index, annotation_fields)
        if target is not None:
            obj, path, eol, label = target
            note = index.note(obj, path)
            if label and context != (comment.path, label):
                note.before.append(label)
            context = (comment.path, label) if label else None
            (note.eol if eol and not label else note.before).append(comment.text)
            if label and comment.path[:2] == ("metadata", "annotations"):
                _remember(result, str(comment.path[2]), comment.text)
            continue
        where = "at the end" if comment.trailing else f"on {dotted(comment.path)}"
        label = f"# {where} of Ingress {record.key}:"
        if context != (comment.path, label):
            result.collected.append(label)
        context = (comment.path, label)
        result.collected.append(comment.text)
        if comment.path[:2] == ("metadata", "annotations") and len(comment.path) > 2:
            _remember(result, str(comment.path[2]), comment.text)
    return result


def _remember(result: CarryResult, key: str, text: str) -> None:
    for known, lines in result.annotation_notes:
        if known == key:
            lines.append(text)
            return
    result.annotation_notes.append((key, [text]))


def add_to_findings(record: IngressRecord, notes: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Append each annotation comment to the finding of its key; return those without a finding."""
    left = []
    for key, lines in notes:
        text = " ".join(line.lstrip("#").strip() for line in lines)
        for i, finding in enumerate(record.findings):
            if finding.annotation == key:
                record.findings[i] = replace(
                    finding, message=f'{finding.message} Comment on this annotation in the source: "{text}".'
                )
                break
        else:
            left.append((key, lines))
    return left


Target = tuple[dict[str, Any], Path, bool, str]  # object, node path, keep as end-of-line, context line


def _target(
    comment: Comment,
    record: IngressRecord,
    prefix: str,
    objects: list[dict[str, Any]],
    index: GeneratedIndex,
    annotation_fields: dict[str, tuple[str, ...]],
) -> Target | None:
    path = comment.path
    if comment.trailing or len(path) < 2:
        return None
    head = path[:2]
    if head == ("metadata", "annotations") and len(path) > 2:
        return _annotation_target(str(path[2]), comment, prefix, objects, annotation_fields)
    if head == ("spec", "rules") and len(path) > 2 and isinstance(path[2], int):
        rule = path[2]
        if len(path) > 5 and path[3:5] == ("http", "paths") and isinstance(path[5], int):
            return _path_target(f"{prefix}.r{rule}.p{path[5]}", path[6:], comment, index)
        first = _first_route_of_rule(prefix, rule, objects)
        return (first[0], ("spec", "http", first[1]), False, "") if first else None
    if head == ("spec", "tls") and len(path) > 2 and isinstance(path[2], int):
        credential = record.settings.extra.get(CREDENTIALS_KEY, {}).get(path[2])
        return _tls_target(record.obj.spec.get("tls"), path[2], credential, objects)
    if head in (("spec", "defaultBackend"), ("spec", "backend")):
        return _path_target(f"{prefix}.default", ("backend",), comment, index)
    return None


def _path_target(name: str, rest: Path, comment: Comment, index: GeneratedIndex) -> Target | None:
    found = index.routes.get(name)
    if found is None:
        return None  # the path was not converted: the comment is collected with its field
    vs, i = found
    route = vs["spec"]["http"][i]
    item: Path = ("spec", "http", i)
    if not rest:
        return vs, item, False, ""
    if rest[0] in ("path", "pathType"):
        return vs, (*item, "match" if "match" in route else "name"), comment.eol, ""
    if rest[0] == "backend" and route.get("route"):
        return vs, (*item, "route", 0, "destination"), comment.eol, ""
    return vs, item, False, ""


def _first_route_of_rule(
    prefix: str, rule: int, objects: list[dict[str, Any]]
) -> tuple[dict[str, Any], int] | None:
    pattern = re.compile(re.escape(f"{prefix}.r{rule}.p") + r"\d+")
    for obj in objects:
        if obj["kind"] != "VirtualService":
            continue
        for i, route in enumerate(obj["spec"].get("http") or []):
            if pattern.fullmatch(str(route.get("name", ""))):
                return obj, i
    return None


def _tls_target(
    entries: Any, entry: int, credential: str | None, objects: list[dict[str, Any]]
) -> Target | None:
    """The HTTPS server that reads the entry's secret, under its name in the gateway namespace."""
    tls = entries[entry] if isinstance(entries, list) and entry < len(entries) else None
    if not isinstance(tls, dict) or not credential:
        return None
    hosts = {str(h) for h in tls.get("hosts") or []}
    for obj in objects:
        if obj["kind"] != "Gateway":
            continue
        for k, server in enumerate(obj["spec"].get("servers") or []):
            if (server.get("tls") or {}).get("credentialName") == credential and (
                not hosts or hosts & set(server.get("hosts") or [])
            ):
                return obj, ("spec", "servers", k), False, ""
    return None


def _annotation_target(
    key: str,
    comment: Comment,
    prefix: str,
    objects: list[dict[str, Any]],
    annotation_fields: dict[str, tuple[str, ...]],
) -> Target | None:
    for name in annotation_fields.get(key, ()):
        for obj in objects:
            spec = obj.get("spec") or {}
            if obj["kind"] == "VirtualService":
                for i, route in enumerate(spec.get("http") or []):
                    owned = str(route.get("name", "")).startswith(prefix + ".")
                    if (owned or route.get("name") == HOST_REDIRECT_ROUTE) and name in route:
                        return obj, ("spec", "http", i, name), comment.eol, ""
            elif name in spec:
                return obj, ("spec", name), comment.eol, ""
    label = f"# on annotation {key}:"
    for obj in objects:
        if obj["kind"] != "VirtualService":
            continue
        for i, route in enumerate(obj["spec"].get("http") or []):
            if str(route.get("name", "")).startswith(prefix + "."):
                return obj, ("spec", "http", i), False, label
        return obj, ("spec",), False, label
    return None


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
