"""Client IP allow and deny lists: AuthorizationPolicy DENY rules on the ingress gateway.

| key | verdict | Istio |
| --- | --- | --- |
| allowlist-source-range | approximated | `security.istio.io/v1` AuthorizationPolicy in the gateway namespace, selecting the gateway, `action: DENY`, `from.source.notRemoteIpBlocks: [cidrs]`, `to.operation` = the Ingress's hosts and paths |
| whitelist-source-range | approximated | the same (older name of allowlist-source-range, which wins when both are set) |
| denylist-source-range | approximated | AuthorizationPolicy `action: DENY`, `from.source.remoteIpBlocks: [cidrs]` + hosts and paths |
| satisfy | unsupported | `all` (default): exact, Istio requires every policy to pass. `any`: only allowlist + auth-url is expressible (the external-auth policy skips allowlisted IPs) |

Never ALLOW: an ALLOW policy on a shared gateway denies every request no ALLOW rule matches, i.e. all
other hosts. The policy lists the requests the Ingress received (see `request_scope`): a regex path
widens to its literal prefix, so the policy may cover more than nginx's location did. Both lists need
the real client IP at the gateway (`remoteIpBlocks`: the X-Forwarded-For address with
`numTrustedProxies`, or the connection's source with `externalTrafficPolicy: Local`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import present, report_ignored
from kubectl_meshify.annotations.request_scope import authz_operations
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.generated import metadata
from kubectl_meshify.model import ExtraObject
from kubectl_meshify.naming import dns_label

KEYS = {
    "allowlist-source-range": KeyInfo(
        Verdict.APPROXIMATED,
        "AuthorizationPolicy DENY `notRemoteIpBlocks` on the gateway, scoped to hosts/paths",
    ),
    "whitelist-source-range": KeyInfo(Verdict.APPROXIMATED, "as allowlist-source-range"),
    "denylist-source-range": KeyInfo(
        Verdict.APPROXIMATED,
        "AuthorizationPolicy DENY `remoteIpBlocks` on the gateway, scoped to hosts/paths",
    ),
    "satisfy": KeyInfo(Verdict.UNSUPPORTED, "`all`: exact; `any`: only allowlist + auth-url"),
}

# IngressSettings.extra keys shared with the auth family (which runs first).
EXT_AUTHZ_EMITTED = "ext_authz_emitted"
ALLOWLIST_IN_EXT_AUTHZ = "allowlist_in_ext_authz"

CLIENT_IP_ACTION = (
    "The gateway must see the real client IP: with a load balancer in front, set externalTrafficPolicy: Local"
    " on the gateway Service, or set numTrustedProxies (gatewayTopology) when the load balancer adds"
    " X-Forwarded-For, or use the PROXY protocol. Otherwise every request appears to come from the load"
    " balancer."
)


def parse_source_ranges(value: str) -> tuple[list[str], list[str]]:
    """(CIDRs and addresses, sorted as nginx sorts them; entries that are neither)."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            text = (
                str(ipaddress.ip_network(item, strict=False))
                if "/" in item
                else str(ipaddress.ip_address(item))
            )
        except ValueError:
            invalid.append(item)
            continue
        if text not in valid:
            valid.append(text)
    return sorted(valid), invalid


def allowlist(ctx: FamilyContext) -> tuple[str | None, list[str], list[str]]:
    """(key in effect, CIDRs, invalid entries) of the allowlist; allowlist-source-range wins over its alias."""
    for key in ("allowlist-source-range", "whitelist-source-range"):
        raw = ctx.value(key)
        if raw is not None and raw.strip():
            valid, invalid = parse_source_ranges(raw)
            return key, valid, invalid
    return None, [], []


def security_api(ctx: FamilyContext) -> str:
    """security.istio.io/v1 from Istio 1.22 (like networking v1); v1beta1 for older targets."""
    return "security.istio.io/v1" if ctx.options.api_version == "v1" else "security.istio.io/v1beta1"


