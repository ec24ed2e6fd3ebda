"""HTTP front of the fake Kubernetes API server: routing, discovery, content negotiation, faults, request log.

Control endpoints under `/_fake/` (no authentication) let a test reset the state, seed objects,
install faults and read the request log; everything else behaves like the API server's REST API.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from .store import ApiError, Store, bad_request
from .types import ResourceType, version_priority

PARTIAL_METADATA = "PartialObjectMetadata"
BUILTIN_GROUP_ORDER = ("apps", "networking.k8s.io", "apiextensions.k8s.io")
VERSION_INFO = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4-fake",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.23.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass
class Fault:
    """A response the server gives instead of the real one, for requests that match every given field."""

    status: int = 500
    verb: str | None = None
    resource: str | None = None
    group: str | None = None
    namespace: str | None = None
    name: str | None = None
    path: str | None = None  # regular expression matched against the URL path
    times: int | None = None  # None: every matching request
    hang: bool = False  # accept the request and never answer
    retry_after: int | None = None
    message: str | None = None

    def matches(self, request: RequestInfo) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        checks = (
            (self.verb, request.verb),
            (self.resource, request.resource),
            (self.group, request.group),
            (self.namespace, request.namespace),
            (self.name, request.name),
        )
        if any(want is not None and want != got for want, got in checks):
            return False
        return self.path is None or re.search(self.path, request.path) is not None


@dataclass
class RequestInfo:
    method: str
    path: str
    query: dict[str, str]
    verb: str = "get"
    group: str | None = None
    version: str | None = None
    resource: str | None = None
    namespace: str | None = None
    name: str | None = None
    accept: str = ""
    content_type: str = ""
    user_agent: str = ""
    impersonate_user: str = ""
    impersonate_groups: list[str] = field(default_factory=list)  # one per header line, as sent
    status: int = 0
    response_kind: str | None = None
    record: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "verb": self.verb,
            "group": self.group,
            "version": self.version,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "accept": self.accept,
            "content_type": self.content_type,
            "user_agent": self.user_agent,
            "impersonate_user": self.impersonate_user,
            "impersonate_groups": self.impersonate_groups,
            "status": self.status,
            "response_kind": self.response_kind,
        }


class FakeState:
    """Everything a test can change: the store, the faults, the log, the hang latch."""

    def __init__(self, token: str | None) -> None:
        self.store = Store()
        self.token = token
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.log: list[dict[str, Any]] = []
        self.release = threading.Event()

    def reset(self) -> None:
        self.store.reset()
        with self.lock:
            self.faults = []
            self.log = []
            self.release.set()  # let hung handlers finish
            self.release = threading.Event()

    def take_fault(self, request: RequestInfo) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


def parse_api_path(path: str) -> tuple[str, str, list[str]] | None:
    """`/apis/apps/v1/namespaces/x/deployments` → ("apps", "v1", ["namespaces","x","deployments"])."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def negotiate(accept: str, is_list: bool) -> str | None:
    """Pick the response form from an Accept header: "json", "metadata", or None (406)."""
    if not accept.strip():
        return "json"
    wanted_as = PARTIAL_METADATA + ("List" if is_list else "")
    for media_range in accept.split(","):
        pieces = [p.strip() for p in media_range.split(";")]
        mime = pieces[0].lower()
        params = dict(p.split("=", 1) for p in pieces[1:] if "=" in p)
        if "as" in params:
            if (
                params["as"] == wanted_as
                and params.get("g") == "meta.k8s.io"
                and params.get("v") in ("v1", "v1beta1")
            ):
                return "metadata"
            continue  # Table and other conversions are not offered
        if mime in ("application/json", "application/*", "*/*"):
            return "json"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    # -- plumbing

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload: Any, content_type: str = "application/json", headers: Any = ()
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Audit-Id", "fake")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- dispatch

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self._body()
        if url.path.startswith("/_fake/"):
            self._control(method, url.path, query, body)
            return
        request = RequestInfo(
            method=method,
            path=url.path,
            query=query,
            accept=self.headers.get("Accept", ""),
            content_type=self.headers.get("Content-Type", ""),
            user_agent=self.headers.get("User-Agent", ""),
            impersonate_user=self.headers.get("Impersonate-User", ""),
            impersonate_groups=list(self.headers.get_all("Impersonate-Group") or []),
        )
        self._classify(request)
        with state.lock:
            state.log.append(request.record)
        try:
            status, payload, content_type, headers = self._serve(request, body)
        except ApiError as err:
            status, payload, content_type, headers = err.code, err.status(), "application/json", []
        except _Hang:
            request.record.update(request.to_json(), status=0, response_kind="(no answer)")
            self.close_connection = True
            return
        request.status = status
        request.response_kind = payload.get("kind") if isinstance(payload, dict) else None
        request.record.update(request.to_json())
        self._send(status, payload, content_type, headers)

    # -- control API (tests only)

    def _control(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        state = self.server.state
        if path == "/_fake/reset" and method == "POST":
            state.reset()
            self._send(200, {"ok": True})
        elif path == "/_fake/seed" and method == "POST":
            docs = [d for d in yaml.load_all(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if d]
            flat = [item for d in docs for item in (d if isinstance(d, list) else [d])]
            try:
                for doc in flat:
                    state.store.seed(doc)
            except ValueError as err:
                self._send(400, {"error": str(err)})
                return
            self._send(200, {"seeded": len(flat)})
        elif path == "/_fake/faults" and method == "POST":
            rules = json.loads(body or b"[]")
            with state.lock:
                state.faults = [Fault(**rule) for rule in rules]
            self._send(200, {"faults": len(rules)})
        elif path == "/_fake/requests" and method == "GET":
            with state.lock:
                self._send(200, list(state.log))
        elif path == "/_fake/requests" and method == "DELETE":
            with state.lock:
                state.log = []
            self._send(200, {"ok": True})
        elif path == "/_fake/objects" and method == "GET":
            rt = next(
                (
                    t
                    for t in state.store.types()
                    if t.plural == query.get("resource") and t.group == query.get("group", "")
                ),
                None,
            )
            if rt is None:
                self._send(404, {"error": "unknown resource"})
                return
            items, _ = state.store.list(rt, rt.versions[0], query.get("namespace"))
            self._send(200, items)
        elif path == "/_fake/stats" and method == "GET":
            self._send(200, {"objects": state.store.count(), "revision": state.store.revision})
        else:
            self._send(404, {"error": f"no control endpoint {method} {path}"})

    def _classify(self, request: RequestInfo) -> None:
        """Fill verb, group, version, resource, namespace and name, as RBAC sees the request."""
        parsed = parse_api_path(request.path)
        if parsed is None or not parsed[2]:
            request.verb = request.method.lower()
            request.record.update(request.to_json())
            return
        group, version, rest = parsed
        request.group, request.version = group, version
        if rest[0] == "namespaces" and len(rest) >= 3:
            request.namespace, rest = rest[1], rest[2:]
        request.resource = rest[0]
        request.name = rest[1] if len(rest) > 1 else None
        if request.resource == "namespaces" and request.name is not None:
            request.namespace = request.name
        collection = request.name is None
        request.verb = {
            "GET": "watch"
            if request.query.get("watch") in ("true", "1")
            else ("list" if collection else "get"),
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "deletecollection" if collection else "delete",
        }[request.method]
        request.record.update(request.to_json())

    def _serve(self, request: RequestInfo, body: bytes) -> tuple[int, Any, str, list[tuple[str, str]]]:
        state = self.server.state
        if state.token is not None:
            scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or token.strip() != state.token:  # the scheme is case-insensitive
                raise ApiError(401, "Unauthorized", "Unauthorized")
        fault = state.take_fault(request)
        if fault is not None:
            return self._fault(fault, request)
        path = request.path.rstrip("/") or "/"
        if path in ("/healthz", "/livez", "/readyz"):
            return 200, b"ok", "text/plain", []
        if path == "/version":
            return 200, VERSION_INFO, "application/json", []
        if path == "/api":
            return 200, self._api_versions(), "application/json", []
        if path == "/apis":
            return 200, self._group_list(), "application/json", []
        parsed = parse_api_path(path)
        if parsed is None:
            if path.startswith("/apis/") and path.count("/") == 2:
                return 200, self._group(path.split("/")[2]), "application/json", []
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        group, version, rest = parsed
        if not rest:
            return 200, self._resource_list(group, version), "application/json", []
        assert request.resource is not None
        rt = state.store.find_type(group, version, request.resource)
        if rt is None or len(rest) > (4 if rest[0] == "namespaces" and len(rest) >= 3 else 2):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return self._resource(request, rt, version, body)

    def _fault(self, fault: Fault, request: RequestInfo) -> tuple[int, Any, str, list[tuple[str, str]]]:
        if fault.hang:
            release = self.server.state.release
            release.wait(timeout=600)
            raise _Hang()
        reasons = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "NotFound",
            409: "Conflict",
            429: "TooManyRequests",
            500: "InternalError",
            503: "ServiceUnavailable",
            504: "Timeout",
        }
        message = fault.message
        if message is None and fault.status == 403:
            group_resource = f"{request.resource}.{request.group}" if request.group else request.resource
            scope = f'in the namespace "{request.namespace}"' if request.namespace else "at the cluster scope"
            message = (
                f'{group_resource} is forbidden: User "system:serviceaccount:ci:reviewer" '
                f'cannot {request.verb} resource "{request.resource}" '
                f'in API group "{request.group or ""}" {scope}'
            )
        if message is None and fault.status == 429:
            message = "Too many requests, please try again later."
        error = ApiError(
            fault.status, reasons.get(fault.status, "InternalError"), message or "fault injected"
        )
        headers = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
        return fault.status, error.status(), "application/json", headers

    # -- discovery

    def _api_versions(self) -> dict[str, Any]:
        host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        }

    def _groups(self) -> dict[str, list[str]]:
        groups: dict[str, set[str]] = {}
        for rt in self.server.state.store.types():
            if rt.group:
                groups.setdefault(rt.group, set()).update(rt.versions)
        return {g: sorted(v, key=version_priority, reverse=True) for g, v in groups.items()}

    def _group(self, name: str) -> dict[str, Any]:
        versions = self._groups().get(name)
        if not versions:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name, versions)}

    def _group_list(self) -> dict[str, Any]:
        groups = self._groups()
        order = [g for g in BUILTIN_GROUP_ORDER if g in groups] + sorted(
            g for g in groups if g not in BUILTIN_GROUP_ORDER
        )
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [_group_entry(g, groups[g]) for g in order],
        }

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        types = [rt for rt in self.server.state.store.types() if rt.group == group and version in rt.versions]
        if not types:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": [rt.discovery_entry() for rt in types],
        }

    # -- resources

    def _resource(
        self, request: RequestInfo, rt: ResourceType, version: str, raw: bytes
    ) -> tuple[int, Any, str, list[tuple[str, str]]]:
        store = self.server.state.store
        namespace = (request.namespace or "") if rt.namespaced else ""
        name = request.name
        query = request.query
        dry_run = _dry_run(query)
        manager = query.get("fieldManager") or request.user_agent.split("/", 1)[0] or "unknown"
        if request.method == "GET":
            form = negotiate(request.accept, is_list=name is None)
            if form is None:
                raise ApiError(406, "NotAcceptable", f"only the following media types are accepted: {_MEDIA}")
            if name is None:
                if query.get("watch") in ("true", "1"):
                    raise ApiError(405, "MethodNotAllowed", "watch is not supported by this server")
                limit = query.get("limit") or "0"
                if not limit.isdigit():
                    raise bad_request(f"invalid limit: {limit!r}")
                items, meta = store.list(
                    rt,
                    version,
                    request.namespace if rt.namespaced else None,
                    query.get("labelSelector", ""),
                    query.get("fieldSelector", ""),
                    int(limit),
                    query.get("continue", ""),
                )
                if form == "metadata":
                    payload = {
                        "kind": PARTIAL_METADATA + "List",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": meta,
                        "items": [_metadata_only(item) for item in items],
                    }
                    return 200, payload, _metadata_content_type(is_list=True), []
                list_kind = {"kind": f"{rt.kind}List", "apiVersion": rt.api_version(version)}
                return 200, {**list_kind, "metadata": meta, "items": items}, "application/json", []
            obj = store.get(rt, version, namespace, name)
            if form == "metadata":
                return 200, _metadata_only(obj), _metadata_content_type(is_list=False), []
            return 200, obj, "application/json", []
        if request.method == "DELETE":
            if name is None:
                raise ApiError(405, "MethodNotAllowed", "deletecollection is not supported by this server")
            return 200, store.delete(rt, namespace, name, dry_run), "application/json", []
        content_type = request.content_type.split(";")[0].strip().lower()
        body = _decode_body(raw)
        if request.method == "POST":
            if name is not None:
                raise ApiError(405, "MethodNotAllowed", "POST to a named resource is not allowed")
            if rt.namespaced and not request.namespace:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return 201, store.create(rt, version, namespace, body, manager, dry_run), "application/json", []
        if name is None:
            raise ApiError(405, "MethodNotAllowed", f"{request.method} needs an object name")
        if request.method == "PUT":
            return (
                200,
                store.update(rt, version, namespace, name, body, manager, dry_run),
                "application/json",
                [],
            )
        if content_type == "application/apply-patch+yaml":
            if not query.get("fieldManager"):
                raise bad_request("PATCH, application/apply-patch+yaml requires fieldManager to be set")
            force = query.get("force") in ("true", "1")
            status, obj = store.apply(
                rt, version, namespace, name, body, query["fieldManager"], force, dry_run
            )
            return status, obj, "application/json", []
        if content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            obj = store.merge_patch(rt, version, namespace, name, body, manager, dry_run)
            return 200, obj, "application/json", []
        raise ApiError(
            415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {content_type}"
        )


