"""CORS: route `corsPolicy`, with every ingress-nginx default written out.

| key | verdict | Istio |
| --- | --- | --- |
| enable-cors | approximated | route `corsPolicy`; Envoy answers real preflights itself, but any other OPTIONS request now reaches the backend (nginx answered every OPTIONS from an allowed origin with 204) |
| cors-allow-origin | exact | `allowOrigins`: `{exact: <origin>}`; `https://*.foo.com` → `{regex: "(?i)https://[A-Za-z0-9-]+\\.foo\\.com"}`; `*` (default) → `{regex: ".*"}` with `allowCredentials: false` |
| cors-allow-methods | exact | `allowMethods` (default `GET, PUT, POST, DELETE, PATCH, OPTIONS`) |
| cors-allow-headers | exact | `allowHeaders` (default `DNT, Keep-Alive, User-Agent, X-Requested-With, If-Modified-Since, Cache-Control, Content-Type, Range, Authorization`) |
| cors-expose-headers | exact | `exposeHeaders` (default none) |
| cors-allow-credentials | exact | `allowCredentials` (default true) |
| cors-max-age | exact | `maxAge` (default `1728000s`) |

With the origin `*`, nginx answered `Access-Control-Allow-Origin: *`, which browsers refuse for
credentialed requests whatever Allow-Credentials says. Envoy echoes the request's origin instead, so
`allowCredentials` is set to false there: credentialed cross-origin requests stay refused, as before.
Values nginx rejects fall back to its defaults, which are then written out.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import csv, duration, present, report_ignored
from kubectl_meshify.findings import Severity, Verdict

KEYS = {
    "enable-cors": KeyInfo(Verdict.APPROXIMATED, "route `corsPolicy` (Envoy answers only real preflights)"),
    "cors-allow-origin": KeyInfo(Verdict.EXACT, "`allowOrigins` (exact, or regex for `*` wildcards)"),
    "cors-allow-methods": KeyInfo(Verdict.EXACT, "`allowMethods`"),
    "cors-allow-headers": KeyInfo(Verdict.EXACT, "`allowHeaders`"),
    "cors-expose-headers": KeyInfo(Verdict.EXACT, "`exposeHeaders`"),
    "cors-allow-credentials": KeyInfo(Verdict.EXACT, "`allowCredentials`"),
    "cors-max-age": KeyInfo(Verdict.EXACT, "`maxAge`"),
}

DEFAULT_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
DEFAULT_HEADERS = "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization"
DEFAULT_MAX_AGE = 1728000
# ingress-nginx's validation of each value (cors/main.go).
_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9\-\.]*(:[0-9]+)?|\*)?$")
_METHODS = re.compile(r"^([A-Za-z]+,?\s?)+$")
_HEADERS = re.compile(r"^([A-Za-z0-9\-\_]+,?\s?)+$")
_EXPOSE = re.compile(r"^(([A-Za-z0-9\-\_]+|\*),?\s?)+$")


# What differs with the origin `*` (written out or nginx's default), said wherever it applies.
_WILDCARD_DIFFERENCE = (
    "Any origin is allowed: nginx answered `Access-Control-Allow-Origin: *`, Envoy echoes the request's"
    " origin; browsers refuse credentialed requests to `*`, so they stay refused."
)


def parse_origins(value: str | None) -> tuple[list[str], list[str]]:
    """(origins nginx accepted, origins it skipped); `["*"]` when absent or when `*` is listed."""
    if value is None:
        return ["*"], []
    accepted: list[str] = []
    skipped: list[str] = []
    for origin in (o.strip() for o in value.split(",")):
        if origin == "*":
            return ["*"], skipped
        if not origin:
            continue
        if _ORIGIN.match(origin):
            accepted.append(origin)
        else:
            skipped.append(origin)
    return accepted, skipped


def allow_origins(origins: list[str]) -> list[dict[str, str]]:
    """Accepted nginx origins → Istio StringMatch list (nginx matched them case-insensitively)."""
    if origins == ["*"] or not origins:
        # No valid origin left made nginx's origin regex empty, which matches every origin.
        return [{"regex": ".*"}]
    matches: list[dict[str, str]] = []
    for origin in origins:
        if "*" in origin:
            pattern = re.escape(origin.lower()).replace(r"\*", "[A-Za-z0-9-]+", 1)
            matches.append({"regex": "(?i)" + pattern})
        else:
            # Browsers send scheme and host in lower case, so an exact lower-case match is equivalent.
            matches.append({"exact": origin.lower()})
    return matches


def cors_policy(ctx: FamilyContext) -> tuple[dict[str, Any], list[str]]:
    """The corsPolicy for this Ingress, and the values nginx rejected (replaced by its defaults)."""
    rejected: list[str] = []
    origins, skipped = parse_origins(ctx.value("cors-allow-origin"))
    if skipped:
        rejected.append(f"cors-allow-origin {', '.join(skipped)} (skipped)")

    def checked(key: str, pattern: re.Pattern[str], default: str) -> str:
        raw = ctx.value(key)
        if raw is None:
            return default
        if not pattern.match(raw):
            rejected.append(f"{key} {raw!r} (default used)")
            return default
        return raw

    methods = checked("cors-allow-methods", _METHODS, DEFAULT_METHODS)
    headers = checked("cors-allow-headers", _HEADERS, DEFAULT_HEADERS)
    expose = checked("cors-expose-headers", _EXPOSE, "")
    credentials_raw = (ctx.value("cors-allow-credentials") or "").strip().lower()
    credentials = credentials_raw != "false"
    max_age_raw = (ctx.value("cors-max-age") or "").strip()
    max_age = int(max_age_raw) if max_age_raw.lstrip("-").isdigit() else DEFAULT_MAX_AGE
    if max_age_raw and not max_age_raw.lstrip("-").isdigit():
        rejected.append(f"cors-max-age {max_age_raw!r} (default used)")
    policy: dict[str, Any] = {
        "allowOrigins": allow_origins(origins),
        "allowMethods": csv(methods),
        "allowHeaders": csv(headers),
    }
    if csv(expose):
        policy["exposeHeaders"] = csv(expose)
    if max_age > 0:
        policy["maxAge"] = duration(max_age)
    policy["allowCredentials"] = credentials and origins not in (["*"], [])
    return policy, rejected


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    if not ctx.flag("enable-cors"):
        for key in keys:
            ctx.report(
                key,
                Verdict.NO_OP,
                "CORS is off for this Ingress (enable-cors is not true); ingress-nginx ignored it."
                if key != "enable-cors"
                else "enable-cors is not true: no CORS headers, as before.",
            )
        return
    policy, rejected = cors_policy(ctx)
    routes = [route for _, route in ctx.routes()]
    for route in routes:
        route.http["corsPolicy"] = copy.deepcopy(policy)  # one object per route: no YAML aliases
    wildcard = policy["allowOrigins"] == [{"regex": ".*"}]
    text = (
        f"corsPolicy on {len(routes)} route(s), with nginx's defaults written out. Envoy answers real"
        " preflight requests itself; other OPTIONS requests now reach the backend (nginx answered every"
        " OPTIONS request from an allowed origin with 204)."
    )
    if wildcard:
        text += " " + _WILDCARD_DIFFERENCE
        if (ctx.value("cors-allow-credentials") or "").strip().lower() != "false":
            text += (
                " nginx also sent `Access-Control-Allow-Credentials: true`, which browsers ignore next to `*`;"
                " allowCredentials is false so that credentialed requests stay refused."
            )
    if rejected:
        text += " ingress-nginx rejected " + "; ".join(rejected) + "."
    ctx.report("enable-cors", Verdict.APPROXIMATED, text)
    accepted, _ = parse_origins(ctx.value("cors-allow-origin"))
    max_age = policy.get("maxAge")
    described = {
        "cors-allow-origin": "Any origin is allowed: Envoy echoes the request's origin, and credentials stay refused"
        " as with nginx's `*`."
        if wildcard
        else f"Allowed origins: {', '.join(o.lower() for o in accepted)}"
        + (" (wildcards as case-insensitive regexes)." if any("*" in o for o in accepted) else "."),
        "cors-allow-methods": "Allowed methods: " + ", ".join(policy["allowMethods"]) + ".",
        "cors-allow-headers": "Allowed request headers: " + ", ".join(policy["allowHeaders"]) + ".",
        "cors-expose-headers": "Exposed response headers: "
        + (", ".join(policy.get("exposeHeaders", [])) or "none")
        + ".",
        "cors-allow-credentials": f"allowCredentials: {str(policy['allowCredentials']).lower()}"
        + (
            " (nginx answered with origin `*`, which browsers refuse for credentialed requests)."
            if wildcard
            else "."
        ),
        "cors-max-age": f"Browsers may cache preflight results for {max_age} (maxAge)."
        if max_age
        else "nginx told browsers not to cache preflight results (0); Envoy then sends no Access-Control-Max-Age,"
        " so browsers cache them for their default (a few seconds).",
    }
    for key in keys:
        if key != "enable-cors":
            ctx.report(
                key,
                Verdict.EXACT,
                described[key],
                severity=Severity.WARNING if any(r.startswith(key) for r in rejected) else None,
            )
