"""Regex paths, rewrites, app-root and X-Forwarded-Prefix.

| key | verdict | Istio |
| --- | --- | --- |
| use-regex | exact | every path of the host → `uri.regex: "(?i)(?:<path>).*"` (case-insensitive, anchored at the start only) |
| rewrite-target | exact | `rewrite.uriRegexRewrite: {match: "(?i)^(?:<path>).*", rewrite: <target, $n → \\n>}`; an `http(s)://` target → `redirect`, code 302 |
| app-root | exact | first route of the host: `uri.exact: /` → `redirect: {uri: <app-root>, redirectCode: 302}` |
| x-forwarded-prefix | exact | `headers.request.set: {x-forwarded-prefix: <value>}` on the routes that rewrite; empty: nothing |

ingress-nginx matches every path of a host as `~* "^<path>"` when any Ingress of the host sets use-regex
or a rewrite-target that differs from a path (core writes those matches). A rewrite is
`rewrite "(?i)<path>" <target> break;`, which replaces the *whole* URI: `path: /api` with target `/`
sends `/api/users` to `/`. The rewrite pattern `(?i)^(?:<path>).*` makes the whole path the match, so
Envoy's regex substitution gives the same result; `$1`…`$9` become `\\1`…`\\9` and references past the
path's groups expand to nothing, as in nginx. PCRE-only syntax (look-around, back-references,
possessive quantifiers, atomic groups, recursion) has no RE2 spelling, and Istio rejects a
VirtualService with such a regex, so those paths are reported and left out; named groups `(?<n>…)` are
respelled `(?P<n>…)`. A target starting with `http://` or `https://` makes nginx answer 302 with that
URL. Other nginx variables (`$host`, `$request_uri`, …) cannot be expanded by Envoy. app-root is a
server-level `return 302` for `/` that nginx runs before any location and before its HTTPS redirect;
Envoy keeps the query string on it, nginx drops it. x-forwarded-prefix is only sent on a location that
rewrites. Two nginx details are reproduced: a Prefix path `/p` equal to the target is stored as the
locations `/p/` (which differs from the target, so it rewrites `/p/…` to `/p` and turns regex mode on) and
`= /p` (unchanged); and the implicit `/` location of a host carries the annotations of its first Ingress,
so an absolute (`http(s)://`) target answers 302 for every path of the host no other location matches.
"""

from __future__ import annotations

import copy

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._pcre import nginx_target, nginx_variables, to_re2
from kubectl_meshify.annotations.ingress_nginx.redirect import redirect_for_url, root_locations
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import Match, Route, RouteOrigin, Semantics, VirtualHost

KEYS = {
    "use-regex": KeyInfo(Verdict.EXACT, "paths of the host as `uri.regex: (?i)(?:<path>).*`"),
    "rewrite-target": KeyInfo(
        Verdict.EXACT,
        "`rewrite.uriRegexRewrite` replacing the whole path (`$n` → `\\n`); `http(s)://` → redirect 302",
    ),
    "app-root": KeyInfo(Verdict.EXACT, "first route: `uri.exact: /` → `redirect.uri`, code 302"),
    "x-forwarded-prefix": KeyInfo(
        Verdict.EXACT, "`headers.request.set.x-forwarded-prefix` on rewriting routes"
    ),
}


def prepare(ctx: FamilyContext) -> None:
    target = ctx.value("rewrite-target")
    # nginx skips the rewrite (and regex mode) for a location whose path equals the target; but a Prefix
    # path `/p` is stored as the location `/p/` (plus `= /p`), which differs from a target `/p`.
    if ctx.flag("use-regex") or (
        target and any(path != target or _split_by_nginx(path, kind) for path, kind in _location_paths(ctx))
    ):
        ctx.settings.regex = True


def refine(ctx: FamilyContext) -> None:
    if ctx.settings.canary:
        return  # nginx ignores these on a canary Ingress; the canary family reports them
    problems, renamed = _regex_paths(ctx)
    _report_use_regex(ctx, problems, renamed)
    rewriting = _rewrite(ctx, problems, renamed)
    _forwarded_prefix(ctx, rewriting)
    _app_root(ctx)


