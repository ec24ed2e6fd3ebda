"""Option declarations, each written once and shared by the commands that take it (CLI.md "Options
common to every converting command"), and the checks that turn their values into `Options`.

`ns` and `all` take the same cluster options: `cluster_options` declares them once and `with_options`
gives a command those parameters as if it had declared them itself (typer reads a command's signature).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from kubectl_meshify.errors import UsageError
from kubectl_meshify.options import DEFAULT_NGINX_PREFIX, Options
from kubectl_meshify.smoke.flags import DEFAULT_TIMEOUT as DEFAULT_SMOKE_TIMEOUT


# Completion of values from the cluster and the kubeconfig (imported only when completing).
def complete_namespaces(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster.complete import namespaces

    return namespaces(ctx.params, incomplete)


def complete_contexts(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster.complete import contexts

    return contexts(ctx.params, incomplete)


def complete_gateways(ctx: typer.Context, incomplete: str) -> list[str]:
    from kubectl_meshify.cluster.complete import gateways

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
    typer.Option(
        "--strict",
        help="Exit 1 when anything is approximated, unsupported, unknown, partial or failed (prints each match).",
    ),
]
ReportHtmlOpt = Annotated[
    str | None,
    typer.Option("--report-html", metavar="FILE", help="Write the HTML report (one self-contained file)."),
]
FailOnOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="LIST",
        help="Exit 1 when a finding matches a code, severity or verdict in LIST (e.g. unsupported,unknown,error);"
        " each match is printed on stderr.",
    ),
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
        autocompletion=complete_gateways,
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


KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."
    ),
]
ContextOpt = Annotated[
    str | None,
    typer.Option(
        "--context", metavar="NAME", help="kubeconfig context to use.", autocompletion=complete_contexts
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


# The cut-over kit (smoke/, cutover.py): the same on `file`, `ns` and `all`.
SmokeOpt = Annotated[
    str | None,
    typer.Option(
        "--smoke",
        metavar="URL",
        help="Send the behaviour check's HTTP probes to the Istio gateway at http://ADDRESS[:PORT] and judge them.",
    ),
]
SmokeHttpsOpt = Annotated[
    str | None,
    typer.Option(
        "--smoke-https",
        metavar="URL",
        help="Send the HTTPS probes to https://ADDRESS[:PORT] (SNI: the probe's host).",
    ),
]
SmokeInsecureOpt = Annotated[
    bool,
    typer.Option("--smoke-insecure", help="With --smoke-https: do not verify the gateway's certificates."),
]
SmokeTimeoutOpt = Annotated[
    float,
    typer.Option("--smoke-timeout", metavar="SECONDS", help="Longest wait for one smoke request."),
]
SmokeCompareOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--smoke-compare",
        metavar="URL",
        help="Also send every probe to the old ingress-nginx at URL and compare the answers"
        " (an http:// URL takes the HTTP probes, an https:// URL the HTTPS ones; repeatable).",
    ),
]
TraceRoutesOpt = Annotated[
    bool,
    typer.Option(
        "--trace-routes",
        help="Every generated HTTP route answers with x-meshify-route: NS/VIRTUALSERVICE/ROUTE (cut-over only).",
    ),
]


def cluster_options(
    output: OutputOpt = OutputFormat.yaml,
    out_dir: OutDirOpt = None,
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
    smoke: SmokeOpt = None,
    smoke_https: SmokeHttpsOpt = None,
    smoke_insecure: SmokeInsecureOpt = False,
    smoke_timeout: SmokeTimeoutOpt = DEFAULT_SMOKE_TIMEOUT,
    smoke_compare: SmokeCompareOpt = None,
    trace_routes: TraceRoutesOpt = False,
) -> None:
    """The options of `ns` and `all`, in their --help order (a declaration only: never called)."""


def with_options(shared: Callable[..., None]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the parameters of `shared` after its own; they reach it as keyword arguments."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        parameters = own + list(inspect.signature(shared, eval_str=True).parameters.values())

        @functools.wraps(command)
        def run(**values: Any) -> None:
            command(**values)

        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run

    return decorate


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
