"""Load balancing and sticky sessions: gateway-scoped DestinationRule `loadBalancer` per Service port.

| key | verdict | Istio |
| --- | --- | --- |
| affinity | approximated | `cookie`: `consistentHash.httpCookie {name, path, ttl}`; `ttl: 0s` when no expiry is set, so Envoy issues a session cookie as nginx did |
| affinity-mode | approximated | `balanced`: ring hash (some sessions move when endpoints change); `persistent`: needs Istio's experimental persistent sessions (reported) |
| affinity-canary-behavior | unsupported | `sticky` (default): the canary's DestinationRule gets the primary's cookie hashing, but the weighted canary choice happens before the hash; `legacy`: exact (the canary keeps its own keys) |
| session-cookie-name | exact | `httpCookie.name` (default `INGRESSCOOKIE`) |
| session-cookie-path | exact | `httpCookie.path` (default: the Ingress path) |
| session-cookie-max-age | exact | `httpCookie.ttl` |
| session-cookie-expires | approximated | `httpCookie.ttl` (Envoy sets Max-Age, not Expires) |
| session-cookie-domain | exact | `httpCookie.attributes: [{name: Domain}]` (Istio ≥ 1.28) |
| session-cookie-samesite | exact | `httpCookie.attributes: [{name: SameSite}]` (Istio ≥ 1.28) |
| session-cookie-secure | approximated | `attributes: [{name: Secure}]` when `true` (Istio ≥ 1.28); nginx also set Secure on HTTPS requests |
| session-cookie-conditional-samesite-none | unsupported | none |
| session-cookie-change-on-failure | approximated | none needed: the ring hash picks another endpoint when one fails |
| upstream-hash-by | exact | one variable: `$http_x` → `httpHeaderName`, `$cookie_x` → `httpCookie` (no ttl), `$arg_x` → `httpQueryParameterName` (exact); `$remote_addr` → `useSourceIp`, `$request_uri`/`$uri` → `httpHeaderName: :path`, `$host` → `:authority` (approximated); composite keys unsupported |
| upstream-hash-by-subset | approximated | plain ring hash: stickiness to one endpoint instead of a group |
| upstream-hash-by-subset-size | approximated | as upstream-hash-by-subset |
| load-balance | exact | `round_robin` → `simple: ROUND_ROBIN`; `ewma` → `LEAST_REQUEST` (approximated) |

ingress-nginx chooses cookie affinity over upstream-hash-by over load-balance, keeps one setting per
Service port (the oldest Ingress's), and reads these keys on canary Ingresses too (for the canary's own
backend). Unless a canary says `affinity-canary-behavior: legacy`, merging it replaces its session affinity
with the primary's (`mergeAlternativeBackend`): the canary's Service gets the primary's cookie hashing
(CANARY_AFFINITY_INHERITED) and its own affinity and session-cookie keys are no-ops. Cookie attributes need Istio 1.28 or newer; older versions reject the field.
"""

from __future__ import annotations

import re
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.gateway_scope import Backend, backend_of, ingress_backends, set_policy
from kubectl_meshify.annotations.ingress_nginx import canary
from kubectl_meshify.annotations.ingress_nginx._common import (
    duration,
    present,
    report_ignored,
    seconds,
)
from kubectl_meshify.annotations.request_scope import regex_literal_prefix
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import IngressRecord, MeshModel, Semantics, Status

