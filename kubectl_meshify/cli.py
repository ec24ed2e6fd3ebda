"""The `kubectl meshify` command line: parse options, call the pipeline, render, exit.

Nothing here translates; the kubernetes client is never imported at startup (it costs ~0.4 s).
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from kubectl_meshify import __version__
from kubectl_meshify.errors import ExitCode, MeshifyError, UsageError
from kubectl_meshify.flagforms import FlagError, kubectl_flag_forms
from kubectl_meshify.options import DEFAULT_NGINX_PREFIX, Options
from kubectl_meshify.term import paint

if TYPE_CHECKING:  # imported lazily at run time: startup stays fast
    from kubectl_meshify.findings import Finding
    from kubectl_meshify.pipeline import MigrationResult
    from kubectl_meshify.resources import ResourceSet
    from kubectl_meshify.sources.files import SourceFile
    from kubectl_meshify.write import TreeOptions

app = typer.Typer(
    name="kubectl meshify",
    help="Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class KubectlCommand(TyperCommand):
    """A command that also takes kubectl's `-o=yaml`, `-n=shop` and `--strict=true` forms."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            args = kubectl_flag_forms(args, [p for p in self.params if hasattr(p, "is_flag")])
        except FlagError as err:
            raise typer.BadParameter(str(err), ctx=ctx) from None
        return super().parse_args(ctx, args)


# Completion of values from the cluster and the kubeconfig (imported only when completing).
def _complete_namespaces(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster_complete import namespaces

    return namespaces(ctx.params, incomplete)


def _complete_contexts(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster_complete import contexts

    return contexts(ctx.params, incomplete)


def _complete_gateways(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster_complete import gateways

    return gateways(ctx.params, incomplete)


class OutputFormat(StrEnum):
    yaml = "yaml"
    json = "json"


class ApiVersion(StrEnum):
    v1 = "v1"
    v1beta1 = "v1beta1"
    v1alpha3 = "v1alpha3"


# Options shared by every converting command (CLI.md "Options common to every converting command").
OutputOpt = Annotated[OutputFormat, typer.Option("-o", "--output", help="Format of the stream on stdout.")]
ReportOpt = Annotated[str | None, typer.Option("--report", metavar="FILE", help="Write the Markdown report.")]
ReportJsonOpt = Annotated[
    str | None,
    typer.Option("--report-json", metavar="FILE", help="Write the JSON report (machine-readable, for CI)."),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Exit 1 when anything is approximated, unsupported, unknown or failed."),
]
ApiVersionOpt = Annotated[
    ApiVersion | None,
    typer.Option("--api-version", help="networking.istio.io version to emit (default v1)."),
]
GatewayOpt = Annotated[
    str | None,
    typer.Option(
        "--gateway",
        metavar="NAMESPACE/NAME",
        help="Bind to this existing Gateway; generate none.",
        autocompletion=_complete_gateways,
    ),
]
GatewayNamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "--gateway-namespace", metavar="NS", help="Namespace of the ingress gateway (istio-system)."
    ),
]
GatewaySelectorOpt = Annotated[
    str | None,
    typer.Option("--gateway-selector", metavar="KEY=VALUE", help="Selector of generated Gateways."),
]
DefaultCertificateOpt = Annotated[
    str | None,
    typer.Option(
        "--default-ssl-certificate",
        metavar="NAMESPACE/SECRET",
        help="The secret ingress-nginx served as its default certificate (its flag of that name).",
    ),
]
IngressClassOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ingress-class",
        metavar="NAME",
        help="Convert only Ingresses of this class (repeatable, * for all; default: nginx and istio).",
    ),
]
ClusterDomainOpt = Annotated[
    str, typer.Option("--cluster-domain", metavar="DOMAIN", help="Suffix of fully qualified service hosts.")
]
NginxPrefixOpt = Annotated[
    str,
    typer.Option("--nginx-annotation-prefix", metavar="PREFIX", help="ingress-nginx annotation prefix."),
]


