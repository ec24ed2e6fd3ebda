"""Raw JSON access to the Kubernetes API over the official client's transport and authentication.

Responses are decoded straight from the JSON bytes (`_preload_content=False`), never through the client's
model classes, which are slow. Every request carries a (connect, read) timeout tuple (the client ignores a
float), urllib3's retries are off, and transient failures (429, 5xx, a dropped connection) are retried here
a bounded number of times with backoff. Failures become `ClusterError`s with one clear line.
"""

from __future__ import annotations

import json
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from kubectl_meshify import __version__
from kubectl_meshify.errors import ClusterError

METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
RETRY_STATUSES = {429, 500, 502, 503, 504}
PAGE_SIZE = 500  # kubectl's --chunk-size default


class Forbidden(ClusterError):
    """RBAC denied a request; the message names the verb and the resource."""


class NotFound(ClusterError):
    """The object (or the namespace of the request) does not exist."""


class ConflictError(ClusterError):
    """The server answered 409: already exists, or a server-side apply field conflict."""


@dataclass(frozen=True)
class Resource:
    """A resource type at one API version: enough to build URLs and to name it in messages."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return base + (f"/{name}" if name else "")

    def where(self, namespace: str | None) -> str:
        if not self.namespaced:
            return ""
        return f' in namespace "{namespace}"' if namespace else " in all namespaces"


@dataclass(frozen=True)
class Target:
    """What a request does, in RBAC's words, for error messages: `list ingresses.networking.k8s.io ...`."""

    verb: str
    resource: Resource | None = None
    namespace: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.resource is None:
            return self.verb
        name = f' "{self.name}"' if self.name else ""
        return f"{self.verb} {self.resource.group_resource}{name}{self.resource.where(self.namespace)}"


# Go's names for the machine, as kubectl's User-Agent spells them (runtime.GOOS/GOARCH).
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386",
           "i686": "386", "armv7l": "arm", "armv6l": "arm"}  # fmt: skip
_GOOS = {"win32": "windows", "cygwin": "windows"}


def user_agent() -> str:
    """`kubectl-meshify/VERSION (OS/ARCH)`, the form kubectl uses, so audit logs name the tool."""
    machine = platform.machine().lower()
    return f"kubectl-meshify/{__version__} ({_GOOS.get(sys.platform, sys.platform)}/{_GOARCH.get(machine, machine)})"


@dataclass(frozen=True)
class Identity:
    """kubectl's --as / --as-group: the user and groups every request impersonates."""

    user: str | None = None
    groups: tuple[str, ...] = ()

    def header_lines(self) -> list[tuple[str, str]]:
        lines = [("Impersonate-User", self.user)] if self.user else []
        return lines + [("Impersonate-Group", group) for group in self.groups]


NO_IMPERSONATION = Identity()


