"""Upstream timeouts and retries.

| key | verdict | Istio |
| --- | --- | --- |
| proxy-connect-timeout | exact | gateway-scoped DestinationRule `connectionPool.tcp.connectTimeout` per Service port |
| proxy-read-timeout | approximated | route `timeout` (total time for the response, where nginx limited the gap between two reads) |
| proxy-send-timeout | approximated | folded into the route `timeout` (Envoy has no per-write timeout) |
| proxy-next-upstream | approximated | route `retries.retryOn`: `error` → `connect-failure,refused-stream,reset`, `timeout` → `connect-failure,reset`, `invalid_header` → `reset`, `http_NNN` → `NNN`, `off` → `attempts: 0`; Envoy also retries non-idempotent requests |
| proxy-next-upstream-tries | exact | `retries.attempts` = tries − 1 (Istio counts retries, nginx counts tries) |
| proxy-next-upstream-timeout | approximated | none: Envoy stops retrying when the route timeout ends |

The route timeout is the larger of proxy-read-timeout and proxy-send-timeout, set only when
proxy-read-timeout is given: nginx cut a response that stalled between two reads; Envoy cuts one that
takes longer than that in total, so long downloads, streams and WebSockets can be cut where nginx let
them run.
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.gateway_scope import ingress_backends, routed_by_others, set_policy
from kubectl_meshify.annotations.ingress_nginx._common import (
    duration,
    present,
    report_ignored,
    seconds,
)
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import Route

KEYS = {
    "proxy-connect-timeout": KeyInfo(
        Verdict.EXACT, "gateway-scoped DestinationRule `connectionPool.tcp.connectTimeout`"
    ),
    "proxy-read-timeout": KeyInfo(Verdict.APPROXIMATED, "route `timeout` (total instead of between reads)"),
    "proxy-send-timeout": KeyInfo(Verdict.APPROXIMATED, "folded into the route `timeout`"),
    "proxy-next-upstream": KeyInfo(
        Verdict.APPROXIMATED, "route `retries.retryOn` (Envoy retries any method)"
    ),
    "proxy-next-upstream-tries": KeyInfo(Verdict.EXACT, "`retries.attempts` = tries − 1"),
    "proxy-next-upstream-timeout": KeyInfo(Verdict.APPROXIMATED, "none: the route timeout ends retries"),
}

NGINX_DEFAULT_NEXT_UPSTREAM = "error timeout"
NGINX_DEFAULT_TRIES = 3
RETRY_ON = {
    "error": ["connect-failure", "refused-stream", "reset"],
    "timeout": ["connect-failure", "reset"],
    "invalid_header": ["reset"],
}
HTTP_CODES = ("500", "502", "503", "504", "403", "404", "429")


def retry_policy(conditions: str, tries: int | None) -> tuple[dict[str, Any], list[str], bool]:
    """nginx proxy_next_upstream + tries → (Istio `retries`, tokens ignored, non_idempotent listed)."""
    tokens = conditions.split()
    ignored = [
        t
        for t in tokens
        if t not in RETRY_ON
        and t not in ("off", "non_idempotent")
        and t.removeprefix("http_") not in HTTP_CODES
    ]
    non_idempotent = "non_idempotent" in tokens
    if "off" in tokens or tries == 1:
        return {"attempts": 0}, ignored, non_idempotent
    retry_on: list[str] = []
    for token in tokens:
        names = RETRY_ON.get(token) or ([token[5:]] if token.removeprefix("http_") in HTTP_CODES else [])
        retry_on.extend(n for n in names if n not in retry_on)
    if not retry_on:
        return {"attempts": 0}, ignored, non_idempotent
    attempts = 2 if not tries else tries - 1  # 0 tries meant unlimited: keep Istio's default count
    return {"attempts": attempts, "retryOn": ",".join(retry_on)}, ignored, non_idempotent


def _proxied_routes(ctx: FamilyContext) -> list[Route]:
    return [r for _, r in ctx.routes() if r.redirect is None and r.direct_response is None]


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    if ctx.has("proxy-connect-timeout"):
        _connect_timeout(ctx)
    _route_timeout(ctx)
    _retries(ctx)


def _connect_timeout(ctx: FamilyContext) -> None:
    value = seconds(ctx.value("proxy-connect-timeout"))
    if not value:
        ctx.report(
            "proxy-connect-timeout",
            Verdict.NO_OP,
            "Not a positive whole number of seconds; ingress-nginx used its default (5s). Envoy's default is 10s.",
        )
        return
    applied, conflicts, shared = [], [], []
    for backend in ingress_backends(ctx):
        claim = set_policy(ctx, backend, ("connectionPool", "tcp", "connectTimeout"), duration(value))
        if claim.kept:
            applied.append(backend.label())
        else:
            conflicts.append(f"{backend.label()} keeps the value of the older Ingress {claim.other}")
        shared += routed_by_others(ctx, backend)
    text = f"Connect timeout {value}s to {', '.join(applied) or 'no Service port'} (gateway-scoped DestinationRule)."
    verdict = Verdict.EXACT
    if conflicts:
        verdict = Verdict.APPROXIMATED
        text += " " + "; ".join(conflicts) + " (nginx set it per location)."
    if shared:
        verdict = Verdict.APPROXIMATED
        text += (
            f" Other Ingresses ({', '.join(sorted(set(shared)))}) route to the same Service port and get this"
            " timeout too (nginx set it per location)."
        )
    ctx.report("proxy-connect-timeout", verdict, text)


def _route_timeout(ctx: FamilyContext) -> None:
    read_raw, send_raw = ctx.value("proxy-read-timeout"), ctx.value("proxy-send-timeout")
    read, send = seconds(read_raw), seconds(send_raw)
    routes = _proxied_routes(ctx)
    if ctx.has("proxy-read-timeout") and not read:
        ctx.report(
            "proxy-read-timeout",
            Verdict.NO_OP,
            f"{read_raw!r} is not a positive whole number of seconds; ingress-nginx used its default (60s).",
        )
    if read:
        total = max(read, send or 0)
        for route in routes:
            route.http["timeout"] = duration(total)
        ctx.report(
            "proxy-read-timeout",
            Verdict.APPROXIMATED,
            f"Route timeout {total}s on {len(routes)} route(s)"
            + (f" (the larger of proxy-read-timeout and proxy-send-timeout {send}s)" if total != read else "")
            + f". nginx allowed {read}s between two reads from"
            f" the backend; Envoy allows {total}s for the whole response, so a response that keeps streaming"
            " longer (downloads, server-sent events, WebSockets, gRPC streams) is now cut.",
            action="For streaming routes remove `timeout` from the route (Envoy's stream idle timeout,"
            " 5 minutes, still ends stalled streams).",
            severity=Severity.WARNING,
        )
    if ctx.has("proxy-send-timeout"):
        if not send:
            ctx.report(
                "proxy-send-timeout",
                Verdict.NO_OP,
                f"{send_raw!r} is not a positive whole number of seconds; ingress-nginx used its default (60s).",
            )
        elif read:
            ctx.report(
                "proxy-send-timeout",
                Verdict.APPROXIMATED,
                f"Folded into the route timeout ({max(read, send)}s): Envoy has no timeout between two writes"
                " to the backend.",
            )
        else:
            ctx.report(
                "proxy-send-timeout",
                Verdict.APPROXIMATED,
                f"nginx gave up when writing the request to the backend stalled for {send}s; Envoy has no such"
                " per-write timeout (its stream idle timeout, 5 minutes, applies). No route timeout is set,"
                " because proxy-read-timeout is not.",
            )


def _retries(ctx: FamilyContext) -> None:
    has_conditions = ctx.has("proxy-next-upstream")
    has_tries = ctx.has("proxy-next-upstream-tries")
    conditions = (ctx.value("proxy-next-upstream") or "").strip() or NGINX_DEFAULT_NEXT_UPSTREAM
    tries_raw = ctx.value("proxy-next-upstream-tries")
    tries = seconds(tries_raw)  # a plain non-negative integer, like the timeouts
    if has_tries and tries is None:
        ctx.report(
            "proxy-next-upstream-tries",
            Verdict.NO_OP,
            f"{tries_raw!r} is not a whole number; ingress-nginx used its default ({NGINX_DEFAULT_TRIES} tries).",
        )
        has_tries = False
    if not has_conditions and not has_tries:
        _next_upstream_timeout(ctx, retries=False)
        return
    policy, ignored, non_idempotent = retry_policy(
        conditions, tries if tries is not None else NGINX_DEFAULT_TRIES
    )
    routes = _proxied_routes(ctx)
    for route in routes:
        route.http["retries"] = dict(policy)
    described = (
        "no retries (attempts 0)"
        if policy["attempts"] == 0
        else f"{policy['attempts']} retries on {policy['retryOn']}"
    )
    if has_conditions:
        if policy["attempts"] == 0 and "off" in conditions.split():
            ctx.report(
                "proxy-next-upstream",
                Verdict.EXACT,
                f"Retries are off, as in nginx: {described} on {len(routes)} route(s).",
            )
        else:
            method = (
                "nginx was told to retry non-idempotent requests too (non_idempotent), as Envoy does."
                if non_idempotent
                else "nginx never passed a non-idempotent request (POST, PATCH, LOCK) to the next backend once"
                " it had been sent; Envoy retries whatever the method."
            )
            text = f"proxy_next_upstream {conditions!r} → {described} on {len(routes)} route(s). {method}"
            if "timeout" in conditions.split():
                text += " A try that times out is not retried: the route timeout ends the request."
            if ignored:
                text += f" Not converted: {', '.join(ignored)}."
            ctx.report(
                "proxy-next-upstream",
                Verdict.APPROXIMATED,
                text,
                action=None
                if non_idempotent
                else "If retrying a POST could do harm (double orders, payments), remove the retry conditions"
                " that can fire after the request was sent (reset, 5xx codes) from those routes.",
                severity=Severity.INFO if non_idempotent else Severity.WARNING,
            )
    if has_tries and tries is not None:
        if tries == 0:
            ctx.report(
                "proxy-next-upstream-tries",
                Verdict.APPROXIMATED,
                "0 meant unlimited tries in nginx; Istio needs a number, so its default of 2 retries is kept.",
            )
        else:
            text = f"{tries} {'try' if tries == 1 else 'tries'} including the first → retries.attempts {tries - 1}"
            if not has_conditions:
                text += f", on nginx's default conditions {NGINX_DEFAULT_NEXT_UPSTREAM!r}"
                if tries > 1:
                    text += " (Envoy also retries non-idempotent requests, which nginx never did)"
            ctx.report("proxy-next-upstream-tries", Verdict.EXACT, text + ".")
    _next_upstream_timeout(ctx, retries=policy["attempts"] != 0)


def _next_upstream_timeout(ctx: FamilyContext, retries: bool) -> None:
    if not ctx.has("proxy-next-upstream-timeout"):
        return
    value = seconds(ctx.value("proxy-next-upstream-timeout"))
    if not value:
        ctx.report(
            "proxy-next-upstream-timeout",
            Verdict.NO_OP,
            "No limit on the time spent retrying (0 or not a number), as in Envoy.",
        )
        return
    timeout = next((r.http.get("timeout") for r in _proxied_routes(ctx) if "timeout" in r.http), None)
    ctx.report(
        "proxy-next-upstream-timeout",
        Verdict.APPROXIMATED,
        f"nginx stopped passing the request to further backends after {value}s; Envoy has no separate limit"
        " for retries and stops only when the route timeout ("
        + (timeout or "none here")
        + ") ends the request.",
        action=None if retries else "Retries are off for these routes, so this makes no difference.",
    )
