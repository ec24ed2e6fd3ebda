"""What `--apply` writes: only what is ready, unless `--allow-partial`.

An Ingress converted only partially (a `partial` status: something it did is not reproduced) is left out of
an apply, with every object made from it. Ingresses that share a VirtualService, DestinationRule,
AuthorizationPolicy or Certificate with it are left out too: applying half of a shared object would route
one Ingress's traffic by the other's unreviewed rules, or to a subset that does not exist. A Gateway only
declares hosts and ports, so it is applied when any Ingress behind it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import IngressRecord, Status

Ref = tuple[str, str, str, str]  # apiVersion, kind, namespace, name
LEFT_OUT_CODE = "APPLY_PARTIAL_LEFT_OUT"
_SHARED_FREELY = "Gateway"


@dataclass
class ApplyScope:
    objects: list[dict[str, Any]]  # to apply
    left_out: dict[str, str] = field(default_factory=dict)  # Ingress key → why (partial, or shares with one)
    held: list[Ref] = field(default_factory=list)  # objects not applied


def _ref(obj: dict[str, Any]) -> Ref:
    meta = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion")),
        str(obj.get("kind")),
        str(meta.get("namespace", "")),
        str(meta.get("name")),
    )


def scope(records: list[IngressRecord], objects: list[dict[str, Any]], allow_partial: bool) -> ApplyScope:
    """The objects to apply and the Ingresses left out, in input order."""
    partial = [r for r in records if r.status is Status.PARTIAL]
    if allow_partial or not partial:
        return ApplyScope(list(objects))
    # Ingresses that share an object other than a Gateway go in or stay out together.
    users: dict[Ref, list[IngressRecord]] = {}
    for record in records:
        for ref in record.resources:
            if ref[1] != _SHARED_FREELY:
                users.setdefault(ref, []).append(record)
    left_out: dict[str, str] = {r.key: "it is partial" for r in partial}
    queue = list(partial)
    while queue:
        record = queue.pop()
        for ref in record.resources:
            for other in users.get(ref, []):
                if other.key not in left_out:
                    left_out[other.key] = (
                        f"it shares {ref[1]} {ref[2]}/{ref[3]} with partial Ingress {record.key}"
                    )
                    queue.append(other)
    applied_refs = {ref for r in records if r.key not in left_out for ref in r.resources}
    held_refs = {ref for r in records if r.key in left_out for ref in r.resources} - applied_refs
    kept = [obj for obj in objects if _ref(obj) not in held_refs]
    held = [_ref(obj) for obj in objects if _ref(obj) in held_refs]
    ordered = {r.key: left_out[r.key] for r in records if r.key in left_out}
    return ApplyScope(kept, ordered, held)


def findings(result: ApplyScope, records: list[IngressRecord]) -> None:
    """A finding on every Ingress left out, saying why and how to apply it."""
    by_key = {r.key: r for r in records}
    for key, why in result.left_out.items():
        record = by_key[key]
        mine = [ref for ref in record.resources if ref in set(result.held)]
        shown = ", ".join(f"{k} {ns}/{n}" for _, k, ns, n in mine) or "none of its own"
        record.findings.append(
            Finding(
                code=LEFT_OUT_CODE,
                severity=Severity.WARNING,
                verdict=Verdict.UNSUPPORTED,
                message=f"Not applied: {why}. Objects left out: {shown}.",
                action="Review the findings that make the Ingress partial, then apply with --allow-partial (or"
                " fix the Ingress and convert again).",
                ingress=key,
            )
        )