def gateway_policy(ctx: FamilyContext, suffix: str, spec: dict[str, Any]) -> dict[str, Any]:
    """An AuthorizationPolicy in the gateway namespace that selects the gateway workload."""
    name = dns_label(f"{ctx.record.obj.namespace}-{ctx.record.obj.name}-{suffix}")
    body = {"selector": {"matchLabels": dict(sorted(ctx.options.gateway_selector.items()))}, **spec}
    manifest = {
        "apiVersion": security_api(ctx),
        "kind": "AuthorizationPolicy",
        "metadata": metadata(name, ctx.options.gateway_namespace, [ctx.ingress]),
        "spec": body,
    }
    ctx.model.extras.append(ExtraObject(manifest, [ctx.ingress]))
    return manifest


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    key, cidrs, invalid = allowlist(ctx)
    for alias in ("allowlist-source-range", "whitelist-source-range"):
        if ctx.has(alias) and alias != key:
            ctx.report(
                alias,
                Verdict.NO_OP,
                "Empty, or overridden by allowlist-source-range (whitelist-source-range is its older name).",
            )
    if key is not None:
        _list(ctx, key, cidrs, invalid, allow=True)
    if ctx.has("denylist-source-range"):
        raw = (ctx.value("denylist-source-range") or "").strip()
        if raw:
            denied, bad = parse_source_ranges(raw)
            _list(ctx, "denylist-source-range", denied, bad, allow=False)
        else:
            ctx.report("denylist-source-range", Verdict.NO_OP, "Empty: nothing was denied.")
    if ctx.has("satisfy"):
        _satisfy(ctx, key, cidrs)


def _list(ctx: FamilyContext, key: str, cidrs: list[str], invalid: list[str], allow: bool) -> None:
    if invalid:
        ctx.report(
            key,
            Verdict.UNSUPPORTED,
            f"{', '.join(invalid)} is not an IP address or CIDR: ingress-nginx refused every request to this"
            " Ingress's paths (503); the converted routes have no IP restriction.",
            action="Fix the list and convert again.",
            severity=Severity.ERROR,
        )
        return
    if allow and ctx.settings.extra.get(ALLOWLIST_IN_EXT_AUTHZ):
        ctx.report(
            key,
            Verdict.EXACT,
            "With satisfy: any, requests from "
            + ", ".join(cidrs)
            + " pass without external auth: the external-auth (CUSTOM) policy skips them (notRemoteIpBlocks);"
            " every other client must pass auth-url.",
            action=CLIENT_IP_ACTION,
            severity=Severity.WARNING,
        )
        return
    operations, widened = authz_operations(ctx)
    if not operations:
        ctx.report(key, Verdict.NO_OP, "No route of this Ingress receives requests; nothing to restrict.")
        return
    source = {"notRemoteIpBlocks" if allow else "remoteIpBlocks": cidrs}
    suffix = "allowlist" if allow else "denylist"
    manifest = gateway_policy(
        ctx, suffix, {"action": "DENY", "rules": [{"from": [{"source": source}], "to": operations}]}
    )
    meta = manifest["metadata"]
    who = f"clients outside {', '.join(cidrs)}" if allow else f"clients in {', '.join(cidrs)}"
    text = (
        f"AuthorizationPolicy {meta['namespace']}/{meta['name']} on the ingress gateway denies (403) {who} on"
        " this Ingress's hosts and paths. It uses DENY rules, because an ALLOW policy on the shared gateway"
        " would block every other host."
    )
    if widened:
        text += (
            " Authorization paths cannot express regexes, so these paths were widened (the policy covers more"
            " than nginx's location): " + "; ".join(widened) + "."
        )
    ctx.report(key, Verdict.APPROXIMATED, text, action=CLIENT_IP_ACTION, severity=Severity.WARNING)


def _satisfy(ctx: FamilyContext, allow_key: str | None, cidrs: list[str]) -> None:
    value = (ctx.value("satisfy") or "").strip().lower()
    if value != "any":
        ctx.report(
            "satisfy",
            Verdict.EXACT,
            "all: every access check must pass, as Istio requires of all its policies."
            if value == "all"
            else f"{value!r} is not any or all; ingress-nginx used all, as Istio does.",
        )
        return
    if ctx.settings.extra.get(ALLOWLIST_IN_EXT_AUTHZ):
        ctx.report(
            "satisfy",
            Verdict.EXACT,
            "any: an allowlisted client or one that passes auth-url gets in; the external-auth policy"
            " skips the allowlisted addresses.",
        )
        return
    mechanisms = [
        name
        for name, on in (
            ("IP allowlist", allow_key is not None and bool(cidrs)),
            ("auth-url", ctx.has("auth-url")),
            ("basic/digest auth", ctx.has("auth-type")),
        )
        if on
    ]
    if len(mechanisms) < 2:
        ctx.report(
            "satisfy",
            Verdict.NO_OP,
            "any: with a single access check ("
            + (", ".join(mechanisms) or "none")
            + ") it makes no difference.",
        )
        return
    ctx.report(
        "satisfy",
        Verdict.UNSUPPORTED,
        f"any: nginx let a request in when one of {', '.join(mechanisms)} passed; Istio requires every"
        " policy to pass, and this combination cannot be folded into one policy.",
        action="Decide which check should protect these paths and keep only that one.",
        severity=Severity.ERROR,
    )
