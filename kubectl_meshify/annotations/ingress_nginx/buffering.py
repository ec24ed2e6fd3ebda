"""Request and response buffering, buffer sizes and the request body limit.

| key | verdict | Istio |
| --- | --- | --- |
| proxy-body-size | no-op | none: Istio has no body-size limit. `0` or a value above nginx's 1m default only raised the limit (no-op); a smaller limit is lost (unsupported) |
| client-body-buffer-size | no-op | none: nginx memory tuning |
| proxy-request-buffering | approximated | `on` (nginx default): Envoy streams the request body instead of buffering it; `off`: no-op |
| proxy-buffering | no-op | `off` (nginx default): Envoy streams responses too; `on`: approximated |
| proxy-buffers-number | no-op | none: nginx memory tuning |
| proxy-buffer-size | no-op | none: Envoy's header limits (60 KiB) exceed nginx's 4k/8k response-header buffer |
| proxy-busy-buffers-size | no-op | none: nginx memory tuning |
| proxy-max-temp-file-size | no-op | none: Envoy does not spool responses to disk |
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import (
    on_off,
    present,
    report_ignored,
    size_bytes,
)
from kubectl_meshify.findings import Verdict

KEYS = {
    "proxy-body-size": KeyInfo(Verdict.NO_OP, "none: no body-size limit (a limit below 1m is lost)"),
    "client-body-buffer-size": KeyInfo(Verdict.NO_OP, "none"),
    "proxy-request-buffering": KeyInfo(Verdict.APPROXIMATED, "none: Envoy streams request bodies"),
    "proxy-buffering": KeyInfo(Verdict.NO_OP, "none: Envoy streams responses"),
    "proxy-buffers-number": KeyInfo(Verdict.NO_OP, "none"),
    "proxy-buffer-size": KeyInfo(Verdict.NO_OP, "none"),
    "proxy-busy-buffers-size": KeyInfo(Verdict.NO_OP, "none"),
    "proxy-max-temp-file-size": KeyInfo(Verdict.NO_OP, "none"),
}

NGINX_DEFAULT_BODY_LIMIT = 1024 * 1024
TUNING = {
    "client-body-buffer-size": "how much of a request body nginx kept in memory before using a temp file",
    "proxy-buffers-number": "how many buffers nginx used per response",
    "proxy-buffer-size": "nginx's buffer for the response headers, often raised for big cookies or tokens;"
    " Envoy accepts headers up to 60 KiB by default",
    "proxy-busy-buffers-size": "how much of a response nginx sent while still reading it",
    "proxy-max-temp-file-size": "how much of a response nginx spooled to disk; Envoy does not spool",
}


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    if ctx.has("proxy-body-size"):
        _body_size(ctx)
    if ctx.has("proxy-request-buffering"):
        if on_off(ctx.value("proxy-request-buffering")) is False:
            ctx.report(
                "proxy-request-buffering",
                Verdict.NO_OP,
                "off: nginx streamed the request body to the backend, as Envoy does.",
            )
        else:
            ctx.report(
                "proxy-request-buffering",
                Verdict.APPROXIMATED,
                "nginx read the whole request body before contacting the backend; Envoy streams it, so"
                " backends now see slow uploads as they arrive.",
                action="Usually nothing to do; a backend that cannot handle slow clients needs its own"
                " timeouts or an EnvoyFilter with envoy.filters.http.buffer.",
            )
    if ctx.has("proxy-buffering"):
        if on_off(ctx.value("proxy-buffering")) is True:
            ctx.report(
                "proxy-buffering",
                Verdict.APPROXIMATED,
                "on: nginx buffered responses and freed the backend early; Envoy streams them (with flow"
                " control), so a slow client holds the backend connection longer.",
            )
        else:
            ctx.report("proxy-buffering", Verdict.NO_OP, "off: nginx streamed responses, as Envoy does.")
    for key, what in TUNING.items():
        if ctx.has(key):
            ctx.report(key, Verdict.NO_OP, f"nginx tuning, {what}; nothing to convert.")


def _body_size(ctx: FamilyContext) -> None:
    raw = (ctx.value("proxy-body-size") or "").strip()
    limit = size_bytes(raw)
    if limit is None:
        ctx.report(
            "proxy-body-size",
            Verdict.NO_OP,
            f"{raw!r} is not an nginx size; nothing to convert (Istio has no body-size limit).",
        )
    elif limit == 0:
        ctx.report("proxy-body-size", Verdict.NO_OP, "0 turned the limit off; Istio has none either.")
    elif limit > NGINX_DEFAULT_BODY_LIMIT:
        ctx.report(
            "proxy-body-size",
            Verdict.NO_OP,
            f"{raw} raised nginx's 1m default limit; Istio has no limit at all, so bodies over {raw} (413 in"
            " nginx) are now accepted too.",
        )
    else:
        ctx.report(
            "proxy-body-size",
            Verdict.UNSUPPORTED,
            f"nginx rejected request bodies over {raw} with 413; Istio enforces no limit.",
            action="Enforce the limit in the application, or with an EnvoyFilter adding"
            " envoy.filters.http.buffer (max_request_bytes), which also buffers whole requests.",
        )
