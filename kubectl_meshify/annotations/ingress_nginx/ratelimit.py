"""Rate and connection limits: no Istio resource expresses them, so each is reported with what to do.

| key | verdict | Istio |
| --- | --- | --- |
| limit-rps | unsupported | none: per-client-IP limits need Envoy's global rate limit service (EnvoyFilter + envoyproxy/ratelimit); a local rate limit EnvoyFilter is per gateway pod, not per IP |
| limit-rpm | unsupported | as limit-rps |
| limit-burst-multiplier | unsupported | the token bucket's `max_tokens` in a local rate limit |
| limit-connections | unsupported | none (DestinationRule connection limits cap the gateway→backend side, not per client) |
| limit-rate | unsupported | none per connection (EnvoyFilter `bandwidth_limit` is per route) |
| limit-rate-after | unsupported | as limit-rate |
| limit-allowlist | unsupported | rate-limit descriptor conditions (EnvoyFilter) |
| limit-whitelist | unsupported | as limit-allowlist (older name) |

nginx answered 503 over the limit (each controller replica counting on its own); Envoy's rate limits
answer 429.
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import present, report_ignored, seconds
from kubectl_meshify.findings import Verdict

KEYS = {
    "limit-rps": KeyInfo(
        Verdict.UNSUPPORTED, "none: global rate limit service or a per-pod local rate limit"
    ),
    "limit-rpm": KeyInfo(Verdict.UNSUPPORTED, "none: as limit-rps"),
    "limit-burst-multiplier": KeyInfo(Verdict.UNSUPPORTED, "token bucket `max_tokens` (EnvoyFilter)"),
    "limit-connections": KeyInfo(Verdict.UNSUPPORTED, "none per client"),
    "limit-rate": KeyInfo(Verdict.UNSUPPORTED, "none per connection"),
    "limit-rate-after": KeyInfo(Verdict.UNSUPPORTED, "none per connection"),
    "limit-allowlist": KeyInfo(Verdict.UNSUPPORTED, "rate-limit descriptor conditions (EnvoyFilter)"),
    "limit-whitelist": KeyInfo(Verdict.UNSUPPORTED, "as limit-allowlist"),
}

DEFAULT_BURST = 5


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    rps, rpm = seconds(ctx.value("limit-rps")), seconds(ctx.value("limit-rpm"))
    burst = seconds(ctx.value("limit-burst-multiplier")) or DEFAULT_BURST
    limited = bool(rps or rpm)
    for key, value, unit in (("limit-rps", rps, "second"), ("limit-rpm", rpm, "minute")):
        if not ctx.has(key):
            continue
        if not value:
            ctx.report(key, Verdict.NO_OP, "Not a positive whole number; ingress-nginx set no limit.")
            continue
        interval = "1s" if unit == "second" else "60s"
        ctx.report(
            key,
            Verdict.UNSUPPORTED,
            f"nginx allowed {value} requests per {unit} per client IP (burst {value * burst}) and answered 503"
            " above it; no Istio resource expresses a per-client rate limit, so requests are not limited.",
            action="For a per-client limit deploy Envoy's global rate limit service (envoyproxy/ratelimit,"
            " descriptor on remote_address) with an EnvoyFilter on the gateway; or accept a per-gateway-pod"
            " limit: an EnvoyFilter adding envoy.filters.http.local_ratelimit with token_bucket {max_tokens:"
            f" {value * burst}, tokens_per_fill: {value}, fill_interval: {interval}}}. Both answer 429.",
        )
    if ctx.has("limit-burst-multiplier"):
        if limited:
            ctx.report(
                "limit-burst-multiplier",
                Verdict.UNSUPPORTED,
                f"Burst factor {burst} of the rate limit (not converted, see limit-rps/limit-rpm); in a local"
                " rate limit it becomes the token bucket's max_tokens.",
            )
        else:
            ctx.report("limit-burst-multiplier", Verdict.NO_OP, "No rate limit is set, so it had no effect.")
    if ctx.has("limit-connections"):
        connections = seconds(ctx.value("limit-connections"))
        if connections:
            ctx.report(
                "limit-connections",
                Verdict.UNSUPPORTED,
                f"nginx allowed {connections} concurrent connections per client IP; Istio cannot limit"
                " connections per client.",
                action="Protect the backend with DestinationRule connectionPool limits (for all clients"
                " together), or limit clients in front of the gateway.",
            )
        else:
            ctx.report("limit-connections", Verdict.NO_OP, "Not a positive whole number; nginx set no limit.")
    if ctx.has("limit-rate"):
        rate = seconds(ctx.value("limit-rate"))
        if rate:
            ctx.report(
                "limit-rate",
                Verdict.UNSUPPORTED,
                f"nginx sent responses at most {rate} KB/s per connection; the gateway does not throttle them.",
                action="If needed, an EnvoyFilter with envoy.filters.http.bandwidth_limit limits a route as a"
                " whole (not per connection).",
            )
        else:
            ctx.report("limit-rate", Verdict.NO_OP, "0 or not a number: nginx did not throttle responses.")
    if ctx.has("limit-rate-after"):
        ctx.report(
            "limit-rate-after",
            Verdict.UNSUPPORTED if seconds(ctx.value("limit-rate")) else Verdict.NO_OP,
            "Part of the response throttling (see limit-rate)."
            if seconds(ctx.value("limit-rate"))
            else "Only used with limit-rate; it had no effect.",
        )
    for key in ("limit-allowlist", "limit-whitelist"):
        if ctx.has(key):
            ctx.report(
                key,
                Verdict.UNSUPPORTED if limited else Verdict.NO_OP,
                "Clients exempt from the rate limit, which is not converted (see limit-rps/limit-rpm)."
                if limited
                else "No rate limit is set, so the exemption had no effect.",
                action="Exclude these addresses in the rate limit descriptors if you add one."
                if limited
                else None,
            )