KEYS = {
    "affinity": KeyInfo(Verdict.APPROXIMATED, "`consistentHash.httpCookie {name, path, ttl}`"),
    "affinity-mode": KeyInfo(
        Verdict.APPROXIMATED, "balanced: ring hash; persistent: experimental persistent sessions"
    ),
    "affinity-canary-behavior": KeyInfo(Verdict.UNSUPPORTED, "sticky: none; legacy: exact"),
    "session-cookie-name": KeyInfo(Verdict.EXACT, "`httpCookie.name`"),
    "session-cookie-path": KeyInfo(Verdict.EXACT, "`httpCookie.path`"),
    "session-cookie-max-age": KeyInfo(Verdict.EXACT, "`httpCookie.ttl`"),
    "session-cookie-expires": KeyInfo(Verdict.APPROXIMATED, "`httpCookie.ttl` (Max-Age instead of Expires)"),
    "session-cookie-domain": KeyInfo(Verdict.EXACT, "`httpCookie.attributes` Domain (Istio ≥ 1.28)"),
    "session-cookie-samesite": KeyInfo(Verdict.EXACT, "`httpCookie.attributes` SameSite (Istio ≥ 1.28)"),
    "session-cookie-secure": KeyInfo(Verdict.APPROXIMATED, "`httpCookie.attributes` Secure (Istio ≥ 1.28)"),
    "session-cookie-conditional-samesite-none": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "session-cookie-change-on-failure": KeyInfo(Verdict.APPROXIMATED, "none needed: ring hash fails over"),
    "upstream-hash-by": KeyInfo(
        Verdict.EXACT, "`consistentHash` on a header, cookie, query parameter or source IP"
    ),
    "upstream-hash-by-subset": KeyInfo(Verdict.APPROXIMATED, "plain ring hash"),
    "upstream-hash-by-subset-size": KeyInfo(Verdict.APPROXIMATED, "plain ring hash"),
    "load-balance": KeyInfo(Verdict.EXACT, "`simple: ROUND_ROBIN`; ewma → `LEAST_REQUEST` (approximated)"),
}

DEFAULT_COOKIE = "INGRESSCOOKIE"
SAMESITE = {"none": "None", "lax": "Lax", "strict": "Strict"}
_SINGLE_VARIABLE = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_ANY_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
ATTRIBUTES_NOTE = (
    "Cookie attributes need Istio 1.28 or newer; on older versions remove `attributes` from the"
    " DestinationRule (the API server rejects the field)."
)


def hash_key(expression: str) -> tuple[dict[str, Any] | None, Verdict, str]:
    """An nginx `upstream-hash-by` expression → (Istio consistentHash key, verdict, explanation)."""
    text = expression.strip()
    single = _SINGLE_VARIABLE.match(text)
    if single is None:
        variables = [a or b for a, b in _ANY_VARIABLE.findall(text)]
        if not variables:
            return None, Verdict.UNSUPPORTED, "has no nginx variable, so every request hashed alike"
        first, _, _ = hash_key("$" + variables[0])
        hint = (
            f"; hashing on ${variables[0]} alone is possible ({', '.join(f'{k}: {v}' for k, v in first.items())})"
            if first
            else ""
        )
        return None, Verdict.UNSUPPORTED, f"combines several values, but Istio hashes on one key{hint}"
    name = single.group(1) or single.group(2)
    if name.startswith("http_") and name not in ("http_host",):
        header = name[5:].replace("_", "-")
        return {"httpHeaderName": header}, Verdict.EXACT, f"hashes on the {header} header"
    if name.startswith("cookie_"):
        return {"httpCookie": {"name": name[7:]}}, Verdict.EXACT, f"hashes on the {name[7:]} cookie"
    if name.startswith("arg_"):
        return (
            {"httpQueryParameterName": name[4:]},
            Verdict.EXACT,
            f"hashes on the {name[4:]} query parameter",
        )
    if name in ("remote_addr", "binary_remote_addr"):
        return (
            {"useSourceIp": True},
            Verdict.APPROXIMATED,
            "hashes on the source IP, which the gateway sees only if the client IP is preserved"
            " (externalTrafficPolicy: Local or PROXY protocol)",
        )
    if name in ("request_uri", "uri", "document_uri"):
        extra = (
            "" if name == "request_uri" else " (nginx's $uri excluded the query string; :path includes it)"
        )
        return (
            {"httpHeaderName": ":path"},
            Verdict.APPROXIMATED,
            f"hashes on the :path pseudo-header{extra}; check on a cluster that the gateway hashes on it",
        )
    if name in ("host", "http_host"):
        return (
            {"httpHeaderName": ":authority"},
            Verdict.APPROXIMATED,
            "hashes on the :authority pseudo-header (it keeps a port the client sent, $host did not)",
        )
    return None, Verdict.UNSUPPORTED, f"uses ${name}, which Istio cannot hash on"


