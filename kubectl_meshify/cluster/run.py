"""A cluster run (`ns`, `all`) as a library call: connect, read, preflight, convert, and apply if asked.

Everything is computed before anything is written: a cluster error leaves the cluster untouched, and the
caller (cli/cluster.py) writes stdout, the out-dir and the reports only once this returns. With `apply`,
the objects are applied before the caller writes anything, so a refused apply writes nothing either.
Nothing here prints; `progress` and `notice` are the caller's.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubectl_meshify.errors import UsageError
from kubectl_meshify.findings import Finding
from kubectl_meshify.options import Options
from kubectl_meshify.result import MigrationResult, RunInfo

if TYPE_CHECKING:  # the modules load lazily, in `run`: the kubernetes client costs ~0.4 s to import
    from kubectl_meshify.cluster.apply import ApplyResult
    from kubectl_meshify.cluster.apply_scope import ApplyScope


@dataclass
class ClusterRequest:
    """What to convert, and how to reach the cluster."""

    namespace: str | None  # None: every namespace, or the context's namespace (namespace_from_context)
    options: Options
    api_version_given: bool
    gateway_namespace_given: bool
    gateway_selector_given: bool
    kubeconfig: str | None = None
    context: str | None = None
    request_timeout: str | None = None
    apply: bool = False
    dry_run: bool = False  # with apply: the server stores nothing
    force_conflicts: bool = False
    allow_partial: bool = False
    namespace_from_context: bool = False  # `ns` without a namespace: kubectl's choice
    selector: str | None = None  # -l: only Ingresses with these labels
    as_user: str | None = None  # --as
    as_groups: tuple[str, ...] = ()  # --as-group
    log_requests: bool = False  # every API request on stderr (-v 6 and up)


@dataclass
class ClusterRun:
    """What a cluster run produced, for the caller to write and tell."""

    result: MigrationResult
    cluster_findings: list[Finding]  # what reading and preflight found (also in result.preflight)
    server: str
    requests: int  # API requests made
    applied: ApplyResult | None = None  # with apply
    scope: ApplyScope | None = None  # with apply: what was ready, what was held back
    left_out: dict[str, str] = field(default_factory=dict)  # Ingress key → why it was not applied


NAMESPACE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def check_namespace(namespace: str | None) -> None:
    if namespace is not None and not NAMESPACE_NAME.fullmatch(namespace):
        raise UsageError(f"invalid namespace name {namespace!r}")


def run(
    request: ClusterRequest,
    progress: Callable[[str], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> ClusterRun:
    """The whole run; `progress` gets short steps, `notice` the lines the user should see (the namespace
    taken from the kubeconfig context)."""
    from kubectl_meshify.cluster import apply_scope
    from kubectl_meshify.cluster.apply import apply_objects
    from kubectl_meshify.cluster.kubeapi import Identity
    from kubectl_meshify.cluster.preflight import (
        Overrides,
        conflict_findings,
        credential_findings,
        run_preflight,
    )
    from kubectl_meshify.cluster.source import Scope, connect, discover, read_cluster
    from kubectl_meshify.pipeline import migrate

    check_namespace(request.namespace)
    options = request.options
    api = connect(
        request.kubeconfig,
        request.context,
        request.request_timeout,
        identity=Identity(request.as_user, tuple(request.as_groups)),
        log=sys.stderr if request.log_requests else None,
    )
    try:
        namespace = request.namespace
        if request.namespace_from_context:
            namespace = api.context_namespace or "default"
            check_namespace(namespace)
            source = f"from {api.where}" if api.context_namespace else f"{api.where} names none"
            if notice is not None:
                notice(f'kubectl-meshify: namespace "{namespace}" ({source})')
        scope = Scope(namespace, request.selector)
        discovery = discover(api)
        resources, read_findings = read_cluster(api, scope, discovery, progress)
        overrides = Overrides(
            api_version=options.api_version if request.api_version_given else None,
            gateway_namespace=options.gateway_namespace if request.gateway_namespace_given else None,
            gateway_selector=dict(options.gateway_selector) if request.gateway_selector_given else None,
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
        result.preflight = cluster_findings
        result.run = RunInfo(cluster={"context": api.context_name, "server": api.server})
        outcome = ClusterRun(result, cluster_findings, api.server, 0)
        if request.apply:
            if progress is not None:
                progress("applying")
            ready = apply_scope.scope(result.records, result.objects, request.allow_partial)
            apply_scope.findings(ready, result.records)
            outcome.scope, outcome.left_out = ready, ready.left_out
            outcome.applied = apply_objects(
                api,
                discovery,
                ready.objects,
                dry_run=request.dry_run,
                force_conflicts=request.force_conflicts,
            )
    finally:
        api.close()
    outcome.requests = api.requests
    return outcome
