"""What a run produced: the converted objects, the findings, and one typed field per report section.

The pipeline fills the translation and the sections it computes (TLS credentials, verification); the
commands fill the sections only they know (skipped input files, GitOps files, cluster preflight, apply).
Rendering is the `report/` package's business: nothing here writes Markdown or JSON.

This module imports no translator, annotation family or emitter, so `verify/` may fill its section here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kubectl_meshify.errors import ExitCode
from kubectl_meshify.findings import STRICT_VERDICTS, Finding
from kubectl_meshify.model import Credential, IngressRecord, MeshModel, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet

if TYPE_CHECKING:
    from kubectl_meshify.action_plan import ActionPlan
    from kubectl_meshify.cutover import Invocation, Step
    from kubectl_meshify.smoke.run import SmokeResult
    from kubectl_meshify.verify.compare import VerificationResult


@dataclass
class RunInfo:
    """What the run read and where its batch scripts go, as the user typed it (relative stays relative)."""

    sources: list[str] = field(default_factory=list)  # file mode: the PATH arguments
    cluster: dict[str, str | None] | None = None  # cluster mode: {"context": ..., "server": ...}
    script_dir: str | None = None  # --out-dir: the batch scripts are written there, else printed


@dataclass
class ServedCredential:
    """A TLS credential the gateway reads, and the Gateway (`namespace/name`) whose HTTPS server reads it."""

    credential: Credential
    gateway: str | None


@dataclass
class AnnotationComment:
    """A source comment on an annotation key that found no field to sit on (GitOps mode)."""

    annotation: str
    comment: str


class FileStatus(StrEnum):
    """What a GitOps run did with one input file."""

    REWRITTEN = "rewritten"
    NO_INGRESS = "no-ingress"  # nothing to convert: copied (out-dir) or left alone (in place)
    UNCHANGED = "unchanged"  # has Ingresses, but the result equals the input (failed, or already done)
    SKIPPED = "skipped"  # not a manifest (found in a directory walk): copied (out-dir) or left alone


@dataclass
class FileEntry:
    """One input file of a GitOps run: where it went and what happened to it."""

    path: str
    target: str
    status: FileStatus


@dataclass
class GitOpsFiles:
    """The files a GitOps run (`file --out-dir/--in-place`) wrote, and the comments left to the report."""

    in_place: bool
    out_dir: str | None
    files: list[FileEntry] = field(default_factory=list)
    # Ingress key → annotation comments that found no field (shown with that Ingress).
    annotation_comments: dict[str, list[AnnotationComment]] = field(default_factory=dict)


@dataclass
class MigrationResult:
    """Everything a run produced, for the writers and the report."""

    model: MeshModel
    objects: list[dict[str, Any]]
    resources: ResourceSet
    options: Options
    run_findings: list[Finding] = field(default_factory=list)
    # Report sections, each None (or empty) when the run did not produce it.
    tls_credentials: list[ServedCredential] = field(default_factory=list)  # sorted by name
    verification: VerificationResult | None = None  # the behaviour check (not with --no-verify)
    skipped_inputs: list[Finding] = field(default_factory=list)  # files of a walk that are not manifests
    # Documents of the files read that are not valid YAML or not a mapping, kept as they are.
    invalid_documents: list[Finding] = field(default_factory=list)
    gitops: GitOpsFiles | None = None  # file mode with --out-dir or --in-place
    preflight: list[Finding] | None = None  # cluster mode: what the cluster told us
    run: RunInfo = field(default_factory=RunInfo)
    # The ordered steps of the migration (action_plan.py), computed from everything above when the
    # reports are rendered (report/outputs.py).
    action_plan: ActionPlan | None = None
    # The cut-over: the smoke test against the live gateway (--smoke, --smoke-https), and the command line
    # of the run, from which the runbook's commands are built (cutover.py).
    smoke: SmokeResult | None = None
    invocation: Invocation | None = None
    # The cut-over runbook built from all of the above (cutover.py), computed once with the action plan
    # and shared by every report format.
    runbook: list[Step] | None = None

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
