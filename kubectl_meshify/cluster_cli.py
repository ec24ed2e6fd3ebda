"""The body of `kubectl meshify ns NAMESPACE` and `kubectl meshify all`: read, preflight, convert, write, apply.

Everything is computed before anything is written: a cluster error leaves stdout, the out-dir, the reports
and the cluster untouched. With --apply, the objects are applied before the outputs are written, so a
refused apply writes nothing either.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubectl_meshify.errors import ExitCode, UsageError
from kubectl_meshify.findings import Finding, Severity
from kubectl_meshify.options import Options
from kubectl_meshify.term import paint

REPORT_MD = "report.md"
REPORT_JSON = "report.json"


@dataclass
class ClusterArgs:
    """The command line of a cluster run, as typed."""

    namespace: str | None  # None: every namespace, or the context's namespace (namespace_from_context)
    options: Options
    api_version_given: bool
    gateway_namespace_given: bool
    gateway_selector_given: bool
    kubeconfig: str | None
    context: str | None
    request_timeout: str | None
    output: str
    out_dir: str | None
    report: str | None
    report_json: str | None
    strict: bool
    apply: bool
    dry_run: str
    force_conflicts: bool
    allow_partial: bool = False
    namespace_from_context: bool = False  # `ns` without a namespace: kubectl's choice
    selector: str | None = None  # -l: only Ingresses with these labels
    as_user: str | None = None  # --as
    as_groups: tuple[str, ...] = ()  # --as-group
    verbosity: int = 0  # -v: 6 and up logs every request on stderr
    kit: Any = None  # cutover.CutoverKit: the runbook's command line and the smoke test


def terminal_progress() -> Callable[[str], None] | None:
    """A one-line progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        sys.stderr.write(f"\r\x1b[K{message}…")
        sys.stderr.flush()

    return show


def _clear_progress(progress: Callable[[str], None] | None) -> None:
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def run_cluster(args: ClusterArgs) -> ExitCode:
    from kubectl_meshify import apply_scope
    from kubectl_meshify.apply import apply_objects
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.preflight import Overrides, conflict_findings, credential_findings, run_preflight
    from kubectl_meshify.sources.cluster import Scope, connect, discover, read_cluster
    from kubectl_meshify.sources.kubeapi import Identity

    if args.dry_run != "none" and not args.apply:
        raise UsageError("--dry-run server needs --apply (without --apply nothing is written to the cluster)")
    if args.force_conflicts and not args.apply:
        raise UsageError("--force-conflicts needs --apply")
    if args.allow_partial and not args.apply:
        raise UsageError("--allow-partial needs --apply")
    _check_namespace(args.namespace)
    if args.kit is not None:
        args.kit.preflight()  # an unreachable gateway stops the run before anything is read or applied

    options = args.options
    progress = terminal_progress()
    api = connect(
        args.kubeconfig,
        args.context,
        args.request_timeout,
        identity=Identity(args.as_user, tuple(args.as_groups)),
        log=sys.stderr if args.verbosity >= 6 else None,
    )
    try:
        namespace = args.namespace
        if args.namespace_from_context:
            namespace = api.context_namespace or "default"
            _check_namespace(namespace)
            source = f"from {api.where}" if api.context_namespace else f"{api.where} names none"
            sys.stderr.write(f'kubectl-meshify: namespace "{namespace}" ({source})\n')
        scope = Scope(namespace, args.selector)
        discovery = discover(api)
        resources, read_findings = read_cluster(api, scope, discovery, progress)
        overrides = Overrides(
            api_version=options.api_version if args.api_version_given else None,
            gateway_namespace=options.gateway_namespace if args.gateway_namespace_given else None,
            gateway_selector=dict(options.gateway_selector) if args.gateway_selector_given else None,
        )
        preflight = run_preflight(api, scope, discovery, resources, overrides, progress)
        facts = preflight.facts
        # What the cluster told us fills in every option the user left unset.
        options.api_version = str(facts.get("api_version") or options.api_version)
        options.gateway_namespace = str(facts["gateway_namespace"])
        options.gateway_selector = dict(facts["gateway_selector"])
        if progress is not None:
            progress(f"converting {len(resources.ingresses)} Ingresses")
        result = migrate(resources, options)
        cluster_findings = read_findings + preflight.findings + conflict_findings(facts, result.objects)
        cluster_findings += credential_findings(
            result.model.credentials[n] for n in sorted(result.model.credentials)
        )
        result.run_findings.extend(cluster_findings)
        result.extra.setdefault("prerequisites_md", []).extend(preflight_markdown(cluster_findings))
        applied_lines: list[str] = []
        left_out: dict[str, str] = {}
        if args.apply:
            if progress is not None:
                progress("applying")
            ready = apply_scope.scope(result.records, result.objects, args.allow_partial)
            apply_scope.findings(ready, result.records)
            left_out = ready.left_out
            applied = apply_objects(
                api,
                discovery,
                ready.objects,
                dry_run=args.dry_run == "server",
                force_conflicts=args.force_conflicts,
            )
            applied_lines = [str(a) for a in applied.applied]
            applied_lines += [
                f"kept: {kept}: ingress-shim's Certificate, left as it is; see CERT_MANAGER_KEPT_CERTIFICATE"
                for kept in applied.kept
            ]
            counts = ", ".join(
                f"{applied.count(a)} {a}" for a in ("created", "configured", "unchanged") if applied.count(a)
            )
            suffix = " (server dry run: nothing was stored)" if args.dry_run == "server" else ""
            applied_lines.append(f"applied {len(applied.applied)} objects: {counts or 'none'}{suffix}")
            applied_lines += [f"not applied: Ingress {key}: {why}" for key, why in left_out.items()]
            if left_out:
                applied_lines.append(
                    f"{len(left_out)} Ingress{'es' if len(left_out) != 1 else ''} left out of the apply"
                    f" ({len(ready.held)} objects); review them, then re-run with --allow-partial [{apply_scope.LEFT_OUT_CODE}]"
                )
    finally:
        _clear_progress(progress)
        api.close()

    if args.kit is not None:
        args.kit.before_reports(result)  # after the apply: the smoke test probes what was applied
    _write_outputs(result, args)
    _print_preflight(cluster_findings)
    for line in applied_lines:
        sys.stderr.write(line + "\n")
    sys.stderr.write(f"kubectl-meshify: {api.requests} API requests to {api.server}\n")
    code = (
        ExitCode.FAILED if left_out else result.exit_code(args.strict)
    )  # left out: asked to apply, not all was
    return ExitCode(args.kit.finish(result, code)) if args.kit is not None else code


