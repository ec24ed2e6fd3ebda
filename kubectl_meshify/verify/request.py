"""What a probe asks and what a controller does with it, in one shape shared by every model.

Both sides of the comparison produce an `Outcome`; two outcomes are equal when a client and a
backend could not tell the controllers apart: same backends with the same weight split, same
upstream path, Host header and modelled headers, or the same redirect / status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from math import gcd
from operator import attrgetter
from typing import Any

# Upstream request headers both models know how to set; others are outside the comparison.
COMPARED_HEADERS = ("x-forwarded-prefix",)


# Not frozen: frozen dataclasses initialise through object.__setattr__, which is slow in the
# probe loop; nothing mutates these objects after creation.
@dataclass(slots=True, unsafe_hash=True)
class Probe:
    """One HTTP request: `GET scheme://host/path` with optional headers (lower-case names)."""

    scheme: str
    host: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = field(default="path", compare=False)

    @property
    def port(self) -> int:
        return 443 if self.scheme == "https" else 80

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def __str__(self) -> str:
        text = f"GET {self.scheme}://{self.host}{self.path}"
        if self.headers:
            text += " " + " ".join(f"[{k}: {v}]" for k, v in self.headers)
        return text


@dataclass(slots=True)
class Dest:
    """A weighted backend. `identity` decides equality (the pods and port a request reaches);
    `label` is how the report names it (`namespace/service:port`, plus the subset if any)."""

    identity: str
    weight: int
    label: str = field(default="", compare=False)


STICKY = " (sticky cookie)"


def sticky_dest(dest: Dest) -> Dest:
    """The same backend behind a balancer that pins clients by cookie: session affinity is part of
    what a backend is, so a sticky and a non-sticky route to the same pods differ."""
    if dest.identity.endswith(STICKY):
        return dest  # a named port resolves through the numbered upstream, already marked
    return Dest(dest.identity + STICKY, dest.weight, dest.label + STICKY)


@dataclass(slots=True)
class Outcome:
    """What a controller does with a probe.

    kind: `proxy` (sent to `dests`), `passthrough` (TLS passed to `dests` unterminated),
    `redirect` (`status` + `location`), `status` (a local response such as 404), `refused`
    (no listener or TLS server for the request), `unknown` (the model could not evaluate it).
    `trace` names what shaped the result, as (ingress or object, feature) pairs; it explains, it
    does not compare.
    """

    kind: str
    dests: tuple[Dest, ...] = ()
    path: str | None = None
    host: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    status: int | None = None
    location: str | None = None
    note: str = field(default="", compare=False)
    trace: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def describe(self) -> str:
        if self.kind in ("proxy", "passthrough"):
            split = ", ".join(
                d.label if len(self.dests) == 1 else f"{d.label} {_percent(d.weight, self.dests)}"
                for d in self.dests
            )
            if self.kind == "passthrough":
                return f"TLS passthrough to {split}"
            extra = "".join(f", {k}: {v}" for k, v in self.headers)
            return f"{split} (path {self.path}, Host {self.host}{extra})"
        if self.kind == "redirect":
            return f"{self.status} redirect to {self.location}"
        if self.kind == "status":
            return f"{self.status}" + (f" ({self.note})" if self.note else "")
        if self.kind == "refused":
            return "connection refused" + (f" ({self.note})" if self.note else "")
        return "not evaluated" + (f" ({self.note})" if self.note else "")


# What Outcome equality compares, as one C-level call: comparing these tuples is `==` on outcomes
# without a Python frame per comparison (the behaviour check compares every probe's pair).
compared_fields = attrgetter(*(f.name for f in fields(Outcome) if f.compare))


def _percent(weight: int, dests: tuple[Dest, ...]) -> str:
    total = sum(d.weight for d in dests) or 1
    value = 100 * weight / total
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


@lru_cache(maxsize=65536)
def alone(identity: str, label: str) -> tuple[Dest, ...]:
    """All traffic to one backend. One shared tuple per backend: equal outcomes of both models then
    hold the same object, which compares equal at once (tuples skip `__eq__` for identical items)."""
    return (Dest(identity, 1, label),)


def normalise_dests(dests: Sequence[Dest]) -> tuple[Dest, ...]:
    """Merge equal backends, drop zero weights, reduce the weights by their gcd, sort."""
    if len(dests) == 1:  # the common case, and what the loop below makes of it
        only = dests[0]
        return alone(only.identity, only.label) if only.weight > 0 else ()
    merged: dict[str, list[Any]] = {}
    for d in dests:
        if d.weight <= 0:
            continue
        entry = merged.setdefault(d.identity, [0, d.label])
        entry[0] += d.weight
    if not merged:
        return ()
    divisor = 0
    for weight, _ in merged.values():
        divisor = gcd(divisor, weight)
    return tuple(Dest(ident, w // divisor, label) for ident, (w, label) in sorted(merged.items()))


# Outcomes the models build for every probe pass every field by position: a dataclass __init__
# called with keywords costs twice as much.
def redirect(code: int, location: str, trace: tuple[tuple[str, str], ...] = ()) -> Outcome:
    """A redirect; `https://h` and `https://h/` name the same resource, so the path is made explicit."""
    scheme, sep, rest = location.partition("://")
    if sep and "/" not in rest:
        location += "/"
    return Outcome("redirect", (), None, None, (), code, location, "", trace)


def status(code: int, note: str = "", trace: tuple[tuple[str, str], ...] = ()) -> Outcome:
    return Outcome("status", status=code, note=note, trace=trace)


NOT_FOUND = Outcome("status", status=404)


class ServiceIndex:
    """Services by (namespace, name), resolving named ports and giving each backend an identity.

    Two backends have the same identity when they select the same pods on the same target port:
    `web` with subset `v2` (labels `version: v2`) and a Service `web-v2` selecting
    `app: web, version: v2` reach the same endpoints, so routing to either is equivalent.
    """

    def __init__(self, services: Iterable[Mapping[str, Any]] = ()) -> None:
        self._services: dict[tuple[str, str], Mapping[str, Any]] = {}
        for svc in services:
            meta = svc.get("metadata") or {}
            self._services[(str(meta.get("namespace") or ""), str(meta.get("name") or ""))] = svc
        self._identity_cache: dict[tuple[str, str, int, tuple[tuple[str, str], ...]], str] = {}
        self._ports: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        self._has_port: dict[tuple[str, str, object], bool] = {}

    def get(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self._services.get((namespace, name))

    def ports(self, namespace: str, name: str) -> list[Mapping[str, Any]]:
        cached = self._ports.get((namespace, name))
        if cached is None:
            svc = self.get(namespace, name)
            spec = (svc or {}).get("spec") or {}
            cached = self._ports[(namespace, name)] = [
                p for p in spec.get("ports") or [] if isinstance(p, dict)
            ]
        return cached

    def has_port(self, namespace: str, name: str, port: object) -> bool:
        """Whether the Service lists this port (asked for every backend of every route: remembered)."""
        key = (namespace, name, port)
        found = self._has_port.get(key)
        if found is None:
            found = self._has_port[key] = any(p.get("port") == port for p in self.ports(namespace, name))
        return found

    def port_by_name(self, namespace: str, name: str, port_name: str) -> int | None:
        for entry in self.ports(namespace, name):
            if str(entry.get("name") or "") == port_name:
                number = entry.get("port")
                return int(number) if isinstance(number, int) else None
        return None

    def identity(
        self, namespace: str, name: str, port: int, subset_labels: tuple[tuple[str, str], ...] = ()
    ) -> str:
        key = (namespace, name, port, subset_labels)
        cached = self._identity_cache.get(key)
        if cached is not None:
            return cached
        ident = self._compute_identity(namespace, name, port, subset_labels)
        self._identity_cache[key] = ident
        return ident

    def _compute_identity(
        self, namespace: str, name: str, port: int, subset_labels: tuple[tuple[str, str], ...]
    ) -> str:
        svc = self.get(namespace, name)
        spec = (svc or {}).get("spec") or {}
        selector = spec.get("selector")
        if not isinstance(selector, dict) or not selector or spec.get("type") == "ExternalName":
            suffix = "".join(f",{k}={v}" for k, v in subset_labels)
            return f"{namespace}/{name}:{port}{suffix}"
        target: object = port
        for entry in self.ports(namespace, name):
            if entry.get("port") == port:
                target = entry.get("targetPort", port)
                break
        labels = {str(k): str(v) for k, v in selector.items()}
        labels.update(dict(subset_labels))
        selector_text = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        return f"{namespace}|{selector_text}|{target}"


def service_label(namespace: str, name: str, port: int | str, subset: str | None = None) -> str:
    return f"{namespace}/{name}:{port}" + (f" (subset {subset})" if subset else "")
