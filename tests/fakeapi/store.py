"""The object store of the fake API server, with the API server's semantics where the tool relies on them.

Objects are kept once per (group, resource) whatever version wrote them and are served in the version a
request names, as a CRD with several served versions does. Lists come in key order (namespace, name),
paginated with `limit`/`continue`; writes honour `dryRun=All`; server-side apply tracks which field
manager owns which field and refuses to overwrite another manager's fields without `force`.
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .types import BUILTIN_TYPES, CRD_TYPE, NAMESPACE_TYPE, ResourceType, type_from_crd

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
FieldPath = tuple[str, ...]


class ApiError(Exception):
    """An API error that the server renders as a `Status` body."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{rt.group_resource} "{name}" not found',
        {"name": name, "group": rt.group, "kind": rt.plural},
    )


def namespace_not_found(namespace: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'namespaces "{namespace}" not found', {"name": namespace, "kind": "namespaces"}
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


# --- label selectors -------------------------------------------------------------------------------

_REQ = re.compile(
    r"^\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9_./-]+)\s*"
    r"(?:(?P<op>==|=|!=)\s*(?P<value>[A-Za-z0-9_.-]*)|\s+(?P<setop>in|notin)\s*\((?P<values>[^)]*)\))?\s*$"
)


def _split_requirements(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def parse_label_selector(selector: str) -> list[tuple[str, str, set[str]]]:
    """`a=b,c!=d,e in (x,y),!f` → [(key, op, values)]; raises 400 on syntax the API server rejects."""
    requirements = []
    for part in _split_requirements(selector):
        match = _REQ.match(part)
        if not match:
            raise bad_request(f"unable to parse requirement: {part.strip()!r}")
        key = match["key"]
        if match["neg"]:
            if match["op"] or match["setop"]:
                raise bad_request(f"unable to parse requirement: {part.strip()!r}")
            requirements.append((key, "!", set()))
        elif match["op"]:
            requirements.append((key, "!=" if match["op"] == "!=" else "=", {match["value"]}))
        elif match["setop"]:
            values = {v.strip() for v in match["values"].split(",") if v.strip()}
            requirements.append((key, match["setop"], values))
        else:
            requirements.append((key, "exists", set()))
    return requirements


def labels_match(labels: dict[str, str], requirements: list[tuple[str, str, set[str]]]) -> bool:
    for key, op, values in requirements:
        present = key in labels
        value = labels.get(key)
        ok = {
            "=": present and value in values,
            "!=": not present or value not in values,
            "in": present and value in values,
            "notin": not present or value not in values,
            "exists": present,
            "!": not present,
        }[op]
        if not ok:
            return False
    return True


def parse_field_selector(selector: str, rt: ResourceType) -> list[tuple[str, bool, str]]:
    """Field selectors on the fields every type supports (and Secret `type`), like the API server."""
    allowed = {"metadata.name", "metadata.namespace"} | ({"type"} if rt.plural == "secrets" else set())
    out = []
    for part in _split_requirements(selector):
        match = re.fullmatch(r"\s*([A-Za-z.]+)\s*(==|=|!=)\s*(\S*)\s*", part)
        if not match:
            raise bad_request(f"invalid field selector: {part!r}")
        name, op, value = match.groups()
        if name not in allowed:
            raise bad_request(f'field label not supported: {name}"')
        out.append((name, op != "!=", value))
    return out


def _field_value(obj: dict[str, Any], name: str) -> str:
    if name == "type":
        return str(obj.get("type", ""))
    return str((obj.get("metadata") or {}).get(name.split(".", 1)[1], ""))


# --- server-side apply field sets ------------------------------------------------------------------


def field_paths(obj: dict[str, Any]) -> dict[FieldPath, Any]:
    """Leaf fields of an object as server-side apply tracks them: maps recurse, lists are atomic.

    Only labels and annotations count in metadata; apiVersion, kind and status are not owned.
    """
    out: dict[FieldPath, Any] = {}

    def walk(prefix: FieldPath, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(prefix + (str(k),), v)
        else:
            out[prefix] = value

    for key, value in obj.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if key == "metadata":
            for mkey in ("labels", "annotations"):
                for k, v in ((value or {}).get(mkey) or {}).items():
                    out[("metadata", mkey, k)] = v
            continue
        walk((key,), value)
    return out


def _get_path(obj: Any, path: FieldPath) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def _set_path(obj: dict[str, Any], path: FieldPath, value: Any) -> None:
    for key in path[:-1]:
        child = obj.get(key)
        if not isinstance(child, dict):
            child = obj[key] = {}
        obj = child
    obj[path[-1]] = copy.deepcopy(value)


def _delete_path(obj: dict[str, Any], path: FieldPath) -> None:
    parents = []
    node: Any = obj
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        parents.append((node, key))
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    # Drop maps the removal left empty, as apply does.
    for parent, key in reversed(parents):
        if parent[key] == {} and key not in ("metadata", "spec"):
            del parent[key]


class _Missing:
    pass


_MISSING = _Missing()


def fields_v1(paths: Iterable[FieldPath]) -> dict[str, Any]:
    """The `fieldsV1` rendering of a field set (`{"f:spec": {"f:hosts": {}}}`)."""
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for key in path:
            node = node.setdefault(f"f:{key}", {})
    return root


def _overlaps(a: FieldPath, b: FieldPath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@dataclass
class Manager:
    operation: str  # "Apply" or "Update"
    api_version: str
    fields: set[FieldPath] = field(default_factory=set)
    _rendered: tuple[frozenset[FieldPath], dict[str, Any]] | None = None

    def fields_v1(self) -> dict[str, Any]:
        """The fieldsV1 rendering, cached: reads of large lists render every object."""
        frozen = frozenset(self.fields)
        if self._rendered is None or self._rendered[0] != frozen:
            self._rendered = (frozen, fields_v1(frozen))
        return self._rendered[1]


@dataclass
class Stored:
    body: dict[str, Any]
    managers: dict[str, Manager] = field(default_factory=dict)


# --- the store -------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[tuple[str, str], dict[tuple[str, str], Stored]] = {}
            self.revision = 100
            self.crd_types: dict[tuple[str, str], ResourceType] = {}
            self._sorted: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for ns in DEFAULT_NAMESPACES:
                self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    # -- types

    def types(self) -> list[ResourceType]:
        with self.lock:
            return list(BUILTIN_TYPES) + sorted(self.crd_types.values(), key=lambda t: (t.group, t.plural))

    def find_type(self, group: str, version: str, plural: str) -> ResourceType | None:
        for rt in self.types():
            if rt.group == group and rt.plural == plural and version in rt.versions:
                return rt
        return None

    def type_for(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        for rt in self.types():
            if rt.group == group and rt.kind == kind and version in rt.versions:
                return rt
        return None

    def _refresh_crd_types(self) -> None:
        self.crd_types = {}
        for stored in self.objects.get((CRD_TYPE.group, CRD_TYPE.plural), {}).values():
            rt = type_from_crd(stored.body)
            if rt is not None:
                self.crd_types[(rt.group, rt.plural)] = rt

    # -- helpers

    def _bucket(self, rt: ResourceType) -> dict[tuple[str, str], Stored]:
        return self.objects.setdefault((rt.group, rt.plural), {})

    def _next_revision(self) -> str:
        self.revision += 1
        return str(self.revision)

    def _render(self, rt: ResourceType, version: str, stored: Stored) -> dict[str, Any]:
        """The object as the API returns it, in the requested version, with managedFields."""
        # Shallow copies: rendered objects are serialized at once and never mutated.
        body = {"apiVersion": rt.api_version(version), "kind": rt.kind, **stored.body}
        body["apiVersion"] = rt.api_version(version)
        body["metadata"] = dict(body.get("metadata") or {})
        if stored.managers:
            body["metadata"]["managedFields"] = [
                {
                    "manager": name,
                    "operation": m.operation,
                    "apiVersion": m.api_version,
                    "time": body["metadata"].get("creationTimestamp", _now()),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": m.fields_v1(),
                }
                for name, m in sorted(stored.managers.items())
            ]
        return body

    def _check_namespace(self, rt: ResourceType, namespace: str) -> None:
        if rt.namespaced and ("", namespace) not in self._bucket(NAMESPACE_TYPE):
            raise namespace_not_found(namespace)

    def _validate_body(
        self, rt: ResourceType, version: str, namespace: str, name: str | None, body: Any
    ) -> None:
        if not isinstance(body, dict):
            raise bad_request("the request body is not an object")
        if body.get("kind") not in (None, rt.kind) or body.get("apiVersion") not in (
            None,
            rt.api_version(version),
        ):
            raise bad_request(
                f"the API version in the data ({body.get('apiVersion')}) does not match the expected "
                f"API version ({rt.api_version(version)}) or kind ({body.get('kind')} vs {rt.kind})"
            )
        meta = body.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            raise ApiError(
                422, "Invalid", f"{rt.kind} in version {version!r} is invalid: metadata.name: Required value"
            )
        if name is not None and meta["name"] != name:
            raise bad_request("the name of the object does not match the name on the URL")
        if rt.namespaced and meta.get("namespace") not in (None, "", namespace):
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )

    def _fresh_metadata(self, rt: ResourceType, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        meta = body["metadata"]
        for key in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
            meta.pop(key, None)
        if rt.namespaced:
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = _now()
        if "spec" in body:
            meta["generation"] = 1
        if rt.kind == "Namespace":
            body.setdefault("status", {"phase": "Active"})
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
        return body

    def _store(self, rt: ResourceType, key: tuple[str, str], stored: Stored) -> None:
        stored.body["metadata"]["resourceVersion"] = self._next_revision()
        bucket = self._bucket(rt)
        if key not in bucket:
            self._sorted.pop((rt.group, rt.plural), None)
        bucket[key] = stored
        if rt is CRD_TYPE:
            self._refresh_crd_types()

    # -- seeding (test setup: creates namespaces the objects need)

    def seed(self, body: dict[str, Any]) -> None:
        with self.lock:
            rt = self.type_for(str(body.get("apiVersion", "")), str(body.get("kind", "")))
            if rt is None:
                raise ValueError(f"cannot seed {body.get('apiVersion')}/{body.get('kind')}: type not served")
            namespace = (
                str((body.get("metadata") or {}).get("namespace") or "default") if rt.namespaced else ""
            )
            if rt.namespaced and ("", namespace) not in self._bucket(NAMESPACE_TYPE):
                self.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
            fresh = self._fresh_metadata(rt, namespace, body)
            manager = Manager("Update", fresh["apiVersion"], set(field_paths(fresh)))
            self._store(rt, (namespace, fresh["metadata"]["name"]), Stored(fresh, {"seed": manager}))

    # -- reads

    def get(self, rt: ResourceType, version: str, namespace: str, name: str) -> dict[str, Any]:
        with self.lock:
            stored = self._bucket(rt).get((namespace, name))
            if stored is None:
                raise not_found(rt, name)
            return self._render(rt, version, stored)

    def list(
        self,
        rt: ResourceType,
        version: str,
        namespace: str | None,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Items in key order and the list metadata (resourceVersion, continue, remainingItemCount)."""
        requirements = parse_label_selector(label_selector) if label_selector else []
        fields = parse_field_selector(field_selector, rt) if field_selector else []
        start: tuple[str, str] | None = None
        if continue_token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(continue_token.encode()))
                start = (str(decoded["start"][0]), str(decoded["start"][1]))
            except (ValueError, KeyError, IndexError, TypeError):
                raise bad_request(
                    "continue key is not valid: incorrect encoded start resourceVersion"
                ) from None
        with self.lock:
            bucket = self._bucket(rt)
            keys = self._sorted.get((rt.group, rt.plural))
            if keys is None:
                keys = self._sorted[(rt.group, rt.plural)] = sorted(bucket)
            list_revision = str(self.revision)
            items, last, remaining = [], None, 0
            for key in keys:
                if namespace is not None and key[0] != namespace:
                    continue
                if start is not None and key <= start:
                    continue
                stored = bucket[key]
                labels = stored.body["metadata"].get("labels") or {}
                if requirements and not labels_match(labels, requirements):
                    continue
                if fields and not all((_field_value(stored.body, n) == v) == eq for n, eq, v in fields):
                    continue
                if limit and len(items) >= limit:
                    remaining += 1
                    continue
                body = self._render(rt, version, stored)
                if rt.builtin:  # the API server leaves TypeMeta off the items of built-in lists
                    del body["apiVersion"], body["kind"]
                items.append(body)
                last = key
        meta: dict[str, Any] = {"resourceVersion": list_revision}
        if remaining and last is not None:
            token = json.dumps({"rv": int(list_revision), "start": list(last)}).encode()
            meta["continue"] = base64.urlsafe_b64encode(token).decode()
            if not requirements and not fields:
                meta["remainingItemCount"] = remaining
        return items, meta

    # -- writes

    def create(
        self, rt: ResourceType, version: str, namespace: str, body: Any, manager: str, dry_run: bool
    ) -> dict[str, Any]:
        with self.lock:
            self._validate_body(rt, version, namespace, None, body)
            self._check_namespace(rt, namespace)
            name = body["metadata"]["name"]
            key = (namespace, name)
            if key in self._bucket(rt):
                raise ApiError(
                    409,
                    "AlreadyExists",
                    f'{rt.group_resource} "{name}" already exists',
                    {"name": name, "group": rt.group, "kind": rt.plural},
                )
            fresh = self._fresh_metadata(rt, namespace, body)
            owner = Manager("Update", rt.api_version(version), set(field_paths(fresh)))
            return self._insert(rt, version, key, Stored(fresh, {manager: owner}), dry_run)

    def _insert(
        self, rt: ResourceType, version: str, key: tuple[str, str], stored: Stored, dry_run: bool
    ) -> dict[str, Any]:
        """Store a new object, or with dry run only answer as if it had been stored."""
        if dry_run:
            stored.body["metadata"]["resourceVersion"] = ""
        else:
            self._store(rt, key, stored)
        return self._render(rt, version, stored)

    def update(
        self,
        rt: ResourceType,
        version: str,
        namespace: str,
        name: str,
        body: Any,
        manager: str,
        dry_run: bool,
    ) -> dict[str, Any]:
        """PUT: replace the object; resourceVersion, when given, must match (optimistic concurrency)."""
        with self.lock:
            self._validate_body(rt, version, namespace, name, body)
            live = self._bucket(rt).get((namespace, name))
            if live is None:
                raise not_found(rt, name)
            wanted_rv = body["metadata"].get("resourceVersion")
            if wanted_rv and wanted_rv != live.body["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {rt.group_resource} "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                    {"name": name, "group": rt.group, "kind": rt.plural},
                )
            return self._replace(rt, version, namespace, name, live, body, manager, dry_run)

    def merge_patch(
        self,
        rt: ResourceType,
        version: str,
        namespace: str,
        name: str,
        patch: Any,
        manager: str,
        dry_run: bool,
    ) -> dict[str, Any]:
        """JSON merge patch (RFC 7386); strategic merge patch is treated the same way."""
        with self.lock:
            live = self._bucket(rt).get((namespace, name))
            if live is None:
                raise not_found(rt, name)
            if not isinstance(patch, dict):
                raise bad_request("the patch is not an object")
            merged = _merge(copy.deepcopy(live.body), patch)
            return self._replace(rt, version, namespace, name, live, merged, manager, dry_run)

    def _replace(
        self,
        rt: ResourceType,
        version: str,
        namespace: str,
        name: str,
        live: Stored,
        body: dict[str, Any],
        manager: str,
        dry_run: bool,
    ) -> dict[str, Any]:
        new_body = copy.deepcopy(body)
        meta = new_body.setdefault("metadata", {})
        for key in ("uid", "creationTimestamp", "generation", "resourceVersion"):
            if key in live.body["metadata"]:
                meta[key] = live.body["metadata"][key]
        meta.pop("managedFields", None)
        if rt.namespaced:
            meta["namespace"] = namespace
        old_fields, new_fields = field_paths(live.body), field_paths(new_body)
        changed = {p for p, v in new_fields.items() if old_fields.get(p, _MISSING) != v}
        managers = copy.deepcopy(live.managers)
        for m in managers.values():
            m.fields = {p for p in m.fields if p in new_fields and p not in changed}
        if changed:
            entry = managers.setdefault(manager, Manager("Update", rt.api_version(version)))
            entry.fields |= changed
        managers = {k: m for k, m in managers.items() if m.fields}
        return self._commit(rt, version, (namespace, name), live, Stored(new_body, managers), dry_run)

    def _commit(
        self, rt: ResourceType, version: str, key: tuple[str, str], live: Stored, new: Stored, dry_run: bool
    ) -> dict[str, Any]:
        """Store `new` unless it changes nothing (then, as the API server does, keep the resourceVersion)."""
        unchanged = _strip_server_fields(new.body) == _strip_server_fields(live.body) and {
            k: (m.fields, m.operation) for k, m in new.managers.items()
        } == {k: (m.fields, m.operation) for k, m in live.managers.items()}
        if unchanged:
            return self._render(rt, version, live)
        if _strip_server_fields(new.body).get("spec") != _strip_server_fields(live.body).get("spec"):
            new.body["metadata"]["generation"] = int(live.body["metadata"].get("generation", 0)) + 1
        if dry_run:
            return self._render(rt, version, new)
        self._store(rt, key, new)
        return self._render(rt, version, new)

    def apply(
        self,
        rt: ResourceType,
        version: str,
        namespace: str,
        name: str,
        body: Any,
        manager: str,
        force: bool,
        dry_run: bool,
    ) -> tuple[int, dict[str, Any]]:
        """Server-side apply: create, or merge the manager's fields; 409 on another manager's fields."""
        with self.lock:
            self._validate_body(rt, version, namespace, name, body)
            if not body.get("apiVersion") or not body.get("kind"):
                raise bad_request("apiVersion and kind must be set in an apply patch")
            applied = field_paths(body)
            live = self._bucket(rt).get((namespace, name))
            if live is None:
                self._check_namespace(rt, namespace)
                fresh = self._fresh_metadata(rt, namespace, body)
                owner = Manager("Apply", rt.api_version(version), set(applied))
                return 201, self._insert(
                    rt, version, (namespace, name), Stored(fresh, {manager: owner}), dry_run
                )
            managers = copy.deepcopy(live.managers)
            conflicts: list[tuple[str, FieldPath]] = []
            for other, owned in sorted(managers.items()):
                if other == manager:
                    continue
                for path in sorted(owned.fields):
                    for mine, value in applied.items():
                        if _overlaps(path, mine) and _get_path(live.body, mine) != value:
                            conflicts.append((other, mine))
                            break
            if conflicts and not force:
                raise _conflict_error(rt, version, name, sorted(set(conflicts)), managers)
            # Forcing takes the conflicting fields over; fields applied with an equal value stay shared.
            taken = {path for _, path in conflicts}
            for other, owned in managers.items():
                if other != manager and taken:
                    owned.fields = {p for p in owned.fields if not any(_overlaps(p, t) for t in taken)}
            new_body = copy.deepcopy(live.body)
            previous = managers.get(manager)
            if previous is not None:
                still_owned = set().union(*(m.fields for k, m in managers.items() if k != manager))
                for path in previous.fields - set(applied):
                    if not any(_overlaps(path, q) for q in still_owned):
                        _delete_path(new_body, path)
            for path, value in applied.items():
                _set_path(new_body, path, value)
            managers[manager] = Manager("Apply", rt.api_version(version), set(applied))
            managers = {k: m for k, m in managers.items() if m.fields}
            return 200, self._commit(
                rt, version, (namespace, name), live, Stored(new_body, managers), dry_run
            )

    def delete(self, rt: ResourceType, namespace: str, name: str, dry_run: bool) -> dict[str, Any]:
        with self.lock:
            bucket = self._bucket(rt)
            if (namespace, name) not in bucket:
                raise not_found(rt, name)
            if not dry_run:
                del bucket[(namespace, name)]
                self._sorted.pop((rt.group, rt.plural), None)
                if rt is CRD_TYPE:
                    self._refresh_crd_types()
            return {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": name, "group": rt.group, "kind": rt.plural},
            }

    def count(self) -> int:
        with self.lock:
            return sum(len(b) for b in self.objects.values())


def _strip_server_fields(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    meta = dict(out.get("metadata") or {})
    for key in ("resourceVersion", "managedFields", "generation"):
        meta.pop(key, None)
    out["metadata"] = meta
    return out


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge(target.get(key), value)
    return target


def _conflict_error(
    rt: ResourceType,
    version: str,
    name: str,
    conflicts: list[tuple[str, FieldPath]],
    managers: dict[str, Manager],
) -> ApiError:
    causes = [
        {
            "type": "FieldManagerConflict",
            "message": f'conflict with "{who}" using {managers[who].api_version}',
            "field": "." + ".".join(path),
        }
        for who, path in conflicts
    ]
    lines = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
    count = len(conflicts)
    return ApiError(
        409,
        "Conflict",
        f"Apply failed with {count} conflict{'s' if count != 1 else ''}: {lines}",
        {"name": name, "group": rt.group, "kind": rt.plural, "causes": causes},
    )