NoVerifyOpt = Annotated[
    bool,
    typer.Option(
        "--no-verify", help="Skip the behaviour check (probing routes under both controllers' semantics)."
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kubectl-meshify {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Convert Kubernetes Ingresses into equivalent Istio configuration, with a migration report."""


@app.command("version")
def version_cmd() -> None:
    """Print the version of the plugin."""
    typer.echo(f"kubectl-meshify {__version__}")


@app.command("file", cls=KubectlCommand)
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
            autocompletion=_complete_namespaces,
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
    from kubectl_meshify import skipped_inputs
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

    _run_guarded(run)


# --- cluster commands (ns, all) --------------------------------------------------------------------

KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."
    ),
]
ContextOpt = Annotated[
    str | None,
    typer.Option(
        "--context", metavar="NAME", help="kubeconfig context to use.", autocompletion=_complete_contexts
    ),
]
SelectorOpt = Annotated[
    str | None,
    typer.Option(
        "-l",
        "--selector",
        metavar="SELECTOR",
        help="Only Ingresses with these labels (key=value,key!=value,...); what they need is still read.",
    ),
]
AsOpt = Annotated[
    str | None, typer.Option("--as", metavar="USER", help="Impersonate this user (kubectl's --as).")
]
AsGroupOpt = Annotated[
    list[str] | None,
    typer.Option("--as-group", metavar="GROUP", help="Impersonate this group too (repeatable; needs --as)."),
]
VerbosityOpt = Annotated[
    int,
    typer.Option("-v", "--v", metavar="LEVEL", help="Log level: 6 or more logs every API request on stderr."),
]
RequestTimeoutOpt = Annotated[
    str | None,
    typer.Option(
        "--request-timeout",
        metavar="DURATION",
        help="Longest wait for one API request, e.g. 30s, 2m (default 30s; 0 waits forever).",
    ),
]
ApplyOpt = Annotated[
    bool,
    typer.Option(
        "--apply", help="Create or update the Istio resources by server-side apply (never Ingresses)."
    ),
]


class DryRun(StrEnum):
    none = "none"
    server = "server"


DryRunOpt = Annotated[
    DryRun,
    typer.Option(
        "--dry-run", help="With --apply: server sends every write with dryRun=All (nothing is stored)."
    ),
]
ForceConflictsOpt = Annotated[
    bool,
    typer.Option("--force-conflicts", help="With --apply: take over objects and fields other managers own."),
]
AllowPartialOpt = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="With --apply: also apply Ingresses converted only partially (otherwise left out, exit 1).",
    ),
]
OutDirOpt = Annotated[
    str | None,
    typer.Option("--out-dir", metavar="DIR", help="Write one file per namespace, and the reports, into DIR."),
]


@app.command("ns", cls=KubectlCommand)
def ns_cmd(
    namespace: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAMESPACE]",
            help="Namespace whose Ingresses to convert (default: the kubeconfig context's).",
            autocompletion=_complete_namespaces,
        ),
    ] = None,
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="Every namespace (same as `all`).")
    ] = False,
    namespace_flag: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--namespace",
            metavar="NS",
            help="The namespace, kubectl style.",
            autocompletion=_complete_namespaces,
        ),
    ] = None,
    output: OutputOpt = OutputFormat.yaml,
    out_dir: OutDirOpt = None,
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
    nginx_annotation_prefix: NginxPrefixOpt = DEFAULT_NGINX_PREFIX,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = None,
    apply: ApplyOpt = False,
    dry_run: DryRunOpt = DryRun.none,
    force_conflicts: ForceConflictsOpt = False,
    allow_partial: AllowPartialOpt = False,
    no_verify: NoVerifyOpt = False,
    selector: SelectorOpt = None,
    as_user: AsOpt = None,
    as_group: AsGroupOpt = None,
    verbosity: VerbosityOpt = 0,
) -> None:
    """Convert the Ingresses of one namespace of the current cluster (nothing changes without --apply)."""
    if namespace and namespace_flag and namespace != namespace_flag:
        _run_guarded(lambda: _usage(f"namespace {namespace!r} and -n {namespace_flag!r} differ: give one"))
    _cluster(namespace or namespace_flag, all_namespaces, **_shared_options(locals()), from_context=True)


@app.command("all", cls=KubectlCommand)
def all_cmd(
    output: OutputOpt = OutputFormat.yaml,
    out_dir: OutDirOpt = None,
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
    nginx_annotation_prefix: NginxPrefixOpt = DEFAULT_NGINX_PREFIX,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    request_timeout: RequestTimeoutOpt = None,
    apply: ApplyOpt = False,
    dry_run: DryRunOpt = DryRun.none,
    force_conflicts: ForceConflictsOpt = False,
    allow_partial: AllowPartialOpt = False,
    no_verify: NoVerifyOpt = False,
    selector: SelectorOpt = None,
    as_user: AsOpt = None,
    as_group: AsGroupOpt = None,
    verbosity: VerbosityOpt = 0,
) -> None:
    """Convert the Ingresses of every namespace of the current cluster (nothing changes without --apply)."""
    _cluster(None, True, **_shared_options(locals()))


# Parameters of `ns` that choose the namespace; every other parameter is passed on to `_cluster` as it is.
_NAMESPACE_PARAMETERS = {"namespace", "all_namespaces", "namespace_flag"}


def _shared_options(values: dict[str, Any]) -> dict[str, Any]:
    """The options `ns` and `all` share (typer needs each command to declare them), by name."""
    return {key: value for key, value in values.items() if key not in _NAMESPACE_PARAMETERS}


def _usage(message: str) -> ExitCode:
    raise UsageError(message)


def _cluster(
    namespace: str | None,
    all_namespaces: bool,
    *,
    output: OutputFormat,
    out_dir: str | None,
    report: str | None,
    report_json: str | None,
    strict: bool,
    api_version: ApiVersion | None,
    gateway: str | None,
    gateway_namespace: str | None,
    gateway_selector: str | None,
    ingress_class: list[str] | None,
    cluster_domain: str,
    nginx_annotation_prefix: str,
    kubeconfig: str | None,
    default_ssl_certificate: str | None = None,
    context: str | None,
    request_timeout: str | None,
    apply: bool,
    dry_run: DryRun,
    force_conflicts: bool,
    allow_partial: bool = False,
    no_verify: bool = False,
    selector: str | None = None,
    as_user: str | None = None,
    as_group: list[str] | None = None,
    verbosity: int = 0,
    from_context: bool = False,
) -> None:
    """The shared body of `ns` and `all`; the cluster work itself is in cluster_cli.py.

    `ns` without NAMESPACE or -A (`from_context`) converts the kubeconfig context's namespace, as kubectl does.
    """
    from kubectl_meshify.cluster_cli import ClusterArgs, run_cluster

    def run() -> ExitCode:
        if all_namespaces and namespace is not None:
            raise UsageError("give NAMESPACE or -A")
        use_context = from_context and not all_namespaces and namespace is None
        options = build_options(
            api_version,
            gateway,
            gateway_namespace,
            gateway_selector,
            ingress_class,
            cluster_domain,
            nginx_annotation_prefix,
            default_ssl_certificate=default_ssl_certificate,
        )
        options.verify = not no_verify
        return run_cluster(
            ClusterArgs(
                namespace=None if all_namespaces else namespace,
                options=options,
                api_version_given=api_version is not None,
                gateway_namespace_given=bool(gateway_namespace),
                gateway_selector_given=gateway_selector is not None,
                kubeconfig=kubeconfig,
                context=context,
                request_timeout=request_timeout,
                output=output.value,
                out_dir=out_dir,
                report=report,
                report_json=report_json,
                strict=strict,
                apply=apply,
                dry_run=dry_run.value,
                force_conflicts=force_conflicts,
                allow_partial=allow_partial,
                namespace_from_context=use_context,
                selector=selector or None,
                as_user=as_user or None,
                as_groups=tuple(as_group or ()),
                verbosity=verbosity,
            )
        )

    _run_guarded(run)


def build_options(
    api_version: ApiVersion | None,
    gateway: str | None,
    gateway_namespace: str | None,
    gateway_selector: str | None,
    ingress_classes: list[str] | None,
    cluster_domain: str,
    nginx_annotation_prefix: str,
    default_namespace: str = "default",
    default_ssl_certificate: str | None = None,
) -> Options:
    """Options from command-line values, with their checks (bad values are usage errors)."""
    options = Options(
        cluster_domain=cluster_domain.strip(".") or "cluster.local",
        default_namespace=default_namespace,
        nginx_annotation_prefix=nginx_annotation_prefix,
        ingress_classes=list(ingress_classes or []),
    )
    if api_version is not None:
        options.api_version = api_version.value
    if gateway is not None:
        ns, _, name = gateway.partition("/")
        if not ns or not name or "/" in name:
            raise UsageError(f"--gateway {gateway!r}: expected NAMESPACE/NAME")
        options.gateway = gateway
    if default_ssl_certificate is not None:
        ns, _, name = default_ssl_certificate.partition("/")
        if not ns or not name or "/" in name:
            raise UsageError(
                f"--default-ssl-certificate {default_ssl_certificate!r}: expected NAMESPACE/SECRET"
            )
        options.default_ssl_certificate = (ns, name)
    if gateway_namespace:
        options.gateway_namespace = gateway_namespace
    if gateway_selector is not None:
        selector = {}
        for part in gateway_selector.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--gateway-selector {gateway_selector!r}: expected KEY=VALUE[,KEY=VALUE]")
            selector[key.strip()] = value.strip()
        options.gateway_selector = selector
    return options


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
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.output import render
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report import to_json_text, to_markdown
    from kubectl_meshify.resources import ResourceSet
    from kubectl_meshify.summary import write_summary

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
    from kubectl_meshify.write import TreeOptions

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

    from kubectl_meshify import write
    from kubectl_meshify.fsutil import write_atomic
    from kubectl_meshify.pipeline import migrate
    from kubectl_meshify.report import to_json_text, to_markdown
    from kubectl_meshify.summary import write_summary

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
    from kubectl_meshify import skipped_inputs

    if found:
        result.run_findings.extend(found)
        result.extra.setdefault("summary_md", []).extend(skipped_inputs.report_lines(found))


def _run_guarded(run: object) -> None:
    """Run a command body; user errors become one line on stderr and exit 2, never a traceback."""
    assert callable(run)
    try:
        code = run()
    except MeshifyError as err:
        sys.stderr.write(f"{paint('error:', 'red', 'bold')} {err}\n")
        raise typer.Exit(int(err.exit_code)) from None
    except BrokenPipeError:
        raise typer.Exit(int(ExitCode.OK)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as err:  # a bug: one line for the user; MESHIFY_DEBUG=1 shows the traceback
        if os.environ.get("MESHIFY_DEBUG"):
            raise
        sys.stderr.write(
            f"{paint('error:', 'red', 'bold')} internal error ({type(err).__name__}: {err}); nothing was written."
            " Please report it with the input; MESHIFY_DEBUG=1 shows the traceback.\n"
        )
        raise typer.Exit(int(ExitCode.FAILED)) from None
    raise typer.Exit(int(code))


def main() -> None:
    """Entry point of the `kubectl-meshify` executable; usage lines read `kubectl meshify`."""
    app(prog_name="kubectl meshify", args=sys.argv[1:])
