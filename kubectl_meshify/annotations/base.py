"""What an annotation family is, and the context it works in.

A family is a module under `annotations/<controller>/` that declares, at its top, `KEYS`: the annotation
keys it handles (without the controller prefix) with their verdict and a one-line Istio mapping, and
implements `prepare(ctx)` (before routes are built: switch core behaviour through `ctx.settings`) and/or
`refine(ctx)` (after routes are built: set route fields, policies and extra objects). Every key present
on an Ingress must receive exactly one finding; `ctx.report` records it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import IngressRecord, IngressSettings, MeshModel, Route, VirtualHost
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet

if TYPE_CHECKING:
    from types import ModuleType


@dataclass(frozen=True)
class KeyInfo:
    """One annotation key a family handles: its usual verdict and what it becomes in Istio."""

    verdict: Verdict
    istio: str
    # Istio fields the key sets (HTTPRoute fields such as `rewrite`, or `spec` keys of other generated
    # objects such as `trafficPolicy`): a comment on the annotation is carried next to the first one.
    fields: tuple[str, ...] = ()


class Family(Protocol):
    """The shape of a family module (for type checking the registry)."""

    KEYS: dict[str, KeyInfo]


@dataclass
class FamilyContext:
    """One Ingress as an annotation family sees it."""

    record: IngressRecord
    model: MeshModel
    resources: ResourceSet
    options: Options
    prefix: str  # e.g. "nginx.ingress.kubernetes.io/"
    # Every key the registry's families handle (without the prefix), given by the registry so that a
    # family can tell known keys from unknown ones without importing the registry, which imports it.
    known_keys: frozenset[str] = frozenset()

    @property
    def settings(self) -> IngressSettings:
        return self.record.settings

    @property
    def ingress(self) -> str:
        return self.record.key

    def has(self, key: str) -> bool:
        return key in self.carried

    @cached_property
    def carried(self) -> frozenset[str]:
        """The keys (without the prefix) of the annotations this Ingress carries under the prefix."""
        cut = len(self.prefix)
        return frozenset(k[cut:] for k in self.record.obj.annotations if k.startswith(self.prefix))

    def value(self, key: str, default: str | None = None) -> str | None:
        """The annotation's value (key without the prefix), or `default` when absent."""
        return self.record.obj.annotations.get(self.prefix + key, default)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean annotation as ingress-nginx parses it (`"true"`; anything else is false)."""
        raw = self.value(key)
        return default if raw is None else raw.strip().lower() == "true"

    def report(
        self,
        key: str,
        verdict: Verdict,
        message: str,
        action: str | None = None,
        severity: Severity | None = None,
        code: str | None = None,
    ) -> None:
        """Record the one finding for annotation `key` (first call wins; later calls are ignored)."""
        full = self.prefix + key
        if any(f.annotation == full for f in self.record.findings):
            return
        if severity is None:
            severity = (
                Severity.WARNING if verdict in (Verdict.UNSUPPORTED, Verdict.UNKNOWN) else Severity.INFO
            )
        self.record.findings.append(
            Finding(
                code=code or annotation_code(key),
                severity=severity,
                verdict=verdict,
                message=message,
                action=action,
                annotation=full,
                ingress=self.ingress,
            )
        )

    def note(self, finding: Finding) -> None:
        """Record a finding that is not about one annotation key."""
        self.record.findings.append(finding)

    def hosts(self) -> Iterator[VirtualHost]:
        """The virtual hosts this Ingress contributes routes to."""
        yield from self.model.hosts_of(self.ingress)

    def routes(self) -> Iterator[tuple[VirtualHost, Route]]:
        """Every route made from this Ingress, with its host."""
        key = self.ingress
        for vhost in self.hosts():
            for route in vhost.routes:
                if route.origin.ingress == key:
                    yield vhost, route


def annotation_code(key: str) -> str:
    """Stable finding code for an ingress-nginx key: `NGINX_` + the key in upper snake case."""
    return "NGINX_" + key.upper().replace("-", "_")


def family_keys(module: ModuleType) -> dict[str, KeyInfo]:
    keys: Any = getattr(module, "KEYS", {})
    return dict(keys)