def _location_paths(ctx: FamilyContext) -> list[tuple[str, str]]:
    """(path, pathType) of every path of the Ingress."""
    return [
        (str(path.get("path") or "/"), str(path.get("pathType") or "ImplementationSpecific"))
        for rule in ctx.record.obj.spec.get("rules") or []
        if isinstance(rule, dict) and isinstance(rule.get("http"), dict)
        for path in rule["http"].get("paths") or []
        if isinstance(path, dict)
    ]


# --- regex paths ------------------------------------------------------------------------------------


def _regex_paths(ctx: FamilyContext) -> tuple[list[str], list[str]]:
    """Respell or drop this Ingress's regex paths on regex-mode hosts: (problems, renamed groups)."""
    problems: list[str] = []
    renamed: list[str] = []
    for vhost in ctx.hosts():
        if not vhost.regex_mode:
            continue
        for route in [r for r in vhost.routes if r.origin.ingress == ctx.ingress and r.path is not None]:
            conversion = to_re2(route.path or "/")
            if not conversion.ok:
                vhost.routes.remove(route)
                problems.append(
                    f"{vhost.host} path {route.path}: {', '.join(conversion.problems)} (route left out)"
                )
                continue
            if conversion.renamed:
                route.matches = [
                    Match(uri=("regex", f"(?i)(?:{conversion.regex}).*"), headers=m.headers, port=m.port)
                    if m.uri and m.uri[0] == "regex"
                    else m
                    for m in route.matches
                ]
                renamed.extend(conversion.renamed)
    if problems and not (ctx.has("use-regex") or ctx.has("rewrite-target")):
        # Another Ingress turned regex mode on; this Ingress's paths pay for it.
        ctx.note(
            Finding(
                code="PATH_REGEX_UNSUPPORTED",
                severity=Severity.WARNING,
                verdict=Verdict.UNSUPPORTED,
                message="Regex mode on the host made ingress-nginx read these paths as PCRE, which RE2 cannot"
                " express: " + "; ".join(problems) + ".",
                action="Rewrite the paths without PCRE-only syntax, or move them to a host without regex mode.",
                ingress=ctx.ingress,
            )
        )
    return problems, renamed


def _report_use_regex(ctx: FamilyContext, problems: list[str], renamed: list[str]) -> None:
    if not ctx.has("use-regex"):
        return
    if not ctx.flag("use-regex"):
        detail = (
            " rewrite-target turns regex matching on for the host anyway, as in nginx."
            if ctx.settings.regex
            else " paths are matched as exact or prefix paths, as before."
        )
        ctx.report("use-regex", Verdict.EXACT, "use-regex is off;" + detail)
        return
    hosts = sorted(v.host for v in ctx.hosts() if v.regex_mode)
    if problems:
        ctx.report(
            "use-regex",
            Verdict.UNSUPPORTED,
            "PCRE syntax that RE2 (Envoy) cannot express: " + "; ".join(problems) + ".",
            action="Rewrite these regexes without look-around, back-references, possessive quantifiers or"
            " atomic groups; the other paths are converted.",
        )
        return
    message = (
        f"Every path of {', '.join(hosts) or 'its hosts'} is matched as nginx matched it: a case-insensitive"
        " regex anchored at the start only (`uri.regex: (?i)(?:<path>).*`)."
    )
    if renamed:
        note = _renamed_note(renamed)
        message += f" {note[0].upper()}{note[1:]}."
    ctx.report("use-regex", Verdict.EXACT, message)


def _renamed_note(renamed: list[str]) -> str:
    return f"named groups ({', '.join(sorted(set(renamed)))}) are spelled (?P<name>…) for RE2"


# --- rewrite-target ---------------------------------------------------------------------------------


