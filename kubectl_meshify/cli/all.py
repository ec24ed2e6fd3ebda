"""`kubectl meshify all`: convert the Ingresses of every namespace of the current cluster."""

from __future__ import annotations

from typing import Any

import typer

from kubectl_meshify.cli.cluster import run_cluster_command
from kubectl_meshify.cli.options import cluster_options, with_options


@with_options(cluster_options)
def all_cmd(ctx: typer.Context, **shared: Any) -> None:
    """Convert the Ingresses of every namespace of the current cluster (nothing changes without --apply)."""
    run_cluster_command(ctx, None, True, shared)
