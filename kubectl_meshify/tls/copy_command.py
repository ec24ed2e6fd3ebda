"""The shell command that copies an object (a TLS Secret, a cert-manager Issuer) into another namespace.

    kubectl get secret SECRET -n NS -o yaml
      | kubectl patch --local -f - --type json -p '[{"op":"replace","path":"/metadata","value":{...}}]' -o yaml
      | kubectl apply --server-side --field-manager=kubectl-meshify -f -

Only kubectl is needed (no sed, no yq, the same on every platform). The JSON patch replaces the whole
`metadata`, so uid, resourceVersion, ownerReferences, managedFields and the old labels and annotations
(which may hold a last-applied copy of the data) cannot leak into the copy. `patch --local` works on the
stream and never contacts the cluster. kubectl-meshify itself never reads the object: the data flows from
one kubectl to the next without being shown.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

MANAGED_BY = {"app.kubernetes.io/managed-by": "kubectl-meshify"}
COPIED_FROM = "kubectl-meshify/copied-from"
FIELD_MANAGER = "kubectl-meshify"


def copy_metadata(source_namespace: str, source_name: str, namespace: str, name: str) -> dict[str, Any]:
    """The complete metadata of the copy."""
    return {
        "name": name,
        "namespace": namespace,
        "labels": dict(MANAGED_BY),
        "annotations": {COPIED_FROM: f"{source_namespace}/{source_name}"},
    }


def metadata_patch(source_namespace: str, source_name: str, namespace: str, name: str) -> str:
    """The JSON patch (RFC 6902) that gives the object its new metadata."""
    value = copy_metadata(source_namespace, source_name, namespace, name)
    return json.dumps([{"op": "replace", "path": "/metadata", "value": value}], separators=(",", ":"))


def copy_command(resource: str, source_namespace: str, source_name: str, namespace: str, name: str) -> str:
    """`kubectl get | kubectl patch --local | kubectl apply` for one object (`resource`: secret, issuer)."""
    patch = metadata_patch(source_namespace, source_name, namespace, name)
    q = shlex.quote
    return (
        f"kubectl get {resource} {q(source_name)} -n {q(source_namespace)} -o yaml"
        f" | kubectl patch --local -f - --type json -p {q(patch)} -o yaml"
        f" | kubectl apply --server-side --field-manager={FIELD_MANAGER} -f -"
    )
