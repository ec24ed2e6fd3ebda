"""The "Action plan" section (JSON `plan`, `summary.classes`, `run`, `ingresses[].class` and
`ingresses[].not_probed`): the plan and its batch scripts, the run's inputs as typed, each Ingress's class,
and what the behaviour check does not cover.

Its Markdown keeps a 2,000-Ingress report reviewable: the plan first, full detail only for Ingresses that
are blocked or need steps, ready Ingresses one table row each, grouped by namespace.
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify.action_plan import (
    CLASS_ORDER,
    GROUP_TITLES,
    ActionPlan,
    Group,
    PlanItem,
    StatusClass,
    build_plan,
    finding_group,
)
from kubectl_meshify.batch_scripts import BatchScript
from kubectl_meshify.finding_codes import CODES
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import IngressRecord
from kubectl_meshify.report.sections import files, verification
from kubectl_meshify.result import MigrationResult, RunInfo
from kubectl_meshify.verify.nginx_model import ROUTING_KEYS

SECRET_COPY_CODE = "TLS_SECRET_LOCATION"
CLASS_TITLES = {
    StatusClass.BLOCKED: "blocked",
    StatusClass.NEEDS_STEPS: "needs steps",
    StatusClass.READY: "ready",
    StatusClass.SKIPPED: "skipped",
}


def plan_of(result: MigrationResult) -> ActionPlan:
    """The run's plan (computed when the reports are rendered; here for callers that render directly)."""
    if result.action_plan is None:
        result.action_plan = compute(result)
    return result.action_plan


def compute(result: MigrationResult) -> ActionPlan:
    records = result.records
    plan = build_plan(records, result.run_findings + result.model.run_findings, result.model)
    prefix = result.options.nginx_prefix
    plan.not_probed = {r.key: not_probed(r, prefix) for r in records}
    return plan


def script_path(info: RunInfo, script: BatchScript) -> str | None:
    """Where a batch script is written (next to the reports, under --out-dir), as typed; None: printed."""
    if info.script_dir is None:
        return None
    return _join(info.script_dir, script.name)


def _join(directory: str, name: str) -> str:
    """`directory/name` keeping the directory as typed (`./out` stays `./out`, where Path drops the `./`)."""
    return directory.rstrip("/") + "/" + name if directory.rstrip("/") else "/" + name


def not_probed(record: IngressRecord, prefix: str) -> list[str]:
    """Annotation keys of the Ingress that change behaviour the routing probes do not model."""
    keys = []
    for f in record.findings:
        key = f.annotation or ""
        if (
            key.startswith(prefix)
            and key[len(prefix) :] not in ROUTING_KEYS
            and f.verdict is not Verdict.NO_OP
        ):
            keys.append(key[len(prefix) :])
    return sorted(set(keys))


def not_probed_in(plan: ActionPlan, record: IngressRecord, prefix: str) -> list[str]:
    """`not_probed` of the Ingress, as made once with the plan."""
    keys = plan.not_probed.get(record.key)
    return not_probed(record, prefix) if keys is None else keys


# --- JSON ---------------------------------------------------------------------------------------------


def run_json(info: RunInfo) -> dict[str, Any]:
    return {"sources": list(info.sources), "cluster": info.cluster}


def to_json(plan: ActionPlan, info: RunInfo) -> dict[str, Any]:
    return {
        "items": [item.to_json() for item in plan.items],
        "scripts": [
            {
                "name": s.name,
                "code": s.code,
                "objects": len(s.calls),
                "path": script_path(info, s),
                "text": s.text(),
            }
            for s in plan.scripts
        ],
    }


def summary_json(plan: ActionPlan) -> dict[str, int]:
    return plan.counts()


def ingress_json(plan: ActionPlan, record: IngressRecord, prefix: str) -> dict[str, Any]:
    return {"class": plan.classes[record.key].value, "not_probed": not_probed_in(plan, record, prefix)}


# --- Markdown -----------------------------------------------------------------------------------------


def cell(text: str | None) -> str:
    return "" if not text else text.replace("|", "\\|").replace("\n", " ")


def run_lines(info: RunInfo) -> list[str]:
    lines = []
    if info.cluster:
        lines.append(
            f"Cluster: context `{info.cluster.get('context') or 'in-cluster'}`, server {info.cluster.get('server')}."
        )
    if info.sources:
        shown = ", ".join(f"`{s}`" for s in info.sources[:10])
        more = len(info.sources) - 10
        lines.append(f"Sources: {shown}" + (f" and {more} more" if more > 0 else "") + ".")
    return lines


def class_table(plan: ActionPlan, total: int) -> list[str]:
    counts = plan.counts()
    shown = [c for c in CLASS_ORDER if c is not StatusClass.SKIPPED or counts[c.value]]
    return [
        "| Ingresses | " + " | ".join(CLASS_TITLES[c] for c in shown) + " |",
        "| --- | " + " | ".join("---" for _ in shown) + " |",
        f"| {total} | " + " | ".join(str(counts[c.value]) for c in shown) + " |",
    ]


