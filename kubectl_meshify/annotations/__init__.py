"""The annotation registry: the ordered families per controller, and the sweep that makes sure every
annotation key under a known controller prefix gets exactly one finding.

Handled keys are derived from the families' `KEYS`; there is no second list to keep in sync.
"""

from __future__ import annotations

from types import ModuleType

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo, family_keys
from kubectl_meshify.annotations.cert_manager import certificate
from kubectl_meshify.annotations.ingress_nginx import (
    access,
    affinity,
    auth,
    backend,
    buffering,
    canary,
    cors,
    headers,
    hosts,
    mirror,
    observability,
    proxy_ssl,
    ratelimit,
    redirect,
    rewrite,
    server_tls,
    snippets,
    ssl,
    timeouts,
)
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import MeshModel, Semantics, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet

# Order matters: families run in this order in each phase. Redirects replace routes before rewrites and
# host settings decorate them; canary splits routes last among these (the split routes keep the
# primary's origin, so the policy families after it decorate them alike). backend writes the TLS block
# proxy_ssl reports on; auth runs before access (an allowlist with satisfy: any moves into its policy).
NGINX_FAMILIES: list[ModuleType] = [
    ssl,
    redirect,
    rewrite,
    hosts,
    canary,
    backend,
    proxy_ssl,
    affinity,
    timeouts,
    buffering,
    cors,
    headers,
    mirror,
    auth,
    access,
    server_tls,
    ratelimit,
    snippets,
    observability,
]
# cert-manager reads its annotations on Ingresses of every class; KEYS hold full keys, and every key under
# a family's SWEPT_PREFIXES gets one finding.
CERT_MANAGER_FAMILIES: list[ModuleType] = [certificate]


def nginx_keys() -> dict[str, tuple[ModuleType, KeyInfo]]:
    """Every ingress-nginx key a family handles → (family module, key info)."""
    keys: dict[str, tuple[ModuleType, KeyInfo]] = {}
    for family in NGINX_FAMILIES:
        for key, info in family_keys(family).items():
            if key in keys:
                raise RuntimeError(f"annotation {key} is claimed by two families")
            keys[key] = (family, info)
    return keys


def _contexts(model: MeshModel, resources: ResourceSet, options: Options) -> list[FamilyContext]:
    known = frozenset(nginx_keys())
    return [
        FamilyContext(record, model, resources, options, options.nginx_prefix, known)
        for record in model.records.values()
        if record.semantics is Semantics.NGINX and record.status is not Status.SKIPPED
    ]


def _any_class_contexts(model: MeshModel, resources: ResourceSet, options: Options) -> list[FamilyContext]:
    return [
        FamilyContext(record, model, resources, options, "")
        for record in model.records.values()
        if record.status is not Status.SKIPPED
    ]


def prepare(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """Before routes are built: families switch core behaviour (regex mode, redirects, canary, ...)."""
    for families, contexts in (
        (NGINX_FAMILIES, _contexts(model, resources, options)),
        (CERT_MANAGER_FAMILIES, _any_class_contexts(model, resources, options)),
    ):
        for family in families:
            hook = getattr(family, "prepare", None)
            if hook:
                for ctx in contexts:
                    hook(ctx)


def refine(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """After routes are built: families add route fields, policies and objects; then the sweep."""
    for families, contexts in (
        (NGINX_FAMILIES, _contexts(model, resources, options)),
        (CERT_MANAGER_FAMILIES, _any_class_contexts(model, resources, options)),
    ):
        for family in families:
            hook = getattr(family, "refine", None)
            if hook:
                for ctx in contexts:
                    if ctx.record.status is not Status.FAILED:
                        hook(ctx)
    sweep(model, options)
    sweep_fixed_prefixes(model, options)


def sweep(model: MeshModel, options: Options) -> None:
    """Give every annotation key under the nginx prefix that has no finding yet its one finding."""
    known = nginx_keys()
    prefix = options.nginx_prefix
    for record in model.records.values():
        if record.status is Status.SKIPPED:
            continue
        reported = {f.annotation for f in record.findings if f.annotation}
        for full_key in sorted(record.obj.annotations):
            if not full_key.startswith(prefix) or full_key in reported:
                continue
            key = full_key[len(prefix) :]
            ctx = FamilyContext(record, model, ResourceSet(), options, prefix)
            if record.semantics is Semantics.ISTIO:
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    "Istio's own Ingress controller served this Ingress and ignored ingress-nginx annotations;"
                    " nothing to convert.",
                    code="ANNOTATION_IGNORED_BY_SOURCE",
                )
            elif key in known:
                _, info = known[key]
                ctx.report(key, info.verdict, f"Handled as documented: {info.istio}")
            else:
                ctx.report(
                    key,
                    Verdict.UNKNOWN,
                    f"{full_key} is not an ingress-nginx annotation kubectl-meshify knows; nothing was converted.",
                    action="Check the key for typos; ingress-nginx ignored unknown keys too.",
                    severity=Severity.WARNING,
                    code="NGINX_UNKNOWN_ANNOTATION",
                )


def sweep_fixed_prefixes(model: MeshModel, options: Options) -> None:
    """The same sweep for families with fixed prefixes (cert-manager), on Ingresses of every class."""
    for family in CERT_MANAGER_FAMILIES:
        known = family_keys(family)
        prefixes = tuple(getattr(family, "SWEPT_PREFIXES", ()))
        code = family.code
        for record in model.records.values():
            if record.status is Status.SKIPPED:
                continue
            reported = {f.annotation for f in record.findings if f.annotation}
            ctx = FamilyContext(record, model, ResourceSet(), options, "")
            for key in sorted(record.obj.annotations):
                if key in reported or not (key in known or key.startswith(prefixes)):
                    continue
                if key in known:
                    ctx.report(
                        key, known[key].verdict, f"Handled as documented: {known[key].istio}", code=code(key)
                    )
                else:
                    ctx.report(
                        key,
                        Verdict.UNKNOWN,
                        f"{key} is not a cert-manager annotation kubectl-meshify knows; nothing was converted.",
                        action="Check the key for typos; cert-manager ignored unknown keys too.",
                        severity=Severity.WARNING,
                        code="CERT_MANAGER_UNKNOWN_ANNOTATION",
                    )