def refine(ctx: FamilyContext) -> None:
    inherited, inherited_cookie = _inherit_primary_affinity(ctx) if ctx.settings.canary else (False, False)
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys, backend_keys=True):
        return
    if inherited:
        for key in keys:
            if key.startswith(("affinity", "session-cookie-")) and key != "affinity-canary-behavior":
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    "ingress-nginx replaced this canary's session affinity with the primary's"
                    " (affinity-canary-behavior is not legacy), so this key had no effect.",
                )
        keys = [k for k in keys if not k.startswith(("affinity", "session-cookie-"))]
        if ctx.has("affinity-canary-behavior"):
            _canary_behavior(ctx, True)
    affinity = "" if inherited else (ctx.value("affinity") or "").strip().lower()
    cookie = affinity == "cookie"
    if inherited_cookie:
        # The copied cookie affinity takes precedence over this canary's hashing and balancing keys.
        for key in (
            "upstream-hash-by",
            "upstream-hash-by-subset",
            "upstream-hash-by-subset-size",
            "load-balance",
        ):
            if ctx.has(key):
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    "The canary has the primary's cookie affinity, which takes precedence in ingress-nginx.",
                )
        return
    hash_by = (ctx.value("upstream-hash-by") or "").strip()
    backends = ingress_backends(ctx)
    if ctx.has("affinity") and not cookie and not inherited:
        ctx.report(
            "affinity",
            Verdict.NO_OP,
            f"ingress-nginx supports only `cookie` affinity; {affinity!r} had no effect.",
        )
    if cookie:
        _cookie_affinity(ctx, backends)
    else:
        for key in keys:
            if key.startswith("session-cookie-") or key in ("affinity-mode",):
                ctx.report(key, Verdict.NO_OP, "Only used with `affinity: cookie`; it had no effect.")
    if ctx.has("affinity-canary-behavior") and not inherited:
        _canary_behavior(ctx, cookie)
    if hash_by and not cookie:
        _hash_by(ctx, backends, hash_by)
    for key in ("upstream-hash-by", "upstream-hash-by-subset", "upstream-hash-by-subset-size"):
        if ctx.has(key) and cookie:
            ctx.report(
                key, Verdict.NO_OP, "Cookie affinity takes precedence over upstream-hash-by in ingress-nginx."
            )
        elif ctx.has(key) and not hash_by:
            ctx.report(key, Verdict.NO_OP, "Has no effect without upstream-hash-by.")
    if ctx.has("load-balance"):
        if cookie or hash_by:
            ctx.report(
                "load-balance",
                Verdict.NO_OP,
                "Cookie affinity or upstream-hash-by takes precedence over load-balance in ingress-nginx.",
            )
        else:
            _load_balance(ctx, backends)


