"""Verification as a pipeline step: probe the converted Ingresses and keep the result for the report."""

from __future__ import annotations

import gc

from kubectl_meshify.model import Semantics, Status
from kubectl_meshify.result import MigrationResult
from kubectl_meshify.verify.compare import VerificationResult, VerifyOptions, verify
from kubectl_meshify.verify.groups import CHUNK_INGRESSES


def attach_verification(
    result: MigrationResult, chunk_ingresses: int = CHUNK_INGRESSES
) -> VerificationResult:
    """Verify `result` in place: unexplained differences become error findings and make the Ingress
    `partial`; the result is `result.verification` (report/sections/verification.py renders it).
    `chunk_ingresses`: see `verify`."""
    collecting = gc.isenabled()
    gc.disable()  # see `verify`: nothing here makes cycles, and the input is large
    try:
        return _attach(result, chunk_ingresses)
    finally:
        if collecting:
            gc.enable()


def _attach(result: MigrationResult, chunk_ingresses: int) -> VerificationResult:
    options = result.options
    # Failed Ingresses are invalid (the API server would have refused them): no controller served them.
    served = {r.key: r for r in result.records if r.status not in (Status.SKIPPED, Status.FAILED)}
    semantics = {key: "istio" if r.semantics is Semantics.ISTIO else "nginx" for key, r in served.items()}
    targets = [key for key, r in served.items() if r.status in (Status.CONVERTED, Status.PARTIAL)]
    verification = verify(
        [r.obj for r in served.values()],
        result.resources.services,
        result.objects,
        VerifyOptions(
            annotation_prefix=options.nginx_prefix,
            cluster_domain=options.cluster_domain,
            default_namespace=options.default_namespace,
            semantics=semantics,
        ),
        findings=result.all_findings(),
        targets=targets,
        chunk_ingresses=chunk_ingresses,
    )
    for finding in verification.findings():
        record = served[finding.ingress or ""]
        record.findings.append(finding)
        if record.status is Status.CONVERTED:
            record.status = Status.PARTIAL
    result.verification = verification
    return verification
