"""Sending probes to a live gateway: plain http.client, bounded.

At most `MAX_IN_FLIGHT` requests at once, one connection per request (`Connection: close`), a timeout
on every socket operation and on the request as a whole, no retries, no request body, GET only (every
probe of the behaviour check is a GET). HTTPS requests connect to the gateway's address and present
the probe's host as SNI, so the gateway picks the certificate and server it would pick for that name.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kubectl_meshify import __version__
from kubectl_meshify.errors import MeshifyError
from kubectl_meshify.smoke.flags import Target
from kubectl_meshify.verify.request import Probe

MAX_IN_FLIGHT = 8
MAX_BODY = 1 << 20  # bytes read for the body digest; the rest is not read
USER_AGENT = f"kubectl-meshify/{__version__} (smoke test)"
ROUTE_HEADER = "x-meshify-route"
# Envoy adds it to responses that came from an upstream (not to its own 404s and redirects).
UPSTREAM_HEADER = "x-envoy-upstream-service-time"


class SmokeError(MeshifyError):
    """A gateway address that cannot be reached: one line, exit 2."""


@dataclass(frozen=True)
class Answer:
    """What a gateway answered to one probe (or why it did not)."""

    status: int | None = None
    location: str | None = None
    route: str | None = None  # the x-meshify-route response header
    upstream: bool = False  # the answer came from a backend (Envoy's upstream time header)
    digest: str | None = None  # sha256 of the first MAX_BODY bytes of the body
    error: str | None = None

    def describe(self) -> str:
        if self.error is not None:
            return self.error
        text = str(self.status)
        if self.location is not None:
            text += f" Location: {self.location}"
        if self.route is not None:
            text += f" from route {self.route}"
        return text


def check_reachable(targets: Sequence[tuple[str, Target]], timeout: float) -> None:
    """Open (and close) a TCP connection to each gateway address; the first that fails is an error."""
    for option, target in targets:
        try:
            socket.create_connection((target.address, target.port), timeout=timeout).close()
        except OSError as err:
            raise SmokeError(
                f"{option} {target.url}: cannot connect to {target.address}:{target.port}: {_reason(err, timeout)}"
            ) from None


def tls_context(insecure: bool) -> ssl.SSLContext:
    """The system's trust store (SSL_CERT_FILE honoured), or no verification with --smoke-insecure."""
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def send_all(
    requests: Sequence[tuple[Target, Probe]], timeout: float, context: ssl.SSLContext | None
) -> list[Answer]:
    """Each request once, at most MAX_IN_FLIGHT at a time; answers in the order of `requests`."""
    if not requests:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_IN_FLIGHT, len(requests))) as pool:
        return list(pool.map(lambda item: send(item[0], item[1], timeout, context), requests))


class _Connection(http.client.HTTPConnection):
    """A connection to the gateway's address that speaks TLS with the probe's host as SNI."""

    def __init__(self, target: Target, sni: str, timeout: float, context: ssl.SSLContext | None) -> None:
        super().__init__(target.address, target.port, timeout=timeout)
        self._sni = sni
        self._context = context

    def connect(self) -> None:
        super().connect()
        if self._context is not None:
            self.sock = self._context.wrap_socket(self.sock, server_hostname=self._sni)


def send(target: Target, probe: Probe, timeout: float, context: ssl.SSLContext | None) -> Answer:
    """One GET of the probe's path with its Host header and headers; never retried."""
    tls = context if target.scheme == "https" else None
    connection = _Connection(target, probe.host, timeout, tls)
    deadline = time.monotonic() + timeout
    try:
        connection.putrequest("GET", probe.path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", probe.host)
        for name, value in probe.headers:
            connection.putheader(name, value)
        connection.putheader("User-Agent", USER_AGENT)
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        digest = hashlib.sha256()
        left = MAX_BODY
        while left > 0:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read(min(left, 65536))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        return Answer(
            status=response.status,
            location=response.getheader("location"),
            route=response.getheader(ROUTE_HEADER),
            upstream=response.getheader(UPSTREAM_HEADER) is not None,
            digest=digest.hexdigest(),
        )
    except (OSError, http.client.HTTPException) as err:
        return Answer(error=_reason(err, timeout))
    finally:
        connection.close()


def _reason(err: BaseException, timeout: float) -> str:
    """A short, stable description of a failed request."""
    if isinstance(err, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g}s"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"certificate not trusted ({err.verify_message}); --smoke-insecure skips the check"
    if isinstance(err, ssl.SSLError):
        return f"TLS handshake failed ({err.reason or err})"
    if isinstance(err, ConnectionResetError):
        return "connection reset"
    if isinstance(err, http.client.RemoteDisconnected):
        return "closed without an answer"
    if isinstance(err, socket.gaierror):
        return f"unknown address ({err.strerror})"
    return f"{type(err).__name__}: {err}".rstrip(": ")
