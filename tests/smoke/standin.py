"""A stand-in for a live Istio ingress gateway: a local HTTP(S) server that answers from emitted Istio
objects, for the smoke tests.

It reads the Gateway and VirtualService objects itself, with none of kubectl_meshify's code (the smoke
test judges against `verify/istio_model.py`; a stand-in built on that model would agree with it by
construction). It covers what the test inputs use, after Istio and Envoy:

- a VirtualService applies when a server of one of its Gateways lists the Host on the listener's port
  (80 for the plain server, 443 for the TLS one), hosts compared exactly or as `*.suffix`;
- routes in order, first match wins; a route's `match` entries are ORed; `uri` exact / prefix / regex
  (full match), `port`, `headers` exact / prefix / regex; no `match` matches everything;
- `redirect`: `redirectCode` (default 301), `scheme`, `authority`, `uri` (route.go ApplyRedirect);
  `directResponse`: its status; otherwise the request reaches the first destination: 200 with
  `x-envoy-upstream-service-time` and a body naming the destination;
- a route's `headers.response.set` on every answer of that route, redirects and direct responses
  included (route.go translateRoute sets ResponseHeadersToAdd before choosing the action);
- no virtual host or no matching route: 404 without route headers.

Faults make it deliberately wrong: a route left out, every redirect code replaced, two routes' actions
swapped, one request answered differently, a delay. It counts connections in flight and records every
request (Host, path, headers, SNI).
"""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Faults:
    missing_route: str | None = None  # this route name does not exist on the gateway
    redirect_code: int | None = None  # every redirect answers with this code
    swap: tuple[str, str] | None = None  # these two routes' actions (and headers) are swapped
    override: dict[tuple[str, str], int] = field(default_factory=dict)  # (host, path) → status
    delay: float = 0.0  # seconds before each answer


@dataclass
class Seen:
    host: str
    path: str
    headers: dict[str, str]
    sni: str | None


class StandIn:
    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]],
        tls: tuple[str, str] | None = None,
        faults: Faults | None = None,
    ) -> None:
        objects = list(objects)
        self.faults = faults or Faults()
        self.port_number = 443 if tls else 80
        self.scheme = "https" if tls else "http"
        self.gateways = {
            f"{o['metadata']['namespace']}/{o['metadata']['name']}": o["spec"]
            for o in objects
            if o.get("kind") == "Gateway"
        }
        self.virtual_services = [o for o in objects if o.get("kind") == "VirtualService"]
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        if tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(*tls)
            self._context.sni_callback = _remember_sni
        self._server = self._make_server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the server ----------------------------------------------------------------------------

    def _make_server(self) -> ThreadingHTTPServer:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                host = (self.headers.get("Host") or "").lower()
                sni = getattr(self.connection, "sni", None)
                with standin._lock:
                    standin.seen.append(
                        Seen(host, self.path, {k.lower(): v for k, v in self.headers.items()}, sni)
                    )
                if standin.faults.delay:
                    time.sleep(standin.faults.delay)
                status, headers, body = standin.answer(host, self.path, dict(self.headers.items()))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 64

            def finish_request(self, request: Any, client_address: Any) -> None:
                with standin._lock:
                    standin.in_flight += 1
                    standin.max_in_flight = max(standin.max_in_flight, standin.in_flight)
                try:
                    if standin._context is not None:
                        request = standin._wrap(request)
                    super().finish_request(request, client_address)
                except (OSError, ssl.SSLError):
                    pass
                finally:
                    with standin._lock:
                        standin.in_flight -= 1

        return Server(("127.0.0.1", 0), Handler)

    def _wrap(self, sock: socket.socket) -> ssl.SSLSocket:
        assert self._context is not None
        return self._context.wrap_socket(sock, server_side=True)

    # --- routing (see the module docstring) ----------------------------------------------------

    def answer(self, host: str, path: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        host = host.split(":")[0]
        override = self.faults.override.get((host, path))
        if override is not None:
            return override, {}, b"overridden"
        routes = self._routes_for(host)
        lowered = {k.lower(): v for k, v in headers.items()}
        for route in routes:
            if route.get("name") == self.faults.missing_route:
                continue
            if not any(self._matches(m, path, lowered) for m in route.get("match") or [{}]):
                continue
            return self._act(self._swapped(route, routes), host, path)
        return 404, {}, b""

    def _routes_for(self, host: str) -> list[dict[str, Any]]:
        routes: list[dict[str, Any]] = []
        for vs in self.virtual_services:
            meta, spec = vs["metadata"], vs["spec"]
            if not any(_host_matches(h, host) for h in spec.get("hosts") or ()):
                continue
            for ref in spec.get("gateways") or ():
                ref = ref if "/" in ref else f"{meta['namespace']}/{ref}"
                gateway = self.gateways.get(ref)
                servers = (gateway or {}).get("servers") or ()
                if any(
                    s["port"]["number"] == self.port_number
                    and any(_host_matches(h, host) for h in s["hosts"])
                    for s in servers
                ):
                    routes += spec.get("http") or []
                    break
        return routes

    def _swapped(self, route: dict[str, Any], routes: list[dict[str, Any]]) -> dict[str, Any]:
        if self.faults.swap is None or route.get("name") not in self.faults.swap:
            return route
        a, b = self.faults.swap
        other = b if route.get("name") == a else a
        return next((r for r in routes if r.get("name") == other), route)

    def _matches(self, match: Mapping[str, Any], path: str, headers: Mapping[str, str]) -> bool:
        if "port" in match and match["port"] != self.port_number:
            return False
        uri = match.get("uri")
        if uri and not _string_matches(uri, path):
            return False
        for name, spec in (match.get("headers") or {}).items():
            value = headers.get(name.lower())
            if value is None or not _string_matches(spec, value):
                return False
        return True

    def _act(self, route: Mapping[str, Any], host: str, path: str) -> tuple[int, dict[str, str], bytes]:
        headers = dict(((route.get("headers") or {}).get("response") or {}).get("set") or {})
        redirect = route.get("redirect")
        if redirect is not None:
            code = self.faults.redirect_code or int(redirect.get("redirectCode") or 301)
            scheme = redirect.get("scheme") or self.scheme
            location = f"{scheme}://{redirect.get('authority') or host}{redirect.get('uri') or path}"
            return code, {**headers, "Location": location}, b""
        direct = route.get("directResponse")
        if direct is not None:
            return int(direct["status"]), headers, b""
        destination = route["route"][0]["destination"]
        body = f"{destination['host']}:{(destination.get('port') or {}).get('number')} {path}".encode()
        return 200, {**headers, "x-envoy-upstream-service-time": "1"}, body


def _remember_sni(connection: Any, name: str | None, _context: Any) -> None:
    connection.sni = name  # read by the handler: the name the client asked for


def _host_matches(pattern: str, host: str) -> bool:
    pattern = pattern.split("/")[-1].lower()
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return pattern == host


def _string_matches(spec: Mapping[str, str], value: str) -> bool:
    if "exact" in spec:
        return value == spec["exact"]
    if "prefix" in spec:
        return value.startswith(spec["prefix"])
    if "regex" in spec:
        return re.fullmatch(spec["regex"], value) is not None
    return True
