"""Keys an Ingress's YAML gives twice in one mapping: a warning each, naming the key, its path and lines.

The value used is the last one, as kubectl reads it: its YAML decoder keeps the last value of a repeated
key, and since it converts YAML to JSON before sending, the API server's strict field validation (which
refuses a repeated key in a YAML body, `key "host" already set in map`, or warns with
fieldValidation=Warn) never sees it. The earlier values are lost without a word: hence the warning.
"""

from __future__ import annotations

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.gitops.comments import dotted
from kubectl_meshify.resources import KubeObject

CODE = "INGRESS_DUPLICATE_KEY"


def findings(obj: KubeObject) -> list[Finding]:
    """One finding per key given more than once in `obj` (read from a file)."""
    found = []
    for duplicate in obj.duplicate_keys:
        where = dotted(duplicate.path) or "the top level"
        lines = ", ".join(str(n) for n in duplicate.lines)
        found.append(
            Finding(
                code=CODE,
                severity=Severity.WARNING,
                verdict=Verdict.EXACT,
                message=f"{obj.origin.path}: document {obj.origin.document}: the key `{duplicate.key}` is given {len(duplicate.lines)} times in"
                f" {where} (lines {lines}); the last value (line {duplicate.lines[-1]}) is used, as kubectl"
                " uses it, and the others are lost.",
                action="Keep one: kubectl drops the earlier values without a warning, so the cluster has only"
                " the last.",
                ingress=obj.key,
            )
        )
    return found
