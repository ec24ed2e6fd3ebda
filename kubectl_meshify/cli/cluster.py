"""The body of `ns` and `all`: check the options, run the cluster conversion (cluster/run.py), then write
stdout or the out-dir, the reports, and what happened on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from kubectl_meshify.cli.app import run_guarded
from kubectl_meshify.cli.cutover import cutover_kit, finish
from kubectl_meshify.cli.options import DryRun, build_options
from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode, UsageError

if TYPE_CHECKING:  # imported lazily at run time: startup stays fast
    from kubectl_meshify.cluster.run import ClusterRun
    from kubectl_meshify.findings import Finding
    from kubectl_meshify.result import MigrationResult

REPORT_MD = "report.md"
REPORT_JSON = "report.json"


def run_cluster_command(
    ctx: typer.Context,
    namespace: str | None,
    all_namespaces: bool,
    args: dict[str, Any],
    from_context: bool = False,
) -> None:
    """`args`: the values of the shared cluster options (cli/options.py `cluster_options`), by name.

    `ns` without NAMESPACE or -A (`from_context`) converts the kubeconfig context's namespace, as kubectl does.
    """

    def run() -> ExitCode:
        from kubectl_meshify.cli.gates import exit_code
        from kubectl_meshify.cluster.run import ClusterRequest, check_namespace, run
        from kubectl_meshify.fail_on import gates

        asked = gates(args["strict"], args["fail_on"])
        if all_namespaces and namespace is not None:
            raise UsageError("give NAMESPACE or -A")
        use_context = from_context and not all_namespaces and namespace is None
        options = build_options(
            args["api_version"],
            args["gateway"],
            args["gateway_namespace"],
            args["gateway_selector"],
            args["ingress_class"],
            args["cluster_domain"],
            args["nginx_annotation_prefix"],
            default_ssl_certificate=args["default_ssl_certificate"],
        )
        options.verify = not args["no_verify"]
        options.trace_routes = args["trace_routes"]
        kit = cutover_kit(
            ctx,
            "cluster",
            args["smoke"],
            args["smoke_https"],
            args["smoke_insecure"],
            args["smoke_timeout"],
            args["smoke_compare"],
        )
        apply = args["apply"]
        if args["dry_run"] is not DryRun.none and not apply:
            raise UsageError(
                "--dry-run server needs --apply (without --apply nothing is written to the cluster)"
            )
        if args["force_conflicts"] and not apply:
            raise UsageError("--force-conflicts needs --apply")
        if args["allow_partial"] and not apply:
            raise UsageError("--allow-partial needs --apply")
        request = ClusterRequest(
            namespace=None if all_namespaces else namespace,
            options=options,
            api_version_given=args["api_version"] is not None,
            gateway_namespace_given=bool(args["gateway_namespace"]),
            gateway_selector_given=args["gateway_selector"] is not None,
            kubeconfig=args["kubeconfig"],
            context=args["context"],
            request_timeout=args["request_timeout"],
            apply=apply,
            dry_run=args["dry_run"] is DryRun.server,
            force_conflicts=args["force_conflicts"],
            allow_partial=args["allow_partial"],
            namespace_from_context=use_context,
            selector=args["selector"] or None,
            as_user=args["as_user"] or None,
            as_groups=tuple(args["as_group"] or ()),
            log_requests=args["verbosity"] >= 6,
        )
        check_namespace(request.namespace)
        kit.preflight()  # an unreachable gateway stops the run before anything is read or applied
        progress = terminal_progress()
        try:
            outcome = run(request, progress, notice=_notice)
        finally:
            _clear_progress(progress)
        kit.before_reports(outcome.result)  # after the apply: the smoke test probes what was applied
        _write_outputs(outcome.result, args)
        _print_preflight(outcome.cluster_findings)
        for line in _apply_lines(outcome, request.dry_run):
            sys.stderr.write(line + "\n")
        sys.stderr.write(f"kubectl-meshify: {outcome.requests} API requests to {outcome.server}\n")
        code = exit_code(outcome.result, asked)
        if outcome.left_out:
            code = ExitCode.FAILED  # asked to apply, and not everything was
        return finish(outcome.result, code)

    run_guarded(run)


def _notice(line: str) -> None:
    sys.stderr.write(line + "\n")


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


def _apply_lines(outcome: ClusterRun, dry_run: bool) -> list[str]:
    """What --apply did, one line each."""
    from kubectl_meshify.cluster.apply_scope import LEFT_OUT_CODE

    applied, left_out = outcome.applied, outcome.left_out
    if applied is None or outcome.scope is None:
        return []
    lines = [str(a) for a in applied.applied]
    lines += [
        f"kept: {kept}: ingress-shim's Certificate, left as it is; see CERT_MANAGER_KEPT_CERTIFICATE"
        for kept in applied.kept
    ]
    counts = ", ".join(
        f"{applied.count(a)} {a}" for a in ("created", "configured", "unchanged") if applied.count(a)
    )
    suffix = " (server dry run: nothing was stored)" if dry_run else ""
    lines.append(f"applied {len(applied.applied)} objects: {counts or 'none'}{suffix}")
    lines += [f"not applied: Ingress {key}: {why}" for key, why in left_out.items()]
    if left_out:
        lines.append(
            f"{len(left_out)} Ingress{'es' if len(left_out) != 1 else ''} left out of the apply"
            f" ({len(outcome.scope.held)} objects); review them, then re-run with --allow-partial [{LEFT_OUT_CODE}]"
        )
    return lines


def _write_outputs(result: MigrationResult, args: dict[str, Any]) -> None:
    from kubectl_meshify.cli.summary import write_summary
    from kubectl_meshify.collisions import check_writes
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.output import render
    from kubectl_meshify.report.outputs import REPORT_HTML, ReportPaths, render_reports

    out_dir, output = args["out_dir"], args["output"].value
    reports = ReportPaths(args["report"], args["report_json"], args["report_html"])
    files: dict[str, str] = {}
    if out_dir is not None:
        files = per_namespace_files(result.objects, output, out_dir)
        reports.markdown = reports.markdown or _join(out_dir, REPORT_MD)
        reports.json = reports.json or _join(out_dir, REPORT_JSON)
        reports.html = reports.html or _join(out_dir, REPORT_HTML)
    result.run.script_dir = out_dir
    texts: dict[str, tuple[str, int | None]] = {path: (text, None) for path, text in files.items()}
    texts.update(render_reports(result, reports))
    named = {reports.markdown: "--report", reports.json: "--report-json", reports.html: "--report-html"}
    check_writes([(path, named.get(path, "--out-dir"), None) for path in texts])
    for path, (text, mode) in texts.items():
        write_atomic(path, text, mode)
    if out_dir is None:
        sys.stdout.write(render(result.objects, output))
        sys.stdout.flush()
    else:
        sys.stderr.write(f"wrote {len(files)} namespace file{'s' if len(files) != 1 else ''} to {out_dir}\n")
    write_summary(result, reports.written())


def _join(directory: str, name: str) -> str:
    """`directory/name` as typed (`./out` stays `./out`, where Path would drop the `./`)."""
    return directory.rstrip("/") + "/" + name if directory.rstrip("/") else "/" + name


def per_namespace_files(objects: list[dict[str, Any]], output: str, out_dir: str) -> dict[str, str]:
    """`DIR/<namespace>.yaml` (or `.json` with -o json) holding each namespace's converted objects."""
    from kubectl_meshify.cluster.run import NAMESPACE_NAME
    from kubectl_meshify.output import render

    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        namespace = str((obj.get("metadata") or {}).get("namespace") or "")
        # Namespace names are DNS labels, so every path stays inside DIR.
        if not NAMESPACE_NAME.fullmatch(namespace):
            namespace = "_cluster"
        by_namespace.setdefault(namespace, []).append(obj)
    suffix = ".json" if output == "json" else ".yaml"
    return {
        str(Path(out_dir) / f"{namespace}{suffix}"): render(items, output)
        for namespace, items in sorted(by_namespace.items())
    }


def _print_preflight(findings: list[Finding]) -> None:
    """One stderr line per warning/error code, with the first case; the report has them all."""
    from kubectl_meshify.findings import Severity

    shown: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity is not Severity.INFO:
            shown.setdefault(f.code, []).append(f)
    for code, group in shown.items():
        more = f" (and {len(group) - 1} more)" if len(group) > 1 else ""
        colour = "red" if group[0].severity is Severity.ERROR else "yellow"
        label = paint(f"preflight {group[0].severity.value}:", colour)
        sys.stderr.write(f"{label} {group[0].message}{more} [{code}]\n")