def _claim_all(
    ctx: FamilyContext, backends: list[Backend], value: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Set `loadBalancer` for each backend: (applied labels, conflict notes)."""
    applied, conflicts = [], []
    for backend in backends:
        claim = set_policy(ctx, backend, ("loadBalancer",), value)
        if claim.kept:
            applied.append(backend.label())
        else:
            conflicts.append(
                f"{backend.label()} keeps the load balancing of the older Ingress {claim.other}, as"
                " ingress-nginx did (one setting per Service port)"
            )
    return applied, conflicts


def _cookie_attributes(ctx: FamilyContext) -> list[dict[str, str]]:
    attributes: list[dict[str, str]] = []
    domain = (ctx.value("session-cookie-domain") or "").strip()
    if domain:
        attributes.append({"name": "Domain", "value": domain})
    samesite = SAMESITE.get((ctx.value("session-cookie-samesite") or "").strip().lower())
    if samesite:
        attributes.append({"name": "SameSite", "value": samesite})
    if (ctx.value("session-cookie-secure") or "").strip().lower() == "true":
        attributes.append({"name": "Secure"})
    return attributes


def _cookie(ctx: FamilyContext, backend: Backend) -> tuple[dict[str, Any], str | None]:
    """The `httpCookie` of this Ingress's cookie affinity for one backend, and a note on its path."""
    max_age = seconds(ctx.value("session-cookie-max-age"))
    ttl = max_age if max_age is not None else seconds(ctx.value("session-cookie-expires"))
    path, note = _cookie_path(ctx, backend)
    name = (ctx.value("session-cookie-name") or "").strip() or DEFAULT_COOKIE
    cookie: dict[str, Any] = {"name": name, "path": path, "ttl": duration(ttl or 0)}
    attributes = _cookie_attributes(ctx)
    if attributes:
        cookie["attributes"] = attributes
    return cookie, note


def _cookie_affinity(ctx: FamilyContext, backends: list[Backend]) -> None:
    name = (ctx.value("session-cookie-name") or "").strip() or DEFAULT_COOKIE
    max_age = seconds(ctx.value("session-cookie-max-age"))
    expires = seconds(ctx.value("session-cookie-expires"))
    ttl = max_age if max_age is not None else expires
    domain = (ctx.value("session-cookie-domain") or "").strip()
    samesite = SAMESITE.get((ctx.value("session-cookie-samesite") or "").strip().lower())
    secure = (ctx.value("session-cookie-secure") or "").strip().lower() == "true"
    applied: list[str] = []
    conflicts: list[str] = []
    paths: dict[str, str] = {}
    notes: list[str] = []
    for backend in backends:
        cookie, note = _cookie(ctx, backend)
        path = cookie["path"]
        if note and note not in notes:
            notes.append(note)
        done, clash = _claim_all(ctx, [backend], {"consistentHash": {"httpCookie": cookie}})
        applied += done
        conflicts += clash
        paths[backend.label()] = path
    mode = (ctx.value("affinity-mode") or "balanced").strip().lower()
    text = (
        f"Sticky sessions with cookie {name} are converted to consistent hashing on that cookie"
        f" (gateway-scoped DestinationRule) for {', '.join(applied) or 'no Service port'}; Envoy issues the"
        f" cookie ({'session cookie' if not ttl else f'Max-Age {ttl}s'}) like nginx. Consistent hashing is"
        " softer than nginx's stickiness: when endpoints are added or removed some sessions move."
    )
    if not secure:
        text += (
            " nginx marked the cookie Secure on HTTPS requests; Envoy does so only with"
            ' session-cookie-secure: "true".'
        )
    if conflicts:
        text += " " + "; ".join(conflicts) + "."
    text += "".join(" " + n for n in notes)
    ctx.report("affinity", Verdict.APPROXIMATED, text)
    if ctx.has("affinity-mode"):
        if mode == "persistent":
            ctx.report(
                "affinity-mode",
                Verdict.APPROXIMATED,
                "persistent mode never rebalanced sessions; the ring hash may move some. Istio's closer"
                " equivalent, persistent sessions (the cookie names the endpoint), is experimental.",
                action="To use it: set PILOT_ENABLE_PERSISTENT_SESSION_FILTER=true on istiod (cluster admin)"
                f" and label the Service `istio.io/persistent-session: {name}`; then drop the consistentHash.",
                severity=Severity.WARNING,
            )
        else:
            ctx.report(
                "affinity-mode",
                Verdict.APPROXIMATED,
                "balanced mode: like nginx, some sessions move when endpoints are added; the ring hash"
                " also moves some when endpoints are removed.",
            )
    _report_cookie_keys(ctx, name, paths, ttl, max_age, expires, domain, samesite, secure)


def _report_cookie_keys(
    ctx: FamilyContext,
    name: str,
    paths: dict[str, str],
    ttl: int | None,
    max_age: int | None,
    expires: int | None,
    domain: str,
    samesite: str | None,
    secure: bool,
) -> None:
    if ctx.has("session-cookie-name"):
        ctx.report("session-cookie-name", Verdict.EXACT, f"Cookie name {name} (httpCookie.name).")
    if ctx.has("session-cookie-path"):
        shown = ", ".join(sorted(set(paths.values()))) or "/"
        ctx.report("session-cookie-path", Verdict.EXACT, f"Cookie path {shown} (httpCookie.path).")
    if ctx.has("session-cookie-max-age"):
        if max_age is None:
            ctx.report(
                "session-cookie-max-age",
                Verdict.NO_OP,
                "Not a whole number of seconds; ingress-nginx ignored it.",
            )
        else:
            ctx.report(
                "session-cookie-max-age", Verdict.EXACT, f"Cookie Max-Age {max_age}s (httpCookie.ttl)."
            )
    if ctx.has("session-cookie-expires"):
        if expires is None:
            ctx.report(
                "session-cookie-expires",
                Verdict.NO_OP,
                "Not a whole number of seconds; ingress-nginx ignored it.",
            )
        elif max_age is not None:
            ctx.report(
                "session-cookie-expires",
                Verdict.APPROXIMATED,
                "nginx sent Expires and Max-Age; browsers use Max-Age, which Envoy sends (ttl from"
                " session-cookie-max-age). No Expires attribute is sent.",
            )
        else:
            ctx.report(
                "session-cookie-expires",
                Verdict.APPROXIMATED,
                f"The cookie lives {expires}s as before, but Envoy states it as Max-Age instead of an Expires"
                " date (httpCookie.ttl).",
            )
    for key, value, attribute in (
        ("session-cookie-domain", domain, "Domain"),
        ("session-cookie-samesite", samesite, "SameSite"),
    ):
        if not ctx.has(key):
            continue
        if value:
            ctx.report(
                key,
                Verdict.EXACT,
                f"Cookie attribute {attribute}={value} (httpCookie.attributes).",
                action=ATTRIBUTES_NOTE,
                severity=Severity.WARNING,
            )
        else:
            ctx.report(key, Verdict.NO_OP, "Empty or invalid value; ingress-nginx set no such attribute.")
    if ctx.has("session-cookie-secure"):
        if secure:
            ctx.report(
                "session-cookie-secure",
                Verdict.EXACT,
                "Cookie attribute Secure (httpCookie.attributes).",
                action=ATTRIBUTES_NOTE,
                severity=Severity.WARNING,
            )
        else:
            ctx.report(
                "session-cookie-secure",
                Verdict.APPROXIMATED,
                "nginx still marked the cookie Secure on HTTPS requests; Envoy does not.",
            )
    if ctx.has("session-cookie-conditional-samesite-none"):
        active = ctx.flag("session-cookie-conditional-samesite-none") and samesite == "None"
        if active:
            ctx.report(
                "session-cookie-conditional-samesite-none",
                Verdict.UNSUPPORTED,
                "nginx left out SameSite=None for browsers known to reject it; Envoy sends it to every browser.",
                action="Old browsers (e.g. Safari 12) may drop the cookie; nothing to do for current browsers.",
            )
        else:
            ctx.report(
                "session-cookie-conditional-samesite-none",
                Verdict.NO_OP,
                "Only matters when session-cookie-samesite is None and this is true; it had no effect.",
            )
    if ctx.has("session-cookie-change-on-failure"):
        ctx.report(
            "session-cookie-change-on-failure",
            Verdict.APPROXIMATED,
            "When the hashed endpoint is gone, the ring hash sends the request to another endpoint; the"
            " cookie keeps its value instead of being reissued.",
        )


def _cookie_path(ctx: FamilyContext, backend: Backend) -> tuple[str, str | None]:
    """The cookie path nginx gave this backend's locations, and a note when one path cannot match it."""
    explicit = (ctx.value("session-cookie-path") or "").strip()
    if explicit:
        return explicit, None
    found: list[str] = []
    regex = False
    for rule in ctx.record.obj.spec.get("rules") or []:
        host = str(rule.get("host") or "*")
        vhost = ctx.model.hosts.get(host)
        http = rule.get("http") if isinstance(rule.get("http"), dict) else {}
        for path in http.get("paths") or []:
            if isinstance(path, dict) and backend_of(ctx, path.get("backend")) == backend:
                value = str(path.get("path") or "/")
                regex = regex or bool(vhost and vhost.regex_mode)
                if value not in found:
                    found.append(value)
    if not found:
        return "/", None
    if regex:
        literal = regex_literal_prefix(found[0]) if len(found) == 1 else ""
        return literal or "/", (
            f"With regex paths nginx used the path regex ({', '.join(found)}) as the cookie Path, which"
            " browsers never match (set session-cookie-path); the cookie gets Path"
            f" {literal or '/'} instead, so stickiness now works."
        )
    if len(found) == 1:
        return found[0], None
    return "/", (
        f"nginx set one cookie per location path ({', '.join(found)}); a single cookie with Path / covers"
        " them all."
    )


def _canary_behavior(ctx: FamilyContext, cookie: bool) -> None:
    value = (ctx.value("affinity-canary-behavior") or "sticky").strip().lower()
    prefix = ctx.prefix
    in_pair = ctx.settings.canary or any(
        r.obj.annotations.get(prefix + "canary", "").strip().lower() == "true"
        and set(_hosts(r.obj.spec)) & set(_hosts(ctx.record.obj.spec))
        for r in ctx.model.records.values()
        if r.key != ctx.ingress
    )
    if not cookie or not in_pair:
        ctx.report(
            "affinity-canary-behavior",
            Verdict.NO_OP,
            "Only matters for cookie affinity on a canary pair; it had no effect.",
        )
    elif value == "legacy":
        ctx.report(
            "affinity-canary-behavior",
            Verdict.EXACT,
            "legacy: affinity did not pin the primary/canary choice; in Istio it never does.",
        )
    else:
        ctx.report(
            "affinity-canary-behavior",
            Verdict.UNSUPPORTED,
            "With sticky behaviour nginx kept a user on the canary (or primary) once chosen; in Istio the"
            " weighted choice happens before the cookie hash, so users may switch between requests.",
            action="To pin users, route the canary by cookie (canary-by-cookie) instead of by weight.",
        )


def _hosts(spec: dict[str, Any]) -> list[str]:
    return [str(r.get("host") or "*") for r in spec.get("rules") or [] if isinstance(r, dict)]


def _hash_by(ctx: FamilyContext, backends: list[Backend], expression: str) -> None:
    key, verdict, why = hash_key(expression)
    if key is None:
        ctx.report(
            "upstream-hash-by",
            Verdict.UNSUPPORTED,
            f"upstream-hash-by {expression!r} {why}; no consistent hashing is configured, so requests are"
            " balanced without stickiness.",
            action="Hash on one header, cookie, query parameter or the source IP, and re-run.",
        )
        for subset_key in ("upstream-hash-by-subset", "upstream-hash-by-subset-size"):
            if ctx.has(subset_key):
                ctx.report(
                    subset_key, Verdict.NO_OP, "upstream-hash-by is not converted, so neither is this."
                )
        return
    applied, conflicts = _claim_all(ctx, backends, {"consistentHash": key})
    text = (
        f"Consistent hashing (ring hash, like nginx's ketama) for {', '.join(applied) or 'no Service port'}:"
        f" {expression} {why}."
    )
    if conflicts:
        text += " " + "; ".join(conflicts) + "."
    ctx.report("upstream-hash-by", verdict, text)
    for subset_key in ("upstream-hash-by-subset", "upstream-hash-by-subset-size"):
        if ctx.has(subset_key):
            ctx.report(
                subset_key,
                Verdict.APPROXIMATED,
                "nginx hashed to a group of endpoints and picked one at random; Istio hashes to a single"
                " endpoint, so stickiness is now to one endpoint instead of a group.",
            )


def _load_balance(ctx: FamilyContext, backends: list[Backend]) -> None:
    value = (ctx.value("load-balance") or "").strip().lower()
    if value == "round_robin":
        applied, conflicts = _claim_all(ctx, backends, {"simple": "ROUND_ROBIN"})
        text = f"Round robin (loadBalancer.simple ROUND_ROBIN) for {', '.join(applied) or 'no Service port'}."
        verdict = Verdict.EXACT
    elif value == "ewma":
        applied, conflicts = _claim_all(ctx, backends, {"simple": "LEAST_REQUEST"})
        text = (
            f"Peak-EWMA becomes least-request (LEAST_REQUEST) for {', '.join(applied) or 'no Service port'}:"
            " both favour lightly loaded endpoints, but Envoy counts active requests instead of latency."
        )
        verdict = Verdict.APPROXIMATED
    else:
        ctx.report(
            "load-balance",
            Verdict.NO_OP,
            f"{value!r} is not round_robin or ewma; ingress-nginx used its controller-wide default for this"
            " Ingress. Istio's default (least-request) applies.",
        )
        return
    if conflicts:
        text += " " + "; ".join(conflicts) + "."
    ctx.report("load-balance", verdict, text)


# --- a canary takes the primary's session affinity --------------------------------------------------


def _inherit_primary_affinity(ctx: FamilyContext) -> tuple[bool, bool]:
    """ingress-nginx copies the primary upstream's session affinity onto the canary's upstream unless
    the canary says `affinity-canary-behavior: legacy` (`mergeAlternativeBackend` in
    internal/ingress/controller/controller.go), so the canary keeps cookie stickiness. Returns
    (whether the canary's own affinity keys are replaced, whatever the primary had, even nothing;
    whether it got a cookie affinity that way)."""
    if (ctx.value("affinity-canary-behavior") or "").strip().lower() == "legacy":
        return False, False
    result = ctx.settings.extra.get(canary.EXTRA)
    pairs = result.attached if isinstance(result, canary.Result) else []
    if not pairs:
        return False, False
    copied: list[str] = []
    for primary, alt in pairs:
        source = _affinity_source(ctx.model, ctx.prefix, primary)
        target = backend_of(ctx, _reference(alt))
        if source is None or target is None:
            continue
        source_ctx = FamilyContext(source, ctx.model, ctx.resources, ctx.options, ctx.prefix)
        primary_backend = backend_of(source_ctx, _reference(primary))
        if primary_backend is None:
            continue
        cookie, _ = _cookie(source_ctx, primary_backend)
        claim = set_policy(ctx, target, ("loadBalancer",), {"consistentHash": {"httpCookie": cookie}})
        if claim.kept:
            copied.append(f"{target.label()} (cookie {cookie['name']} of {source.key})")
    if copied:
        ctx.note(
            Finding(
                code="CANARY_AFFINITY_INHERITED",
                severity=Severity.INFO,
                verdict=Verdict.APPROXIMATED,
                message="ingress-nginx gave the canary the primary's cookie affinity, and so does the"
                f" conversion: {', '.join(copied)}. Once a user is on the canary, Envoy keeps them on the"
                " same canary endpoint; but Istio picks primary or canary before the cookie hash, so the"
                " choice between the two is not sticky as it was with nginx.",
                action="To pin users to the canary, route it by cookie (canary-by-cookie).",
                ingress=ctx.ingress,
            )
        )
    return True, bool(copied)


def _reference(key: tuple[str, str, str]) -> dict[str, Any]:
    """An Ingress backend reference for an upstream key (namespace, Service, port as written)."""
    _, service, port = key
    return {"service": {"name": service, "port": {"number": int(port)} if port.isdigit() else {"name": port}}}


def _affinity_source(model: MeshModel, prefix: str, upstream: tuple[str, str, str]) -> IngressRecord | None:
    """The oldest non-canary nginx Ingress with cookie affinity that sends traffic to `upstream`."""
    for record in _records_by_upstream(model).get(upstream, ()):
        if (
            record.semantics is not Semantics.NGINX
            or record.settings.canary
            or record.status in (Status.SKIPPED, Status.FAILED)
            or (record.obj.annotations.get(prefix + "affinity") or "").strip().lower() != "cookie"
        ):
            continue
        return record
    return None


def _records_by_upstream(model: MeshModel) -> dict[tuple[str, str, str], list[IngressRecord]]:
    """Upstream → the records that send traffic to it, oldest first. Built once per model: scanning
    every Ingress for each canary made the conversion quadratic in the number of Ingresses."""
    cached = model.derived.get("affinity.records_by_upstream")
    if cached is not None:
        return cached
    index: dict[tuple[str, str, str], list[IngressRecord]] = {}
    for record in sorted(model.records.values(), key=lambda r: r.order):
        spec = record.obj.spec
        refs = [spec.get("defaultBackend") or spec.get("backend")]
        for rule in spec.get("rules") or []:
            http = rule.get("http") if isinstance(rule, dict) else None
            for path in (http.get("paths") or []) if isinstance(http, dict) else []:
                if isinstance(path, dict):
                    refs.append(path.get("backend"))
        for key in {canary.backend_key(record.obj.namespace, ref) for ref in refs}:
            if key is not None:
                index.setdefault(key, []).append(record)
    model.derived["affinity.records_by_upstream"] = index
    return index
