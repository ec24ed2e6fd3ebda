"""`kubectl meshify file PATH...`: convert manifest files to a stream on stdout, or rewrite them (GitOps
mode, --out-dir/--in-place), then write the reports."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_meshify.cli.app import run_guarded
from kubectl_meshify.cli.cutover import cutover_kit
from kubectl_meshify.cli.options import (
    ApiVersionOpt,
    ClusterDomainOpt,
    DefaultCertificateOpt,
    FailOnOpt,
    GatewayNamespaceOpt,
    GatewayOpt,
    GatewaySelectorOpt,
    IngressClassOpt,
    NginxPrefixOpt,
    NoVerifyOpt,
    OutputFormat,
    OutputOpt,
    ReportHtmlOpt,
    ReportJsonOpt,
    ReportOpt,
    SmokeCompareOpt,
    SmokeHttpsOpt,
    SmokeInsecureOpt,
    SmokeOpt,
    SmokeTimeoutOpt,
    StrictOpt,
    TraceRoutesOpt,
    build_options,
    complete_namespaces,
)
from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode, UsageError
from kubectl_meshify.options import DEFAULT_NGINX_PREFIX, Options
from kubectl_meshify.smoke.flags import DEFAULT_TIMEOUT as DEFAULT_SMOKE_TIMEOUT

if TYPE_CHECKING:  # imported lazily at run time: startup stays fast
    from kubectl_meshify.cutover import CutoverKit
    from kubectl_meshify.fail_on import Gate
    from kubectl_meshify.findings import Finding
    from kubectl_meshify.gitops.write import TreeOptions
    from kubectl_meshify.report.outputs import ReportPaths
    from kubectl_meshify.resources import ResourceSet
    from kubectl_meshify.result import MigrationResult
    from kubectl_meshify.sources.files import SourceFile


def file_cmd(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH...", help="Files, directories, or - for stdin.")
    ],
    output: OutputOpt = OutputFormat.yaml,
    report: ReportOpt = None,
    report_json: ReportJsonOpt = None,
    report_html: ReportHtmlOpt = None,
    strict: StrictOpt = False,
    fail_on: FailOnOpt = None,
    api_version: ApiVersionOpt = None,
    gateway: GatewayOpt = None,
    gateway_namespace: GatewayNamespaceOpt = None,
    gateway_selector: GatewaySelectorOpt = None,
    ingress_class: IngressClassOpt = None,
    default_ssl_certificate: DefaultCertificateOpt = None,
    cluster_domain: ClusterDomainOpt = "cluster.local",
    namespace: Annotated[
        str,
        typer.Option(
            "-n",
            "--namespace",
            help="Namespace for documents that have none.",
            autocompletion=complete_namespaces,
        ),
    ] = "default",
    nginx_annotation_prefix: NginxPrefixOpt = DEFAULT_NGINX_PREFIX,
    out_dir: Annotated[
        str | None,
        typer.Option(
            "--out-dir",
            metavar="DIR",
            help="Write each input file under DIR with every Ingress replaced by its Istio documents.",
        ),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Rewrite the input files themselves, each atomically.")
    ] = False,
    keep_ingress: Annotated[
        bool,
        typer.Option(
            "--keep-ingress", help="With --out-dir/--in-place: keep each Ingress, Istio documents after it."
        ),
    ] = False,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="Leave matching paths out of a directory walk (repeatable; a name, or a path with /).",
        ),
    ] = None,
    no_verify: NoVerifyOpt = False,
    smoke: SmokeOpt = None,
    smoke_https: SmokeHttpsOpt = None,
    smoke_insecure: SmokeInsecureOpt = False,
    smoke_timeout: SmokeTimeoutOpt = DEFAULT_SMOKE_TIMEOUT,
    smoke_compare: SmokeCompareOpt = None,
    trace_routes: TraceRoutesOpt = False,
) -> None:
    """Convert the Ingresses in manifest files (YAML or JSON; directories are read recursively)."""
    from kubectl_meshify import collisions
    from kubectl_meshify.fail_on import gates
    from kubectl_meshify.gitops.write import STDIN_SHOWN
    from kubectl_meshify.report.outputs import ReportPaths
    from kubectl_meshify.sources import skipped_inputs
    from kubectl_meshify.sources.files import read_resources

    def run() -> ExitCode:
        import gc

        # Reading a tree makes millions of small objects and few cycles (a few hundred in a 4 MB run): with
        # the default thresholds the collector's passes grow with the heap (30% of a 4 MB run, more on
        # larger trees), and at 100,000 still 5% (0.13 s); at 1,000,000 they cost nothing measurable and
        # the peak memory is the same.
        gc.set_threshold(1_000_000, 50, 100)
        tree = _tree_options(paths, out_dir, in_place, keep_ingress)
        options = build_options(
            api_version,
            gateway,
            gateway_namespace,
            gateway_selector,
            ingress_class,
            cluster_domain,
            nginx_annotation_prefix,
            default_namespace=namespace,
            default_ssl_certificate=default_ssl_certificate,
        )
        options.verify = not no_verify
        asked = gates(strict, fail_on)
        collisions.check_trees(
            paths,
            out_dir,
            {"--report": report, "--report-json": report_json, "--report-html": report_html},
            exclude or (),
        )
        options.trace_routes = trace_routes
        kit = cutover_kit(ctx, "file", smoke, smoke_https, smoke_insecure, smoke_timeout, smoke_compare)
        kit.preflight()
        resources, sources = read_resources(paths, default_namespace=namespace, globs=exclude or ())
        collisions.remember_read(s.path for s in sources if s.path != STDIN_SHOWN)
        skipped = skipped_inputs.findings(sources)
        skipped_inputs.warn(skipped)
        reports = ReportPaths(markdown=report, json=report_json, html=report_html)
        if tree is not None:
            return convert_tree(
                resources, sources, paths, options, tree, reports, asked, input_findings=skipped, kit=kit
            )
        return convert_and_write(
            resources, options, output.value, reports, asked, paths, input_findings=skipped, kit=kit
        )

    run_guarded(run)


def convert_and_write(
    resources: object,
    options: Options,
    output: str,
    reports: ReportPaths,
    asked: list[Gate],
    paths: list[str],
    input_findings: list[Finding] | None = None,
    kit: CutoverKit | None = None,
) -> ExitCode:
    """Run the pipeline on `resources`, write reports, print the stream and a summary."""
    from kubectl_meshify.cli.cutover import finish
    from kubectl_meshify.cli.gates import exit_code
    from kubectl_meshify.cli.summary import write_summary
    from kubectl_meshify.collisions import check_writes
    from kubectl_meshify.output import render
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report.outputs import report_outputs, set_run_info, write_reports
    from kubectl_meshify.resources import ResourceSet

    assert isinstance(resources, ResourceSet)
    result = migrate(resources, options)
    _add_input_findings(result, input_findings)
    set_run_info(result, sources=paths)
    if kit is not None:
        kit.before_reports(result)
    resources.release_services()
    stream = render(result.objects, output)
    outputs = report_outputs(result, reports)
    check_writes([(path, _what(path, reports), None) for path, _, _ in outputs])
    write_reports(outputs)
    sys.stdout.write(stream)
    sys.stdout.flush()
    write_summary(result, reports.written())
    return finish(result, exit_code(result, asked))


def _tree_options(
    paths: list[str], out_dir: str | None, in_place: bool, keep_ingress: bool
) -> TreeOptions | None:
    """GitOps mode options (None for the stdout stream), with their checks."""
    from kubectl_meshify.gitops.write import TreeOptions

    if out_dir is not None and in_place:
        raise UsageError("--out-dir and --in-place exclude each other")
    if in_place and "-" in paths:
        raise UsageError("--in-place cannot rewrite stdin; use --out-dir DIR, or give files")
    if keep_ingress and out_dir is None and not in_place:
        raise UsageError("--keep-ingress needs --out-dir DIR or --in-place")
    if out_dir is None and not in_place:
        return None
    return TreeOptions(out_dir=out_dir, in_place=in_place, keep_ingress=keep_ingress)


def convert_tree(
    resources: ResourceSet,
    sources: list[SourceFile],
    paths: list[str],
    options: Options,
    tree: TreeOptions,
    reports: ReportPaths,
    asked: list[Gate],
    input_findings: list[Finding] | None = None,
    kit: CutoverKit | None = None,
) -> ExitCode:
    """GitOps mode: rewrite the files (under --out-dir or in place), then write the reports."""
    import os

    from kubectl_meshify.cli.cutover import finish
    from kubectl_meshify.cli.gates import exit_code
    from kubectl_meshify.cli.summary import write_summary
    from kubectl_meshify.collisions import check_writes
    from kubectl_meshify.gitops import write
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report.outputs import (
        REPORT_HTML,
        ReportPaths,
        report_outputs,
        set_run_info,
        write_reports,
    )

    report, report_json, report_html = reports.markdown, reports.json, reports.html
    result = migrate(resources, options)
    _add_input_findings(result, input_findings)
    set_run_info(result, sources=paths, script_dir=tree.out_dir)
    if kit is not None:
        kit.before_reports(result)
    resources.release_services()
    tree.report = report or (
        os.path.join(tree.out_dir, write.REPORT_MD) if tree.out_dir is not None else None
    )
    outputs = write.plan(result, sources, paths, tree)
    if tree.out_dir is not None:
        taken = {os.path.realpath(o.target): o.source.path for o in outputs}
        for name, given, option in (
            (write.REPORT_MD, report, "--report"),
            (write.REPORT_JSON, report_json, "--report-json"),
            (REPORT_HTML, report_html, "--report-html"),
        ):
            path = os.path.join(tree.out_dir, name)
            if given is None and os.path.realpath(path) in taken:
                raise UsageError(
                    f"{path} is also the output for {taken[os.path.realpath(path)]}; name the report with {option}"
                )
        report = report or os.path.join(tree.out_dir, write.REPORT_MD)
        report_json = report_json or os.path.join(tree.out_dir, write.REPORT_JSON)
        report_html = report_html or os.path.join(tree.out_dir, REPORT_HTML)
    check_writes(
        [
            (o.target, f"the output for {o.source.path}", o.source.path if tree.in_place else None)
            for o in outputs
        ]
        + [
            (report, "--report", None),
            (report_json, "--report-json", None),
            (report_html, "--report-html", None),
        ]
    )
    write.write(outputs, tree)
    counts = {s: sum(1 for o in outputs if o.status is s) for s in write.FileStatus}
    # The files are written: their old and new text need not be held while the reports are built.
    del outputs
    sources.clear()
    write_reports(report_outputs(result, ReportPaths(report, report_json, report_html)))
    write_summary(result, [p for p in (report, report_json, report_html) if p])
    where = "in place" if tree.in_place else f"under {tree.out_dir}"
    sys.stderr.write(
        f"files: {counts[write.FileStatus.REWRITTEN]} rewritten, {counts[write.FileStatus.NO_INGRESS]}"
        f" without an Ingress, {counts[write.FileStatus.UNCHANGED]} with nothing to change"
        + (f", {counts[write.FileStatus.SKIPPED]} skipped" if counts[write.FileStatus.SKIPPED] else "")
        + f" ({where}).\n"
    )
    earlier = sum(1 for f in result.run_findings if f.code == "GITOPS_EARLIER_OUTPUT")
    if earlier:
        sys.stderr.write(
            f"{paint('warning:', 'yellow')} {earlier} object(s) generated by an earlier run are in the inputs and are written again;"
            " see GITOPS_EARLIER_OUTPUT in the report.\n"
        )
    return finish(result, exit_code(result, asked))


def _what(path: str, reports: ReportPaths) -> str:
    """The option that names `path`, for messages."""
    named = {reports.markdown: "--report", reports.json: "--report-json", reports.html: "--report-html"}
    return named.get(path, f"the batch script {path}")


def _add_input_findings(result: MigrationResult, found: list[Finding] | None) -> None:
    """Run-wide findings about the inputs (skipped files, documents not read), in the JSON report and their
    own sections."""
    from kubectl_meshify.sources.skipped_inputs import DOCUMENT_CODE

    if found:
        result.run_findings.extend(found)
        result.skipped_inputs = [f for f in found if f.code != DOCUMENT_CODE]
        result.invalid_documents = [f for f in found if f.code == DOCUMENT_CODE]