def _check_namespace(namespace: str | None) -> None:
    if namespace is not None and not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", namespace):
        raise UsageError(f"invalid namespace name {namespace!r}")


def _write_outputs(result: Any, args: ClusterArgs) -> None:
    from kubectl_meshify.collisions import check_writes
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.output import render
    from kubectl_meshify.report import to_json_text, to_markdown
    from kubectl_meshify.summary import write_summary

    report, report_json = args.report, args.report_json
    files: dict[str, str] = {}
    if args.out_dir is not None:
        files = per_namespace_files(result.objects, args.output, args.out_dir)
        report = report or str(Path(args.out_dir) / REPORT_MD)
        report_json = report_json or str(Path(args.out_dir) / REPORT_JSON)
    texts = dict(files)
    if report:
        texts[report] = to_markdown(result)
    if report_json:
        texts[report_json] = to_json_text(result)
    options = {report: "--report", report_json: "--report-json"}
    check_writes([(path, options.get(path, "--out-dir"), None) for path in texts])
    for path, text in texts.items():
        write_atomic(path, text)
    if args.out_dir is None:
        sys.stdout.write(render(result.objects, args.output))
        sys.stdout.flush()
    else:
        sys.stderr.write(
            f"wrote {len(files)} namespace file{'s' if len(files) != 1 else ''} to {args.out_dir}\n"
        )
    write_summary(result, report, report_json)


def per_namespace_files(objects: list[dict[str, Any]], output: str, out_dir: str) -> dict[str, str]:
    """`DIR/<namespace>.yaml` (or `.json` with -o json) holding each namespace's converted objects."""
    from kubectl_meshify.output import render

    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        namespace = str((obj.get("metadata") or {}).get("namespace") or "")
        # Namespace names are DNS labels, so every path stays inside DIR.
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", namespace):
            namespace = "_cluster"
        by_namespace.setdefault(namespace, []).append(obj)
    suffix = ".json" if output == "json" else ".yaml"
    return {
        str(Path(out_dir) / f"{namespace}{suffix}"): render(items, output)
        for namespace, items in sorted(by_namespace.items())
    }


def preflight_markdown(findings: list[Finding]) -> list[str]:
    """The report's "Cluster preflight" section."""
    if not findings:
        return []
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    lines = ["", "### Cluster preflight", "", "| severity | code | Ingress | what was found | action |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for f in sorted(findings, key=lambda f: (order[f.severity], f.code, f.ingress or "", f.message)):
        cells = [f.severity.value, f"`{f.code}`", f.ingress or "", f.message, f.action or ""]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def _print_preflight(findings: list[Finding]) -> None:
    """One stderr line per warning/error code, with the first case; the report has them all."""
    shown: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity is not Severity.INFO:
            shown.setdefault(f.code, []).append(f)
    for code, group in shown.items():
        more = f" (and {len(group) - 1} more)" if len(group) > 1 else ""
        colour = "red" if group[0].severity is Severity.ERROR else "yellow"
        label = paint(f"preflight {group[0].severity.value}:", colour)
        sys.stderr.write(f"{label} {group[0].message}{more} [{code}]\n")