class _Hang(Exception):
    pass


_MEDIA = "application/json, application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


def _metadata_content_type(is_list: bool) -> str:
    return f"application/json;as={PARTIAL_METADATA}{'List' if is_list else ''};g=meta.k8s.io;v=v1"


def _metadata_only(obj: dict[str, Any]) -> dict[str, Any]:
    return {"kind": PARTIAL_METADATA, "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def _dry_run(query: dict[str, str]) -> bool:
    value = query.get("dryRun")
    if value is None:
        return False
    if value != "All":
        raise bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return True


def _decode_body(raw: bytes) -> Any:
    if not raw:
        raise bad_request("the request body is empty")
    try:
        return json.loads(raw)
    except ValueError:
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as err:
            raise bad_request(f"the request body could not be decoded: {err}") from None


def _group_entry(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], state: FakeState, tls: tuple[str, str] | None = None
    ) -> None:
        super().__init__(address, Handler)
        self.state = state
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # The handshake runs in the handler thread, so a stuck client cannot block accept().
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (timeouts, failed TLS handshakes) are part of the tests


def serve(
    host: str, port: int, token: str | None, tls: tuple[str, str] | None = None
) -> tuple[FakeHTTPServer, threading.Thread]:
    server = FakeHTTPServer((host, port), FakeState(token), tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


def wait_forever() -> None:
    while True:
        time.sleep(3600)
