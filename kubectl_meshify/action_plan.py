"""The action plan: what stands between the run and the cut-over, rolled up by finding code.

Each code becomes one plan item (severity, how many findings, which Ingresses, one action), ordered by what
blocks the cut-over first: errors, then unsupported behaviour, then warnings that need a step, then notes.
Each Ingress gets a class: `ready` (converted, nothing to do), `needs steps` (converted, with warnings to act
on, such as copying a secret) or `blocked` (partial, failed, or a behaviour difference nothing explains);
Ingresses left out by class selection are `skipped`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kubectl_meshify.batch_scripts import BatchScript, batch_scripts
from kubectl_meshify.finding_codes import CODES
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import IngressRecord, MeshModel, Status

# Ingresses named in a plan item before "and N more".
SHOWN_INGRESSES = 3
UNEXPLAINED = "VERIFY_UNEXPLAINED_DIFFERENCE"


class Group(StrEnum):
    """Plan order: what blocks the cut-over first."""

    ERROR = "error"
    UNSUPPORTED = "unsupported"
    STEP = "step"
    NOTE = "note"


GROUP_ORDER = list(Group)
GROUP_TITLES = {
    Group.ERROR: "errors",
    Group.UNSUPPORTED: "unsupported",
    Group.STEP: "warnings that need a step",
    Group.NOTE: "notes",
}


class StatusClass(StrEnum):
    READY = "ready"
    NEEDS_STEPS = "needs-steps"
    BLOCKED = "blocked"
    SKIPPED = "skipped"


CLASS_ORDER = [StatusClass.BLOCKED, StatusClass.NEEDS_STEPS, StatusClass.READY, StatusClass.SKIPPED]

# When a code has no action in the catalogue (annotation codes) and its findings disagree on one.
GENERIC_ACTIONS = {
    Group.ERROR: "Fix the Ingress (see each finding), then convert again.",
    Group.UNSUPPORTED: "Decide how to replace the behaviour (see each finding) before cutting over.",
    Group.STEP: "Do the step each finding names before cutting over.",
    Group.NOTE: "Nothing to do; read once.",
}


def finding_group(finding: Finding) -> Group:
    if finding.severity is Severity.ERROR:
        return Group.ERROR
    if finding.verdict is Verdict.UNSUPPORTED:
        return Group.UNSUPPORTED
    if finding.severity is Severity.WARNING:
        return Group.STEP
    return Group.NOTE


@dataclass
class PlanItem:
    code: str
    group: Group
    severity: Severity
    count: int = 0  # findings
    verdicts: set[str] = field(default_factory=set)
    ingresses: list[str] = field(default_factory=list)  # distinct, in report order
    action: str = ""
    script: str | None = None  # the batch script that does this step, when there is one

    def shown_ingresses(self, limit: int = SHOWN_INGRESSES) -> str:
        """The first few Ingresses, then "and N more"."""
        if not self.ingresses:
            return "(run-wide)"
        text = ", ".join(self.ingresses[:limit])
        more = len(self.ingresses) - limit
        return text + (f" and {more} more" if more > 0 else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "group": self.group.value,
            "severity": self.severity.value,
            "verdicts": sorted(self.verdicts),
            "count": self.count,
            "ingresses": len(self.ingresses),
            "first": self.ingresses[:SHOWN_INGRESSES],
            "action": self.action,
            "script": self.script,
        }


@dataclass
class ActionPlan:
    items: list[PlanItem]
    classes: dict[str, StatusClass]  # Ingress key → class, in report order
    scripts: list[BatchScript] = field(default_factory=list)
    # Ingress key → annotation keys whose behaviour the routing probes do not model: made once for every
    # report format by the report (which knows the annotation prefix); empty in a plan built alone.
    not_probed: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counted = {c.value: 0 for c in CLASS_ORDER}
        for cls in self.classes.values():
            counted[cls.value] += 1
        return counted

    def of(self, group: Group) -> list[PlanItem]:
        return [item for item in self.items if item.group is group]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
_GROUP_RANK = {group: rank for rank, group in enumerate(GROUP_ORDER)}


def ingress_class(record: IngressRecord, extra: Sequence[Finding] = ()) -> StatusClass:
    """The class of one Ingress from its status and findings (`extra`: run findings about it)."""
    if record.status is Status.SKIPPED:
        return StatusClass.SKIPPED
    if record.status in (Status.PARTIAL, Status.FAILED):
        return StatusClass.BLOCKED
    steps = False
    for findings in (record.findings, extra):
        for f in findings:
            group = finding_group(f)
            if group is Group.ERROR or group is Group.UNSUPPORTED or f.code == UNEXPLAINED:
                return StatusClass.BLOCKED
            steps = steps or group is Group.STEP
    return StatusClass.NEEDS_STEPS if steps else StatusClass.READY


def build_plan(records: list[IngressRecord], run_findings: list[Finding], model: MeshModel) -> ActionPlan:
    """The plan of a run: its Ingresses, its run-wide findings, and the batch scripts of its model."""
    scripts = batch_scripts(model)
    by_code = {s.code: s.name for s in scripts}
    about: dict[str, list[Finding]] = {}
    for f in run_findings:
        if f.ingress:
            about.setdefault(f.ingress, []).append(f)
    items: dict[str, PlanItem] = {}
    actions: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {}
    verdicts: dict[str, set[Verdict]] = {}

    def add(f: Finding, ingress: str | None) -> None:
        group = finding_group(f)
        item = items.get(f.code)
        if item is None:
            item = items[f.code] = PlanItem(f.code, group, f.severity)
            seen[f.code] = set()
            actions[f.code] = set()
            verdicts[f.code] = set()
        if _GROUP_RANK[group] < _GROUP_RANK[item.group]:
            item.group = group
        if _SEVERITY_RANK[f.severity] > _SEVERITY_RANK[item.severity]:
            item.severity = f.severity
        item.count += 1
        verdicts[f.code].add(f.verdict)
        if f.action:
            actions[f.code].add(f.action)
        if ingress and ingress not in seen[f.code]:
            seen[f.code].add(ingress)
            item.ingresses.append(ingress)

    for record in records:
        for f in record.findings:
            add(f, record.key)
    for f in run_findings:
        add(f, f.ingress)
    for code, item in items.items():
        item.verdicts = {v.value for v in verdicts[code]}
        item.script = by_code.get(code)
        # A scripted step's findings each carry their own one-off command: the plan gives the general action.
        item.action = _action(code, item.group, set() if item.script else actions[code])
    ordered = sorted(
        items.values(),
        key=lambda i: (_GROUP_RANK[i.group], -_SEVERITY_RANK[i.severity], -len(i.ingresses), i.code),
    )
    classes = {r.key: ingress_class(r, about.get(r.key, [])) for r in records}
    return ActionPlan(ordered, classes, scripts)


def _action(code: str, group: Group, given: set[str]) -> str:
    """One action for a code: the one all its findings share, else the catalogue's, else a generic one."""
    if len(given) == 1:
        return next(iter(given))
    entry = CODES.get(code)
    if entry is not None and entry.action:
        return entry.action
    if given:
        return GENERIC_ACTIONS[group] + " Each Ingress's finding says what applies to it."
    return GENERIC_ACTIONS[group]
