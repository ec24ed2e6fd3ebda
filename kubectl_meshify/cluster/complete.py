"""Values for shell completion that only the cluster or the kubeconfig knows: namespaces, contexts, Gateways.

A completer must never make the prompt wait or print: the cluster read has about 2 s in all, one attempt
per request, and any failure (no kubeconfig, unreachable server, RBAC) just offers nothing.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_meshify.cluster.kubeapi import KubeApi, NotFound, Resource

BUDGET_SECONDS = 2.0
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
# Istio's Gateway at the versions Istio serves, newest first.
GATEWAYS = [Resource("networking.istio.io", version, "gateways", "Gateway") for version in ("v1", "v1beta1")]


def contexts(params: Mapping[str, Any], incomplete: str) -> list[str]:
    """Context names of the kubeconfig the command line (or $KUBECONFIG) names."""
    from kubectl_meshify.cluster.kubeconfig import context_names

    with _silent():
        return [name for name in context_names(params.get("kubeconfig")) if name.startswith(incomplete)]
    return []


def namespaces(params: Mapping[str, Any], incomplete: str) -> list[str]:
    with _silent(), _connection(params) as (api, deadline):
        api.timeout = _left(deadline)
        names = [
            str((item.get("metadata") or {}).get("name")) for item in api.list(NAMESPACES, metadata_only=True)
        ]
        return sorted(name for name in names if name.startswith(incomplete))
    return []


def gateways(params: Mapping[str, Any], incomplete: str) -> list[str]:
    """`NAMESPACE/NAME` of the Gateways of every namespace (the first Gateway version the cluster serves)."""
    with _silent(), _connection(params) as (api, deadline):
        for resource in GATEWAYS:
            api.timeout = _left(deadline)
            try:
                items = list(api.list(resource, metadata_only=True))
            except NotFound:  # this version is not served
                continue
            names = [
                f"{m.get('namespace')}/{m.get('name')}" for m in (i.get("metadata") or {} for i in items)
            ]
            return sorted(name for name in names if name.startswith(incomplete))
    return []


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0.05:
        raise TimeoutError("the completion budget is spent")
    return left


@contextlib.contextmanager
def _silent() -> Iterator[None]:
    """Swallow every error and warning: a completer offers nothing rather than noise in the prompt."""
    with warnings.catch_warnings(), contextlib.suppress(Exception):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _connection(params: Mapping[str, Any]) -> Iterator[tuple[KubeApi, float]]:
    from kubectl_meshify.cluster.source import connect

    deadline = time.monotonic() + BUDGET_SECONDS
    api = connect(params.get("kubeconfig"), params.get("context"), f"{BUDGET_SECONDS}s")
    api.attempts = 1
    try:
        yield api, deadline
    finally:
        api.close()