def _rewrite(ctx: FamilyContext, regex_problems: list[str], renamed: list[str]) -> list[Route]:
    """Apply rewrite-target to the Ingress's routes; returns the routes that rewrite upstream."""
    target = ctx.value("rewrite-target")
    if target is None:
        return []
    rewriting: list[Route] = []
    unchanged: list[str] = []
    redirected: list[str] = []
    answered: list[str] = []
    problems = list(regex_problems)
    plain_prefix: str | None = None  # a path whose whole URI nginx replaced without captures
    # use-regex's finding mentions respelled groups when present; otherwise this one does.
    notes = [] if ctx.has("use-regex") or not renamed else [_renamed_note(renamed)]
    for vhost, route in list(ctx.routes()):
        path = _route_location(ctx, vhost, route)
        if path is None:
            continue
        if path == target:
            if _split_by_nginx(path, route.path_type) and not ctx.flag("use-regex"):
                rewriting.append(_slash_location(vhost, route, target))
                notes.append(
                    f"Prefix path {path} equals the target, but nginx stored it as the location {path}/ (which"
                    f" rewrites {path}/… to {target}) plus {path} (sent unchanged), and that turned regex"
                    " matching on for the host; both routes are written that way"
                )
            else:
                unchanged.append(path)
            continue
        if route.redirect is not None or route.direct_response is not None:
            answered.append(path)  # nginx returns before it rewrites
            continue
        conversion = to_re2(path)
        if not conversion.ok:
            continue  # already reported with the regex paths
        converted = nginx_target(target, conversion.groups)
        if target.startswith(("http://", "https://")):
            error = _redirect_route(route, target, converted.captures)
            if error:
                problems.append(f"{vhost.host} path {path}: {error}")
            else:
                redirected.append(path)
            continue
        if converted.problems or "?" in target:
            reasons = converted.problems + (["a query string in the target"] if "?" in target else [])
            problems.append(
                f"{vhost.host} path {path}: {', '.join(reasons)} (route proxies without the rewrite)"
            )
            continue
        rewrite = route.http.setdefault("rewrite", {})
        rewrite["uriRegexRewrite"] = {"match": f"(?i)^(?:{conversion.regex}).*", "rewrite": converted.rewrite}
        rewriting.append(route)
        if not converted.captures and plain_prefix is None:
            plain_prefix = path
    if target.startswith(("http://", "https://")):
        redirected += _redirect_root_location(ctx, target, problems)
    _report_rewrite(ctx, target, rewriting, unchanged, redirected, answered, problems, plain_prefix, notes)
    return rewriting


def _split_by_nginx(path: str, path_type: str | None) -> bool:
    """ingress-nginx stores a Prefix path `/p` (without use-regex or a rewrite) as the location `/p/` plus
    an exact `/p`; with rewrite-target `/p` only the `/p/` location then differs from the target."""
    return path_type == "Prefix" and path != "/" and not path.endswith("/")


def _slash_location(vhost: VirtualHost, route: Route, target: str) -> Route:
    """The `/p/` location of a Prefix path equal to the target: it rewrites the whole URI to the target
    (nginx: `rewrite "(?i)/p/" /p break;`), so `/p/x` reaches the backend as `/p`, while `/p` and `/pzz`
    (the `/p` location, a prefix regex in regex mode) are sent unchanged."""
    slash = copy.deepcopy(route)
    slash.name = f"{route.name}.slash"
    slash.path = path = (route.path or "/") + "/"
    regex = to_re2(path).regex
    for match in slash.matches:
        match.uri = ("regex", f"(?i)(?:{regex}).*")
    slash.http.setdefault("rewrite", {})["uriRegexRewrite"] = {
        "match": f"(?i)^(?:{regex}).*",
        "rewrite": target,
    }
    slash.sort_length = route.sort_length + 1
    key = (-slash.sort_length, slash.sort_rank)
    index = next(
        (i for i, r in enumerate(vhost.routes) if r is route or (-r.sort_length, r.sort_rank) > key),
        len(vhost.routes),
    )
    vhost.routes.insert(index, slash)
    return slash