def _item_action(item: PlanItem, plan: ActionPlan, info: RunInfo) -> str:
    if item.script is None:
        return item.action
    script = next(s for s in plan.scripts if s.name == item.script)
    path = script_path(info, script)
    where = f"`{path}`" if path else f"`{script.name}` (below)"
    return f"{item.action} Script: {where}, {_objects(len(script.calls))}."


def to_markdown(plan: ActionPlan, info: RunInfo) -> list[str]:
    lines = ["## Action plan", ""]
    if not plan.items:
        return lines + ["Nothing to do: no findings.", ""]
    lines += [
        "Ordered by what blocks the cut-over first. Each Ingress's own findings are in its section below.",
        "",
        "| # | kind | code | severity | findings | Ingresses | action |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, item in enumerate(plan.items, 1):
        ingresses = f"{len(item.ingresses)}: {item.shown_ingresses()}" if item.ingresses else "run-wide"
        lines.append(
            f"| {n} | {GROUP_TITLES[item.group]} | `{item.code}` | {item.severity.value} | {item.count}"
            f" | {cell(ingresses)} | {cell(_item_action(item, plan, info))} |"
        )
    lines.append("")
    return lines


def _objects(count: int) -> str:
    return f"{count} object{'s' if count != 1 else ''}"


def scripts_markdown(plan: ActionPlan, info: RunInfo) -> list[str]:
    if not plan.scripts:
        return []
    lines = ["### Batch scripts", ""]
    for script in plan.scripts:
        path = script_path(info, script)
        if path:
            lines.append(f"- `{path}`: {script.title} ({_objects(len(script.calls))}; `bash {path}`).")
    if info.script_dir is not None:
        return lines + [""]
    for script in plan.scripts:
        lines += [
            f"`{script.name}`: {script.title} ({_objects(len(script.calls))})",
            "",
            "```bash",
            *script.text().rstrip("\n").split("\n"),
            "```",
            "",
        ]
    return lines


def _check_line(outcome: Any, scope: list[str]) -> str:
    if outcome is None:
        return ""
    text = f"{outcome.same}/{outcome.probes} same"
    if outcome.different:
        explained = sorted({d.finding for d in outcome.different if d.finding})
        unexplained = len(outcome.unexplained)
        text += f", {len(outcome.different)} differently"
        if explained:
            text += " (explained by " + ", ".join(f"`{c}`" for c in explained) + ")"
        if unexplained:
            text += f", {unexplained} unexplained"
    if scope:
        text += " (routing only; not probed: " + ", ".join(scope) + ")"
    return text


def _finding_line(f: Finding, plan_actions: dict[str, str], scripted: set[str]) -> str:
    """One finding in a line; its action only when the plan's action for the code does not cover it."""
    text = f"- {f.severity.value} `{f.code}`: {cell(f.message)}"
    if f.code in scripted:
        text += " The batch script does the step."
    elif f.action and f.action != plan_actions.get(f.code) and not _catalogued(f.code):
        text += f" **Action:** {cell(f.action)}"
    return text


def _catalogued(code: str) -> bool:
    entry = CODES.get(code)
    return entry is not None and bool(entry.action)


def ingresses_markdown(result: MigrationResult, plan: ActionPlan) -> list[str]:
    """Blocked Ingresses in full, then those that need steps, then ready ones as tables per namespace."""
    outcomes: dict[str, Any] = result.verification.ingresses if result.verification is not None else {}
    prefix = result.options.nginx_prefix
    plan_actions = {i.code: i.action for i in plan.items}
    scripted = {i.code for i in plan.items if i.script}
    by_class: dict[StatusClass, list[IngressRecord]] = {c: [] for c in CLASS_ORDER}
    for record in result.records:
        by_class[plan.classes[record.key]].append(record)
    lines: list[str] = []

    blocked = by_class[StatusClass.BLOCKED]
    if blocked:
        lines += [f"## Blocked Ingresses ({len(blocked)})", ""]
        for record in blocked:
            lines += _full_section(record, result, not_probed_in(plan, record, prefix))

    steps = by_class[StatusClass.NEEDS_STEPS]
    if steps:
        copies = _copies_by_ingress(result)
        lines += [
            f"## Ingresses that need steps ({len(steps)})",
            "",
            f"Each Ingress's warnings. Its secret copies (`{SECRET_COPY_CODE}`) are counted here and listed one"
            " by one in `copy-tls-secrets.sh`; its notes (nothing to do) are in the plan. The JSON and HTML"
            " reports list both per Ingress. check: probes routed the same by the behaviour check.",
            "",
        ]
        for record in steps:
            meta = [f"`{record.obj.origin}`", _count_kinds(record)]
            check = _check_line(outcomes.get(record.key), not_probed_in(plan, record, prefix))
            if check:
                meta.append(f"check {check}")
            # The copies are the script's lines already: a line each here would repeat 1,000 of them at scale.
            scripted_copies = copies.get(record.key, [])
            if scripted_copies:
                count = len(scripted_copies)
                meta.append(f"{count} secret cop{'ies' if count != 1 else 'y'}")
            to_act_on = [f for f in record.findings if finding_group(f) is not Group.NOTE]
            notes = len(record.findings) - len(to_act_on)
            if notes:
                meta.append(f"{notes} note{'s' if notes != 1 else ''}")
            lines += [f"### {record.key}", " · ".join(meta)]
            for f in _by_severity(to_act_on):
                if not (scripted_copies and f.code == SECRET_COPY_CODE):
                    lines.append(_finding_line(f, plan_actions, scripted))
            lines.append("")
            lines += _comments(result, record)

    ready = by_class[StatusClass.READY]
    if ready:
        lines += [
            f"## Ready Ingresses ({len(ready)})",
            "",
            "Converted with nothing to do (notes only), one table per namespace.",
            "",
        ]
        namespaces: dict[str, list[IngressRecord]] = {}
        for record in ready:
            namespaces.setdefault(record.obj.namespace, []).append(record)
        for namespace in sorted(namespaces):
            lines += [
                f"### {namespace} ({len(namespaces[namespace])})",
                "",
                "| Ingress | source | emits | notes | behaviour check |",
                "| --- | --- | --- | --- | --- |",
            ]
            for record in namespaces[namespace]:
                note_codes = ", ".join(sorted({f"`{f.code}`" for f in record.findings}))
                check = _check_line(outcomes.get(record.key), not_probed_in(plan, record, prefix))
                lines.append(
                    f"| {record.obj.name} | `{record.obj.origin}` | {_count_kinds(record)} | {note_codes}"
                    f" | {cell(check)} |"
                )
            lines.append("")
            for record in namespaces[namespace]:
                lines += _comments(result, record, heading=True)

    skipped = by_class[StatusClass.SKIPPED]
    if skipped:
        lines += [
            f"## Skipped Ingresses ({len(skipped)})",
            "",
            "| Ingress | source | why |",
            "| --- | --- | --- |",
        ]
        for record in skipped:
            why = "; ".join(f.message for f in record.findings) or "not converted"
            lines.append(f"| {record.key} | `{record.obj.origin}` | {cell(why)} |")
        lines.append("")
    return lines


def _copies_by_ingress(result: MigrationResult) -> dict[str, list[str]]:
    """Ingress → the secret copies the batch script makes for it (`ns/secret → ns/name`)."""
    copies: dict[str, list[str]] = {}
    credentials = result.model.credentials
    for name in sorted(credentials):
        c = credentials[name]
        if c.command and c.present is not True:
            for ingress in c.ingresses:
                copies.setdefault(ingress, []).append(
                    f"{c.source_namespace}/{c.source_secret} → {c.namespace}/{c.name}"
                )
    return copies


def _emitted(record: IngressRecord) -> str:
    return ", ".join(f"{k} {ns}/{n}" for _, k, ns, n in record.resources) or "nothing"


def _count_kinds(record: IngressRecord) -> str:
    counts: dict[str, int] = {}
    for _, kind, _, _ in record.resources:
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in counts.items()) or "nothing"


