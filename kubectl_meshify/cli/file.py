"""`kubectl meshify file PATH...`: convert manifest files to a stream on stdout, or rewrite them (GitOps
mode, --out-dir/--in-place), then write the reports."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from kubectl_meshify.cli.app import run_guarded
from kubectl_meshify.cli.options import (
    ApiVersionOpt,
    ClusterDomainOpt,
    DefaultCertificateOpt,
    GatewayNamespaceOpt,
    GatewayOpt,
    GatewaySelectorOpt,
    IngressClassOpt,
    NginxPrefixOpt,
    NoVerifyOpt,
    OutputFormat,
    OutputOpt,
    ReportJsonOpt,
    ReportOpt,
    StrictOpt,
    build_options,
    complete_namespaces,
)
from kubectl_meshify.cli.term import paint
from kubectl_meshify.errors import ExitCode, UsageError
from kubectl_meshify.options import DEFAULT_NGINX_PREFIX, Options

if TYPE_CHECKING:  # imported lazily at run time: startup stays fast
    from kubectl_meshify.findings import Finding
    from kubectl_meshify.gitops.write import TreeOptions
    from kubectl_meshify.resources import ResourceSet
    from kubectl_meshify.result import MigrationResult
    from kubectl_meshify.sources.files import SourceFile


def file_cmd(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH...", help="Files, directories, or - for stdin.")
    ],
    output: OutputOpt = OutputFormat.yaml,
    report: ReportOpt = None,
    report_json: ReportJsonOpt = None,
    strict: StrictOpt = False,
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
) -> None:
    """Convert the Ingresses in manifest files (YAML or JSON; directories are read recursively)."""
    from kubectl_meshify.sources import skipped_inputs
    from kubectl_meshify.sources.files import read_resources

    def run() -> ExitCode:
        import gc

        # Reading a tree makes millions of small objects and few cycles: with the default thresholds the
        # collector's full passes grow with the heap (30% of a 4 MB run, more on larger trees).
        gc.set_threshold(100_000, 50, 100)
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
        resources, sources = read_resources(
            paths, default_namespace=namespace, exclude=out_dir, globs=exclude or ()
        )
        skipped = skipped_inputs.findings(sources)
        skipped_inputs.warn(skipped)
        if tree is not None:
            return convert_tree(
                resources, sources, paths, options, tree, report, report_json, strict, input_findings=skipped
            )
        return convert_and_write(
            resources, options, output.value, report, report_json, strict, input_findings=skipped
        )

    run_guarded(run)


def convert_and_write(
    resources: object,
    options: Options,
    output: str,
    report: str | None,
    report_json: str | None,
    strict: bool,
    input_findings: list[Finding] | None = None,
) -> ExitCode:
    """Run the pipeline on `resources`, write reports, print the stream and a summary."""
    from kubectl_meshify.cli.summary import write_summary
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.output import render
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report import to_json_text, to_markdown
    from kubectl_meshify.resources import ResourceSet

    assert isinstance(resources, ResourceSet)
    result = migrate(resources, options)
    _add_input_findings(result, input_findings)
    stream = render(result.objects, output)
    if report:
        write_atomic(report, to_markdown(result))
    if report_json:
        write_atomic(report_json, to_json_text(result))
    sys.stdout.write(stream)
    sys.stdout.flush()
    write_summary(result, report, report_json)
    return result.exit_code(strict)


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
    report: str | None,
    report_json: str | None,
    strict: bool,
    input_findings: list[Finding] | None = None,
) -> ExitCode:
    """GitOps mode: rewrite the files (under --out-dir or in place), then write the reports."""
    import os

    from kubectl_meshify.cli.summary import write_summary
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.gitops import write
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report import to_json_text, to_markdown

    result = migrate(resources, options)
    _add_input_findings(result, input_findings)
    tree.report = report or (
        os.path.join(tree.out_dir, write.REPORT_MD) if tree.out_dir is not None else None
    )
    outputs = write.plan(result, sources, paths, tree)
    if tree.out_dir is not None:
        taken = {os.path.realpath(o.target): o.source.path for o in outputs}
        for name, given in ((write.REPORT_MD, report), (write.REPORT_JSON, report_json)):
            path = os.path.join(tree.out_dir, name)
            if given is None and os.path.realpath(path) in taken:
                raise UsageError(
                    f"{path} is also the output for {taken[os.path.realpath(path)]}; name the report with"
                    f" {'--report' if name == write.REPORT_MD else '--report-json'}"
                )
        report = report or os.path.join(tree.out_dir, write.REPORT_MD)
        report_json = report_json or os.path.join(tree.out_dir, write.REPORT_JSON)
    write.write(outputs, tree)
    counts = {s: sum(1 for o in outputs if o.status is s) for s in write.FileStatus}
    # The files are written: their old and new text need not be held while the reports are built.
    del outputs
    sources.clear()
    if report:
        write_atomic(report, to_markdown(result))
    if report_json:
        write_atomic(report_json, to_json_text(result))
    write_summary(result, report, report_json)
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
    return result.exit_code(strict)


def _add_input_findings(result: MigrationResult, found: list[Finding] | None) -> None:
    """Run-wide findings about the inputs (skipped files), in the JSON report and their own section."""
    if found:
        result.run_findings.extend(found)
        result.skipped_inputs = list(found)
