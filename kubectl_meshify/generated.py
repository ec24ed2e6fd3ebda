"""What marks an object as made by kubectl-meshify: the managed-by label and the annotation naming the
Ingresses it came from. The emitter, the annotation families that build whole objects, the TLS planner
and the GitOps writer share it (so the families need not import the emitter)."""

from __future__ import annotations

from typing import Any

MANAGED_BY = {"app.kubernetes.io/managed-by": "kubectl-meshify"}
SOURCE_ANNOTATION = "kubectl-meshify/converted-from"


def metadata(name: str, namespace: str, ingresses: list[str]) -> dict[str, Any]:
    """Standard metadata of a generated object."""
    return {
        "name": name,
        "namespace": namespace,
        "labels": dict(MANAGED_BY),
        "annotations": {SOURCE_ANNOTATION: ",".join(sorted(ingresses))},
    }