def _route_location(ctx: FamilyContext, vhost: VirtualHost, route: Route) -> str | None:
    """The nginx location path a route stands for, or None when rewrite-target does not apply to it."""
    if vhost.semantics is not Semantics.NGINX or vhost.passthrough:
        return None
    if route.origin.rule is not None:
        return route.path or "/"
    if route.redirect is not None or route.direct_response is not None or route.path is not None:
        return None  # a route a family added (app-root, www twin, …)
    # A spec.defaultBackend route is nginx's `/` location of the host, which carries the annotations;
    # except on the catch-all server built from an Ingress without rules, where nginx drops the rewrite.
    return "/" if ctx.record.obj.spec.get("rules") else None


def _redirect_route(route: Route, target: str, captures: list[int]) -> str | None:
    """nginx answers 302 with an absolute target (plus the request's query, which Envoy keeps too);
    returns why Envoy cannot, if it cannot."""
    if captures:
        return "the redirect URL uses capture groups, which an Istio redirect cannot fill in"
    if "?" in target:
        return "nginx appends the request's query to the target's own; an Istio redirect replaces it"
    redirect, problems = redirect_for_url(target, 302)
    if redirect is None:
        return "; ".join(problems)
    route.redirect = redirect
    route.http.pop("rewrite", None)
    return None


def _redirect_root_location(ctx: FamilyContext, target: str, problems: list[str]) -> list[str]:
    """nginx gives a host's implicit `/` location the annotations of its first Ingress, so with an
    absolute target every request no path of the host matches is answered 302 as well."""
    added = []
    for vhost, route in root_locations(ctx):
        error = _redirect_route(route, target, nginx_target(target, 0).captures)
        if error:
            problems.append(f"{vhost.host} implicit `/` location: {error}")
            continue
        vhost.routes.append(route)
        added.append(f"the other paths of {vhost.host} (its implicit `/` location)")
    return added


def _report_rewrite(
    ctx: FamilyContext,
    target: str,
    rewriting: list[Route],
    unchanged: list[str],
    redirected: list[str],
    answered: list[str],
    problems: list[str],
    plain_prefix: str | None,
    notes: list[str],
) -> None:
    parts = []
    if rewriting:
        parts.append(
            f"{len(rewriting)} route(s) rewrite the whole path to {target} as nginx did (regex"
            " `(?i)^(?:<path>).*`, captures `$n` → `\\n`)"
        )
    if redirected:
        parts.append(
            f"path(s) {', '.join(redirected)} answer 302 to {target}, as nginx did for an absolute target"
        )
    if unchanged:
        parts.append(
            f"path(s) {', '.join(sorted(set(unchanged)))} equal the target, so nginx did not rewrite them"
        )
    if answered:
        parts.append(f"path(s) {', '.join(answered)} answer with a redirect before any rewrite, as in nginx")
    parts += notes
    if problems:
        ctx.report(
            "rewrite-target",
            Verdict.UNSUPPORTED,
            "Not converted: "
            + "; ".join(problems)
            + "."
            + (" Converted: " + "; ".join(parts) + "." if parts else ""),
            action="Rewrite these paths or the target without PCRE-only syntax or nginx variables.",
        )
        return
    if not rewriting and not redirected:
        ctx.report("rewrite-target", Verdict.NO_OP, "Nothing to rewrite: " + "; ".join(parts) + ".")
        return
    message = "; ".join(parts) + "."
    if plain_prefix is not None:
        example = plain_prefix.rstrip("/") + "/users"
        message += (
            f" Note: nginx replaced the whole path, so {example} is sent upstream as {target}; if a prefix"
            " strip was meant, change the Ingress to a capture group (path `/p(/|$)(.*)`, target `/$2`)."
        )
    ctx.report("rewrite-target", Verdict.EXACT, message)


