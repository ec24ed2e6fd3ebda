"""Value parsing and small helpers shared by the ingress-nginx families (not a family itself).

Parsers follow ingress-nginx's own: a value it rejects yields None, and the caller reports that
nginx fell back to its default.
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext
from kubectl_meshify.findings import Verdict
from kubectl_meshify.model import Route

# Keys ingress-nginx still reads on a canary Ingress: they configure the canary's own backend.
CANARY_BACKEND_KEYS = frozenset(
    {
        "load-balance",
        "upstream-hash-by",
        "upstream-hash-by-subset",
        "upstream-hash-by-subset-size",
        "affinity",
        "affinity-mode",
        "affinity-canary-behavior",
        "session-cookie-name",
        "session-cookie-path",
        "session-cookie-expires",
        "session-cookie-max-age",
        "session-cookie-domain",
        "session-cookie-samesite",
        "session-cookie-conditional-samesite-none",
        "session-cookie-secure",
        "session-cookie-change-on-failure",
    }
)

_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)\s*$")
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_NGINX_VARIABLE = re.compile(r"\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def present(ctx: FamilyContext, keys: dict[str, Any]) -> list[str]:
    """The keys of a family that this Ingress carries, in declaration order."""
    carried = ctx.carried
    if carried.isdisjoint(keys):  # most families, for most Ingresses
        return []
    return [key for key in keys if key in carried]


def report_ignored(ctx: FamilyContext, keys: list[str], backend_keys: bool = False) -> bool:
    """Report the keys ingress-nginx ignored on this Ingress; True when the family has nothing left to do.

    With ssl-passthrough nginx hands the TLS connection to the backend and reads no other annotation.
    A canary Ingress takes every setting from the primary's location except its own backend's balancing
    keys, so a family of those (`backend_keys`) goes on for a canary.
    """
    if ctx.settings.passthrough:
        for key in keys:
            ctx.report(
                key,
                Verdict.NO_OP,
                "ingress-nginx ignores every other annotation of an ssl-passthrough Ingress (TLS goes to the"
                " backend untouched); nothing to convert.",
            )
        return True
    if not ctx.settings.canary:
        return False
    for key in keys:
        if key not in CANARY_BACKEND_KEYS:
            ctx.report(
                key,
                Verdict.NO_OP,
                "ingress-nginx ignores this annotation on a canary Ingress (the primary Ingress's location"
                " settings apply to canary traffic); nothing to convert.",
            )
    return not backend_keys


def seconds(value: str | None) -> int | None:
    """An nginx timeout annotation: a whole number of seconds (ingress-nginx parses an int)."""
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else None


def size_bytes(value: str | None) -> int | None:
    """An nginx size (`8k`, `50m`, `1g`, `1024`) in bytes; None when nginx would reject it."""
    if value is None:
        return None
    match = _SIZE.match(value)
    if not match:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def on_off(value: str | None) -> bool | None:
    """`on`/`off` (also `true`/`false`) as nginx directives take them; None for anything else."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("on", "true"):
        return True
    if text in ("off", "false"):
        return False
    return None


def csv(value: str | None) -> list[str]:
    """A comma-separated annotation value, trimmed, empty items dropped."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def nginx_variables(text: str) -> list[str]:
    """The nginx variables (`$host`, `${arg_x}`) used in a value."""
    return [m.group(1).strip("{}") for m in _NGINX_VARIABLE.finditer(text)]


def merge_headers(route: Route, direction: str, operation: str, headers: dict[str, str] | list[str]) -> None:
    """Add header operations (`set`/`add` maps, `remove` lists) to a route's `headers` block."""
    block = route.http.setdefault("headers", {}).setdefault(direction, {})
    if isinstance(headers, list):
        existing = block.setdefault(operation, [])
        existing.extend(h for h in headers if h not in existing)
    else:
        block.setdefault(operation, {}).update(headers)


def duration(seconds_value: int | float) -> str:
    """Seconds as an Istio duration string (`5s`, `0.5s`)."""
    if float(seconds_value).is_integer():
        return f"{int(seconds_value)}s"
    return f"{seconds_value}s"


def cluster_service(ctx: FamilyContext, host: str) -> tuple[str, str] | None:
    """(namespace, name) of the Service a URL host names: `svc.ns.svc[.<cluster domain>]` always,
    `svc.ns` or `svc` (the Ingress's namespace) when that Service is among the inputs."""
    suffix = f".svc.{ctx.options.cluster_domain}"
    explicit = host.endswith(suffix) or host.endswith(".svc")
    parts = host.removesuffix(suffix).removesuffix(".svc").split(".")
    if len(parts) == 2 and (explicit or (parts[1], parts[0]) in ctx.resources.services):
        return parts[1], parts[0]
    if len(parts) == 1 and (ctx.record.obj.namespace, parts[0]) in ctx.resources.services:
        return ctx.record.obj.namespace, parts[0]
    return None


BACKEND_PROTOCOLS = ("HTTP", "HTTPS", "AUTO_HTTP", "GRPC", "GRPCS", "FCGI", "AJP")
TLS_BACKEND_PROTOCOLS = ("HTTPS", "GRPCS")


def backend_protocol(ctx: FamilyContext) -> tuple[str, bool]:
    """(protocol ingress-nginx used, value valid?): trimmed and upper-cased; invalid values mean HTTP."""
    raw = ctx.value("backend-protocol")
    if raw is None:
        return "HTTP", True
    protocol = raw.strip().upper()
    return (protocol, True) if protocol in BACKEND_PROTOCOLS else ("HTTP", False)