class _ExtraHeaderLines:
    """The client's urllib3 pool with header lines added to every request. Impersonate-Group is one line
    per group, as kubectl sends it; the client's own headers are a dict, which cannot repeat a name."""

    def __init__(self, pool: Any, lines: Sequence[tuple[str, str]]) -> None:
        self._pool = pool
        self._lines = list(lines)

    def request(self, method: str, url: str, *args: Any, headers: Any = None, **kwargs: Any) -> Any:
        import urllib3

        merged = urllib3.HTTPHeaderDict(headers or {})
        for name, value in self._lines:
            merged.add(name, value)
        return self._pool.request(method, url, *args, headers=merged, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


class KubeApi:
    """One cluster connection: JSON in, JSON out, bounded time and retries."""

    def __init__(
        self,
        configuration: Any,
        timeout: float | None,
        where: str,
        attempts: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        identity: Identity = NO_IMPERSONATION,
        log: TextIO | None = None,
    ) -> None:
        from kubernetes import client

        self.client = client.ApiClient(configuration)
        self.client.user_agent = user_agent()
        if identity.header_lines():
            rest = self.client.rest_client
            rest.pool_manager = _ExtraHeaderLines(rest.pool_manager, identity.header_lines())
        self.log = log  # -v 6 and up: one line per request (never headers or bodies)
        self.context_namespace: str | None = None  # the kubeconfig context's namespace, when it names one
        self.context_name: str | None = None  # the kubeconfig context used (None: in-cluster)
        self.server = str(configuration.host)
        self.where = where  # "context \"prod\"": names the kubeconfig choice in messages
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.requests = 0  # HTTP requests sent, retries included

    def close(self) -> None:
        self.client.close()

    # -- requests

    def get(
        self, path: str, target: Target, query: dict[str, str] | None = None, accept: str | None = None
    ) -> Any:
        return self.request("GET", path, target, query=query, accept=accept)[1]

    def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        label_selector: str | None = None,
        metadata_only: bool = False,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, one `limit`/`continue` page per request.

        Items come back with `apiVersion` and `kind` set (the API server omits them in built-in lists).
        """
        target = Target("list", resource, namespace)
        path = resource.path(namespace)
        accept = METADATA_LIST_ONLY if metadata_only else "application/json"
        query: dict[str, str] = {"limit": str(page_size)}
        if label_selector:
            query["labelSelector"] = label_selector
        while True:
            _, page = self.request("GET", path, target, query=query, accept=accept)
            for item in page.get("items") or ():
                if metadata_only:
                    yield {
                        "apiVersion": resource.api_version,
                        "kind": resource.kind,
                        "metadata": item.get("metadata"),
                    }
                else:
                    yield {"apiVersion": resource.api_version, "kind": resource.kind, **item}
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            query = {**query, "continue": token}

    def apply(
        self, resource: Resource, body: dict[str, Any], field_manager: str, force: bool, dry_run: bool
    ) -> tuple[int, dict[str, Any]]:
        """Server-side apply (PATCH application/apply-patch+yaml); returns the status and the object."""
        meta = body["metadata"]
        target = Target("patch", resource, meta.get("namespace"), meta["name"])
        query = {"fieldManager": field_manager}
        if force:
            query["force"] = "true"
        if dry_run:
            query["dryRun"] = "All"
        return self.request(
            "PATCH",
            resource.path(meta.get("namespace"), meta["name"]),
            target,
            query=query,
            body=body,
            content_type="application/apply-patch+yaml",
        )

    def request(
        self,
        method: str,
        path: str,
        target: Target,
        query: dict[str, str] | None = None,
        accept: str | None = None,
        body: Any = None,
        content_type: str | None = None,
    ) -> tuple[int, Any]:
        """One API call with bounded retries; returns (status, decoded JSON)."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": accept or "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        timeout = (self.timeout, self.timeout) if self.timeout else None
        for attempt in range(1, self.attempts + 1):
            self.requests += 1
            retry_after: float | None = None
            started = time.monotonic()
            outcome = "(no response)"
            try:
                response = self.client.call_api(
                    path,
                    method,
                    query_params=list((query or {}).items()),
                    header_params=dict(headers),
                    body=body,
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _return_http_data_only=True,
                    _request_timeout=timeout,
                )
                data = response.data
                response.release_conn()
                outcome = f"{response.status} {response.reason or ''}".strip()
                return response.status, json.loads(data) if data else {}
            except ApiException as err:
                outcome = f"{err.status} {err.reason or ''}".strip() if err.status else outcome
                if err.status == 0:  # the client reports TLS failures this way
                    raise self._tls_error(str(err.reason)) from None
                if err.status not in RETRY_STATUSES or attempt == self.attempts:
                    raise self._api_error(err.status, err.reason, err.body, target, attempt) from None
                retry_after = _retry_after(err.headers)
            except urllib3.exceptions.SSLError as err:
                raise self._tls_error(str(err)) from None
            except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError) as err:
                raise ClusterError(
                    f"cannot reach the API server at {self.server} ({self.where}): {_reason(err)}"
                ) from None
            except urllib3.exceptions.ReadTimeoutError:
                raise ClusterError(
                    f"the API server at {self.server} did not answer within {self.timeout:g}s "
                    f"(--request-timeout) to: {target}"
                ) from None
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError) as err:
                if attempt == self.attempts:
                    raise ClusterError(
                        f"the connection to the API server at {self.server} failed {attempt} times: "
                        + _reason(err)
                    ) from None
            except ValueError:
                raise ClusterError(
                    f"the API server at {self.server} sent a response that is not JSON to: {target}"
                ) from None
            finally:
                self._log_request(method, path, query, outcome, started)
            delay = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
            if retry_after is not None:
                delay = min(max(delay, retry_after), self.max_backoff)
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _log_request(
        self, method: str, path: str, query: dict[str, str] | None, outcome: str, started: float
    ) -> None:
        """kubectl -v=6's line: method, URL, status, time. Never headers (tokens) or bodies (Secrets)."""
        if self.log is None:
            return
        from urllib.parse import urlencode

        url = self.server.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
        elapsed = round((time.monotonic() - started) * 1000)
        self.log.write(f"{method} {url} {outcome} in {elapsed} milliseconds\n")
        self.log.flush()

    # -- errors

    def _tls_error(self, reason: str) -> ClusterError:
        detail = reason.replace("SSLError", "").strip()
        match = re.search(r"certificate verify failed: ([^(\]\n]+)", detail)
        why = match.group(1).strip() if match else " ".join(detail.split())[:200]
        return ClusterError(
            f"TLS verification of the API server at {self.server} failed ({self.where}): {why}; "
            "check certificate-authority in the kubeconfig"
        )

    def _api_error(self, status: int, reason: str, raw: Any, target: Target, attempt: int) -> ClusterError:
        message, server_reason, details = _status_message(raw)
        if status == 401:
            return ClusterError(
                f"the API server at {self.server} rejected the credentials of {self.where} "
                "(401 Unauthorized): log in again or check the user in the kubeconfig"
            )
        if status == 403:
            user = re.search(r'User "([^"]*)"', message or "")
            who = f' for user "{user.group(1)}"' if user else ""
            return Forbidden(f"forbidden{who}: cannot {target} (see docs/rbac.md for the permissions needed)")
        if status == 404:
            kind = (details or {}).get("kind")
            if kind == "namespaces" or (
                target.namespace and f'namespaces "{target.namespace}"' in (message or "")
            ):
                return NotFound(f'namespace "{target.namespace or (details or {}).get("name")}" not found')
            return NotFound(f"not found: {target}" + (f" ({message})" if message else ""))
        if status == 409:
            return ConflictError(f"conflict: cannot {target}: {' '.join((message or reason).split())}")
        text = " ".join((message or reason or "").split())
        if status in RETRY_STATUSES:
            return ClusterError(
                f"the API server at {self.server} kept failing ({status} {server_reason or reason}) "
                f"after {attempt} attempts to: {target}"
            )
        return ClusterError(f"the API server refused to {target}: {status} {server_reason or reason}: {text}")


def _status_message(raw: Any) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """message, reason and details of a `Status` error body, when the body is one."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        status = json.loads(raw) if raw else None
    except ValueError:
        return (str(raw)[:200] if raw else None), None, None
    if isinstance(status, dict) and status.get("kind") == "Status":
        details = status.get("details")
        return status.get("message"), status.get("reason"), details if isinstance(details, dict) else None
    return None, None, None


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _reason(err: Exception) -> str:
    text = str(err)
    for known in ("Connection refused", "Name or service not known", "timed out", "No route to host"):
        if known.lower() in text.lower():
            return known.lower()
    return " ".join(text.split())[:200]
