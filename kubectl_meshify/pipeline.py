"""The library entry point: resources + options → converted objects, findings and statuses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.emit.istio import emit
from kubectl_meshify.errors import ExitCode
from kubectl_meshify.findings import STRICT_VERDICTS, Finding
from kubectl_meshify.model import IngressRecord, MeshModel, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.tls import report as tls_report
from kubectl_meshify.translate import translate


@dataclass
class MigrationResult:
    """Everything a run produced, for the writers and the report."""

    model: MeshModel
    objects: list[dict[str, Any]]
    resources: ResourceSet
    options: Options
    run_findings: list[Finding] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. verification results

    @property
    def records(self) -> list[IngressRecord]:
        """Ingress records in input order."""
        return list(self.model.records.values())

    def all_findings(self) -> list[Finding]:
        return [f for r in self.records for f in r.findings] + self.run_findings + self.model.run_findings

    def status_counts(self) -> Counter[str]:
        return Counter(r.status.value for r in self.records)

    def exit_code(self, strict: bool) -> ExitCode:
        """1 when an Ingress failed, or with --strict when anything was not converted exactly."""
        if any(r.status is Status.FAILED for r in self.records):
            return ExitCode.FAILED
        if strict and (
            any(f.verdict in STRICT_VERDICTS for f in self.all_findings())
            or any(r.status is Status.PARTIAL for r in self.records)
        ):
            return ExitCode.FAILED
        return ExitCode.OK


def migrate(resources: ResourceSet, options: Options) -> MigrationResult:
    """Translate every Ingress in `resources` and emit the Istio objects.

    The workloads of `resources` (Deployments, StatefulSets) are released once translated: only
    translation reads them (subsets, placement), and in a GitOps tree they are often a quarter or more
    of the input, memory the check and the writers can use instead (the writers copy documents from the
    file's text, not from the loaded objects)."""
    model = translate(resources, options)
    resources.release_workloads()
    objects = emit(model, options)
    result = MigrationResult(model=model, objects=objects, resources=resources, options=options)
    tls_report.add_sections(result.extra, model, options)
    if options.verify:
        from kubectl_meshify.verify.attach import attach_verification

        attach_verification(result)
    return result