def _by_severity(findings: list[Finding]) -> list[Finding]:
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(findings, key=lambda f: (order[f.severity], f.annotation or "", f.code))


def _comments(result: MigrationResult, record: IngressRecord, heading: bool = False) -> list[str]:
    """GitOps mode: source comments on annotations that found no field, with their Ingress."""
    if result.gitops is None:
        return []
    lines = files.ingress_markdown(result.gitops, record.key)
    return ([f"{record.key}:", ""] if heading and lines else []) + lines


def _full_section(record: IngressRecord, result: MigrationResult, scope: list[str]) -> list[str]:
    lines = [
        f"### {record.key}: {record.status.value}",
        "",
        f"Source: `{record.obj.origin}`; served by {record.semantics.value}.",
        "",
    ]
    if record.resources:
        lines += [f"Emitted: {_emitted(record)}.", ""]
    if record.findings:
        lines += [
            "| verdict | severity | code | annotation | what happened | action |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in _by_severity(record.findings):
            lines.append(
                f"| {f.verdict.value} | {f.severity.value} | `{f.code}` | "
                f"{'`' + f.annotation + '`' if f.annotation else ''} | {cell(f.message)} | {cell(f.action)} |"
            )
        lines.append("")
    if result.verification is not None:
        lines += verification.ingress_markdown(result.verification, record)
        if scope and record.key in result.verification.ingresses:
            lines += [f"Routing only; not probed: {', '.join(scope)}.", ""]
    lines += _comments(result, record)
    return lines
