"""`kubectl meshify ns [NAMESPACE]`: convert the Ingresses of one namespace of the current cluster."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kubectl_meshify.cli.app import run_guarded
from kubectl_meshify.cli.cluster import run_cluster_command
from kubectl_meshify.cli.options import cluster_options, complete_namespaces, with_options
from kubectl_meshify.errors import UsageError


@with_options(cluster_options)
def ns_cmd(
    ctx: typer.Context,
    namespace: Annotated[
        str | None,
        typer.Argument(
            metavar="[NAMESPACE]",
            help="Namespace whose Ingresses to convert (default: the kubeconfig context's).",
            autocompletion=complete_namespaces,
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
            autocompletion=complete_namespaces,
        ),
    ] = None,
    **shared: Any,
) -> None:
    """Convert the Ingresses of one namespace of the current cluster (nothing changes without --apply)."""
    if namespace and namespace_flag and namespace != namespace_flag:
        message = f"namespace {namespace!r} and -n {namespace_flag!r} differ: give one"

        def refuse() -> Any:
            raise UsageError(message)

        run_guarded(refuse)
    run_cluster_command(ctx, namespace or namespace_flag, all_namespaces, shared, from_context=True)