def _forwarded_prefix(ctx: FamilyContext, rewriting: list[Route]) -> None:
    value = ctx.value("x-forwarded-prefix")
    if value is None:
        return
    if not value:
        # template.go (buildProxyPass) writes the header only when the value is not empty.
        ctx.report(
            "x-forwarded-prefix",
            Verdict.NO_OP,
            "The value is empty, so ingress-nginx sent no X-Forwarded-Prefix header; nothing is converted.",
        )
        return
    if not rewriting:
        ctx.report(
            "x-forwarded-prefix",
            Verdict.NO_OP,
            "ingress-nginx sends X-Forwarded-Prefix only on a location that rewrites its path; no route of"
            " this Ingress rewrites, so it had no effect and nothing is converted.",
        )
        return
    if "$" in value:
        ctx.report(
            "x-forwarded-prefix",
            Verdict.UNSUPPORTED,
            f"{value!r} uses capture groups or nginx variables, which Istio header values cannot expand.",
            action="Set a literal prefix, or have the backend derive it from the original path.",
        )
        return
    for route in rewriting:
        headers = route.http.setdefault("headers", {})
        headers.setdefault("request", {}).setdefault("set", {})["x-forwarded-prefix"] = value
    ctx.report(
        "x-forwarded-prefix",
        Verdict.EXACT,
        f"The {len(rewriting)} rewriting route(s) send `X-Forwarded-Prefix: {value}` upstream, as nginx did.",
    )


# --- app-root ---------------------------------------------------------------------------------------


def _app_root(ctx: FamilyContext) -> None:
    value = ctx.value("app-root")
    if value is None:
        return
    value = value.strip()
    if not value.startswith("/") or value.startswith("//"):
        ctx.report(
            "app-root",
            Verdict.NO_OP,
            f"{value!r} is not an absolute path; ingress-nginx ignored app-root, and so does the conversion.",
            action="Use a path such as /app if a redirect of / was intended.",
            severity=Severity.WARNING,
        )
        return
    variables = nginx_variables(value)
    if variables:
        ctx.report(
            "app-root",
            Verdict.UNSUPPORTED,
            f"{value!r} uses nginx variables ({', '.join(variables)}) that an Istio redirect cannot expand.",
            action="Use a literal path.",
        )
        return
    served, others = [], []
    for vhost in ctx.hosts():
        if vhost.semantics is not Semantics.NGINX or vhost.passthrough:
            continue
        owner = _app_root_owner(ctx, vhost)
        if owner != ctx.ingress:
            others.append(f"{vhost.host} (app-root of {owner} applies there)")
            continue
        if any(r.name.endswith(".app-root") for r in vhost.routes):
            continue
        vhost.routes.insert(
            0,
            Route(
                name=f"{ctx.record.obj.namespace}.{ctx.record.obj.name}.app-root",
                origin=RouteOrigin(ctx.ingress),
                matches=[Match(uri=("exact", "/"))],
                redirect={"uri": value, "redirectCode": 302},
                sort_length=1,
                sort_rank=0,
            ),
        )
        served.append(vhost.host)
    if not served:
        ctx.report("app-root", Verdict.NO_OP, "Not applied: " + "; ".join(others) + ".")
        return
    message = (
        f"Requests for / on {', '.join(served)} are redirected (302) to {value} before any other route,"
        " as nginx's server-level rule did. Envoy keeps the request's query string; nginx dropped it."
    )
    if others:
        message += " Not applied: " + "; ".join(others) + "."
    ctx.report("app-root", Verdict.EXACT, message)


def _app_root_owner(ctx: FamilyContext, vhost: VirtualHost) -> str | None:
    """nginx writes one `if ($uri = /)` per location carrying app-root, in location order; the first wins."""
    key = ctx.prefix + "app-root"
    candidates = [r.origin.ingress for r in vhost.routes] + list(vhost.ingresses)
    for ingress in candidates:
        record = ctx.model.records.get(ingress)
        if record is not None and not record.settings.canary and key in record.obj.annotations:
            return ingress
    return None
