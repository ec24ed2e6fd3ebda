"""Canary Ingresses, merged into the routes of their primary in one VirtualService.

| key | verdict | Istio |
| --- | --- | --- |
| canary | exact | no object of its own: the primary's routes are split in place, in nginx's decision order |
| canary-by-header | exact | routes before the primary's: `headers: {<h>: {exact: always}}` → canary, `{exact: never}` → primary |
| canary-by-header-value | exact | `headers: {<h>: {exact: <value>}}` → canary (no `never` route) |
| canary-by-header-pattern | exact | `headers: {<h>: {regex: ".*(?:<pattern>).*"}}` → canary; PCRE-only syntax unsupported; a pattern PCRE cannot compile: `{regex: ".*"}` → primary |
| canary-by-cookie | exact | `headers: {cookie: {regex: "(?:.*;\\s*)?<name>=always(?:\\s*;.*)?"}}` → canary, `=never` → primary |
| canary-weight | exact | the primary's route gets weighted destinations: primary `T − w`, canary `w` |
| canary-weight-total | exact | `T = max(100, canary-weight-total)`: nginx's Lua ignores totals under 100 |

ingress-nginx builds no location from a canary Ingress. Each canary path is attached as an alternative
backend to the *upstream* (namespace, Service, port as written) of the primary location with the same
host, path and pathType. A canary path with no such location makes nginx delete the canary upstream
("unable to find real backend ... Deleting."), for every path; a path on a host no primary Ingress
serves is only skipped ("hostname that does not exist"); one pointing at the primary's own Service port
is refused. Because the choice is made per upstream, the canary then applies to every location that
proxies to that upstream, on any host: the split routes are written for all of them, and the report
lists the extra ones. Only the first alternative of an upstream is used, even when it was deleted
afterwards: then that upstream has no canary at all. The policy is the one of the Ingress that first
referenced the canary's Service port; when that is not a canary Ingress, nginx never sends traffic to
the canary. Per request nginx decides:
header (`value` if set, else `pattern` (PCRE, unanchored; a pattern that does not compile sends every
request carrying the header to the primary, with no cookie or weight check), else `always`/`never`), then cookie
(`always`/`never`), then `random(T) <= w`. Requests that match no header or cookie rule fall through to
the weighted route, exactly like nginx's fall-through. The canary inherits every route setting of the
primary (rewrite, headers, timeouts, …): the split routes are copies of the primary route and keep its
origin, so families that run later treat them alike. Only `load-balance`, `upstream-hash-by*`,
`affinity*` and `session-cookie-*` keep a meaning on a canary Ingress; nginx ignores its other keys.
Limits: nginx takes the first cookie of the name, the regex accepts any; sticky canary sessions
(`affinity-canary-behavior`) are reported by the affinity family.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import kubectl_meshify.backends as core  # shared with the core translation (translate.py)
from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._pcre import pcre_error, to_re2
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import Destination, IngressRecord, Match, MeshModel, Route, Semantics, Status
from kubectl_meshify.options import Options
from kubectl_meshify.resources import ResourceSet

KEYS = {
    "canary": KeyInfo(Verdict.EXACT, "merged into the primary's routes (one VirtualService)"),
    "canary-by-header": KeyInfo(Verdict.EXACT, "header `always` → canary route, `never` → primary route"),
    "canary-by-header-value": KeyInfo(Verdict.EXACT, "header `exact: <value>` → canary route"),
    "canary-by-header-pattern": KeyInfo(Verdict.EXACT, "header `regex: .*(?:<pattern>).*` → canary route"),
    "canary-by-cookie": KeyInfo(
        Verdict.EXACT, "cookie header regex `<name>=always` → canary, `=never` → primary"
    ),
    "canary-weight": KeyInfo(Verdict.EXACT, "weighted destinations: primary `T − w`, canary `w`"),
    "canary-weight-total": KeyInfo(Verdict.EXACT, "`T = max(100, total)` as nginx's Lua computes it"),
}
# Keys that keep a meaning on a canary Ingress (they configure the canary's own upstream).
CANARY_OWN_PREFIXES = ("canary", "load-balance", "upstream-hash-by", "affinity", "session-cookie-")
EXTRA = "canary"  # IngressSettings.extra key: the parsed Policy, then the merge Result

# (namespace, Service, port as written): ingress-nginx's upstream name, which canaries attach to.
UpstreamKey = tuple[str, str, str]


@dataclass
class Policy:
    """A canary Ingress's traffic shaping policy, as ingress-nginx parses it."""

    header: str = ""
    header_value: str = ""
    header_pattern: str = ""
    cookie: str = ""
    weight: int = 0
    weight_total: int = 100

    @property
    def total(self) -> int:
        return max(100, self.weight_total)


@dataclass
class Result:
    """What the merge did for one canary Ingress."""

    merged: list[str] = field(default_factory=list)  # "host pathType path" it attached to
    orphans: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # same upstream as the primary
    shadowed: list[str] = field(default_factory=list)  # another canary came first for that upstream
    inert: list[str] = field(default_factory=list)  # nginx never routed there (policy of a non-canary)
    routes: list[str] = field(default_factory=list)  # primary routes it split
    extra_routes: list[str] = field(default_factory=list)  # of those, routes on paths it did not name
    answered: list[str] = field(default_factory=list)  # primary routes answering before any backend
    pattern_problems: list[str] = field(default_factory=list)
    pattern_error: str = ""  # PCRE cannot compile the pattern: the header alone decides (primary)
    attached: list[tuple[UpstreamKey, UpstreamKey]] = field(default_factory=list)  # (primary, canary)


def prepare(ctx: FamilyContext) -> None:
    if not ctx.flag("canary"):
        for key in sorted(KEYS):
            if key != "canary" and ctx.has(key):
                ctx.report(
                    key,
                    Verdict.NO_OP,
                    f'{key} without `canary: "true"`: ingress-nginx rejected the canary settings and routed'
                    " this Ingress normally, as the converted routes do.",
                    severity=Severity.WARNING,
                )
        if ctx.has("canary"):
            ctx.report("canary", Verdict.EXACT, "canary is off; this Ingress is routed as a normal Ingress.")
        return
    ctx.settings.canary = True
    ctx.settings.extra[EXTRA] = _policy(ctx)
    _report_ignored_keys(ctx)


def refine(ctx: FamilyContext) -> None:
    if not ctx.settings.canary:
        return
    if not isinstance(ctx.settings.extra.get(EXTRA), Result):
        _merge_all(ctx.model, ctx.resources, ctx.options)
    _report(ctx, ctx.settings.extra[EXTRA])


def _int(raw: str | None, default: int) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        return default


def _policy(ctx: FamilyContext) -> Policy:
    return Policy(
        header=(ctx.value("canary-by-header") or "").strip(),
        header_value=(ctx.value("canary-by-header-value") or "").strip(),
        header_pattern=(ctx.value("canary-by-header-pattern") or "").strip(),
        cookie=(ctx.value("canary-by-cookie") or "").strip(),
        weight=_int(ctx.value("canary-weight"), 0),
        weight_total=_int(ctx.value("canary-weight-total"), 100),
    )


def _report_ignored_keys(ctx: FamilyContext) -> None:
    """nginx ignores every key of a canary Ingress except its own and the upstream's balancing keys."""
    for full in sorted(ctx.record.obj.annotations):
        if not full.startswith(ctx.prefix):
            continue
        key = full[len(ctx.prefix) :]
        if key in ctx.known_keys and not key.startswith(CANARY_OWN_PREFIXES):
            ctx.report(
                key,
                Verdict.NO_OP,
                f"ingress-nginx ignores {key} on a canary Ingress: the canary routes inherit the primary"
                " Ingress's settings instead.",
                action="Set it on the primary Ingress if it is meant for the canary too.",
            )


# --- the merge ------------------------------------------------------------------------------------------


def backend_key(namespace: str, backend: Any) -> UpstreamKey | None:
    if not isinstance(backend, dict) or "resource" in backend:
        return None
    if "serviceName" in backend:
        return namespace, str(backend["serviceName"]), str(backend.get("servicePort"))
    service = backend.get("service") or {}
    port = service.get("port") or {}
    return namespace, str(service.get("name")), str(port.get("number", port.get("name")))


def _default_backend(record: IngressRecord) -> Any:
    spec = record.obj.spec
    return spec.get("defaultBackend") or spec.get("backend")


def _paths(record: IngressRecord) -> list[tuple[int, int, str, dict[str, Any]]]:
    """(rule index, path index, host, path entry) of an Ingress."""
    out = []
    for r, rule in enumerate(record.obj.spec.get("rules") or []):
        if not isinstance(rule, dict) or not isinstance(rule.get("http"), dict):
            continue
        host = str(rule.get("host") or core.CATCH_ALL_HOST)
        for p, path in enumerate(rule["http"].get("paths") or []):
            if isinstance(path, dict):
                out.append((r, p, host, path))
    return out


def _route_key(model: MeshModel, route: Route) -> UpstreamKey | None:
    """The upstream of the location a core route stands for; None for routes families made."""
    if not route.destinations:
        return None
    record = model.records.get(route.origin.ingress)
    if record is None:
        return None
    if route.origin.rule is None:
        return backend_key(record.obj.namespace, _default_backend(record)) if route.path is None else None
    try:
        rule = record.obj.spec["rules"][route.origin.rule]
        backend = rule["http"]["paths"][route.origin.path]["backend"]
    except (KeyError, IndexError, TypeError):
        return None
    return backend_key(record.obj.namespace, backend)


def _location(route: Route) -> tuple[str, str]:
    """(path, pathType) of the nginx location a route stands for; a default route is nginx's `/`."""
    if route.origin.rule is None:
        return "/", "Prefix"
    return route.path or "/", route.path_type or "ImplementationSpecific"


def _path_location(path: dict[str, Any]) -> tuple[str, str]:
    return str(path.get("path") or "/"), str(path.get("pathType") or "ImplementationSpecific")


def _merge_all(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """Attach every canary to its primaries in nginx order, then split the routes of those primaries."""
    nginx = sorted(
        (
            r
            for r in model.records.values()
            if r.semantics is Semantics.NGINX and r.status not in (Status.SKIPPED, Status.FAILED)
        ),
        key=lambda r: r.order,
    )
    canaries = [r for r in nginx if r.settings.canary]
    results = {c.key: Result() for c in canaries}
    for canary in canaries:
        canary.settings.extra[EXTRA + "-policy"] = canary.settings.extra[EXTRA]
        canary.settings.extra[EXTRA] = results[canary.key]
    creators: dict[UpstreamKey, IngressRecord] = {}
    for record in nginx:
        keys = [backend_key(record.obj.namespace, _default_backend(record))]
        keys += [backend_key(record.obj.namespace, path.get("backend")) for _, _, _, path in _paths(record)]
        for key in keys:
            if key is not None:
                creators.setdefault(key, record)
    routes_by_host = {
        host: [(route, _route_key(model, route)) for route in vhost.routes]
        for host, vhost in model.hosts.items()
        if vhost.semantics is Semantics.NGINX
    }
    _drop_canary_owned_paths(model, routes_by_host, creators)
    # nginx builds servers from non-canary Ingresses only (plus the default server).
    served_hosts = {core.CATCH_ALL_HOST}
    for record in nginx:
        if not record.settings.canary:
            for rule in record.obj.spec.get("rules") or []:
                if isinstance(rule, dict):
                    served_hosts.add(str(rule.get("host") or core.CATCH_ALL_HOST))
    # primary upstream → [(canary upstream, canary record, backend spec)] in merge order; nginx uses
    # only the first, even when that upstream was deleted afterwards (then no canary at all).
    alternatives: dict[UpstreamKey, list[tuple[UpstreamKey, IngressRecord, Any]]] = {}
    deleted: dict[UpstreamKey, tuple[IngressRecord, str]] = {}
    for canary in canaries:
        result = results[canary.key]
        if len(canaries) == len(nginx):
            result.orphans.append("every Ingress of the class is a canary, so nginx merged none")
            continue
        targets: list[tuple[str, str, tuple[str, str] | None, Any]] = []
        backend = _default_backend(canary)
        if backend is not None:
            targets.append(("spec.defaultBackend", core.CATCH_ALL_HOST, None, backend))
        for _, _, host, path in _paths(canary):
            where = _path_location(path)
            targets.append((f"{host} {where[1]} {where[0]}", host, where, path.get("backend")))
        for label, host, location, backend in targets:
            alt = backend_key(canary.obj.namespace, backend)
            if alt is None:
                continue
            if alt in deleted:
                # "alternative backend ... has already been removed"
                result.orphans.append(f"{label} (its Service port {alt[1]}:{alt[2]} was already deleted)")
                continue
            if host not in served_hosts:
                # "cannot merge alternative backend into hostname that does not exist": skipped, kept
                result.orphans.append(f"{label} (no non-canary Ingress serves that host)")
                continue
            merged = refused = False
            for route, primary in routes_by_host.get(host, []):
                if primary is None:
                    continue
                if primary == alt:
                    refused = True  # nginx stops looking at this path
                    break
                if location is not None and _location(route) != location:
                    continue
                if creators[primary].settings.canary:
                    continue  # that upstream serves no location in nginx
                entries = alternatives.setdefault(primary, [])
                if alt not in [a for a, _, _ in entries]:
                    entries.append((alt, canary, backend))
                merged = True
            if merged:
                result.merged.append(label)
            elif refused:
                result.refused.append(label)
            else:
                result.orphans.append(label)
                # nginx deletes the canary upstream when one of its paths finds no primary location
                # ("unable to find real backend ... Deleting."), so no path of it reaches the canary.
                deleted[alt] = (canary, label)
    for alt, (canary, label) in deleted.items():
        canary.findings.append(
            Finding(
                code="CANARY_UPSTREAM_DELETED",
                severity=Severity.WARNING,
                verdict=Verdict.EXACT,
                message=f"{label} has no primary location, so ingress-nginx deleted the canary upstream"
                f" {alt[1]}:{alt[2]} and no request of any path reached it; the canary is not converted, as before.",
                action="Give every path of the canary Ingress a primary Ingress path with the same host, path"
                " and pathType, or remove the extra paths.",
                ingress=canary.key,
            )
        )
    _split_routes(model, resources, options, routes_by_host, alternatives, set(deleted), creators, results)


def _drop_canary_owned_paths(
    model: MeshModel,
    routes_by_host: dict[str, list[tuple[Route, UpstreamKey | None]]],
    creators: dict[UpstreamKey, IngressRecord],
) -> None:
    """A Service port first referenced by a canary Ingress is a canary-only upstream in nginx: the paths of
    later, normal Ingresses that use it get no location at all. Reproduce that, and say so."""
    for host, pairs in routes_by_host.items():
        vhost = model.hosts[host]
        kept = []
        for route, key in pairs:
            creator = creators.get(key) if key else None
            if key is None or creator is None or not creator.settings.canary:
                kept.append((route, key))
                continue
            vhost.routes = [r for r in vhost.routes if r is not route]
            where = (
                f"{route.path_type} {route.path or '/'}"
                if route.origin.rule is not None
                else "default backend"
            )
            model.records[route.origin.ingress].findings.append(
                Finding(
                    code="CANARY_SERVICE_NOT_SERVED",
                    severity=Severity.WARNING,
                    verdict=Verdict.EXACT,
                    message=f"{host} {where}: Service port {key[1]}:{key[2]} was first used by the canary"
                    f" Ingress {creator.key}, so ingress-nginx made it a canary-only upstream and served no"
                    " location for this path; it is not converted, as before.",
                    action="Give the canary its own Service, or point this path at another Service port.",
                    ingress=route.origin.ingress,
                )
            )
        pairs[:] = kept


def _split_routes(
    model: MeshModel,
    resources: ResourceSet,
    options: Options,
    routes_by_host: dict[str, list[tuple[Route, UpstreamKey | None]]],
    alternatives: dict[UpstreamKey, list[tuple[UpstreamKey, IngressRecord, Any]]],
    deleted: set[UpstreamKey],
    creators: dict[UpstreamKey, IngressRecord],
    results: dict[str, Result],
) -> None:
    destinations: dict[UpstreamKey, Destination | None] = {}
    by_upstream: dict[UpstreamKey, list[tuple[str, Route]]] = {}
    for host, pairs in routes_by_host.items():
        for route, key in pairs:
            if key is not None:
                by_upstream.setdefault(key, []).append((host, route))
    for primary, entries in alternatives.items():
        alt, canary, backend = entries[0]
        result = results[canary.key]
        for _, later, _ in entries[1:]:
            if later is canary:
                continue
            first = f"{canary.key} was attached first to {'/'.join(primary)}"
            if alt in deleted:
                first += " and its upstream was then deleted, so that upstream has no canary"
            results[later.key].shadowed.append(first)
        if alt in deleted:
            continue
        creator = creators[alt]
        policy = creator.settings.extra.get(EXTRA + "-policy") if creator.settings.canary else None
        if not isinstance(policy, Policy):
            result.inert.append(
                f"Service port {alt[1]}:{alt[2]} was first used by the non-canary Ingress {creator.key}, so"
                " nginx gave it no canary policy"
            )
            continue
        if alt not in destinations:
            destinations[alt] = core.resolve_backend(canary, backend, "canary backend", resources, options)
        target = destinations[alt]
        if target is None:
            continue
        result.attached.append((primary, alt))
        for host, route in by_upstream.get(primary, []):
            vhost = model.hosts[host]
            index = next((i for i, r in enumerate(vhost.routes) if r is route), None)
            if index is None:
                continue
            label = f"{host} {route.name}"
            if route.redirect is not None or route.direct_response is not None:
                result.answered.append(label)
                continue
            vhost.routes[index : index + 1] = _split(route, policy, target, result)
            result.routes.append(label)
            if not _names_location(canary, host, route):
                result.extra_routes.append(label)
            model.link(canary.key, vhost)


def _names_location(canary: IngressRecord, host: str, route: Route) -> bool:
    location = _location(route)
    if any(h == host and _path_location(path) == location for _, _, h, path in _paths(canary)):
        return True
    return host == core.CATCH_ALL_HOST and _default_backend(canary) is not None


# --- the split ------------------------------------------------------------------------------------------


def _split(route: Route, policy: Policy, canary: Destination, result: Result) -> list[Route]:
    """The primary route → header routes, cookie routes, then the (weighted) primary route itself."""
    primary = [dataclasses.replace(d) for d in route.destinations]
    out: list[Route] = []

    def variant(suffix: str, header: str, condition: tuple[str, str], to: list[Destination]) -> None:
        twin = copy.deepcopy(route)
        twin.name = f"{route.name}.{suffix}"
        twin.matches = [
            Match(uri=m.uri, headers={**m.headers, header: condition}, port=m.port) for m in route.matches
        ]
        twin.destinations = [dataclasses.replace(d) for d in to]
        out.append(twin)

    if policy.header:
        name = policy.header.lower().replace("_", "-")  # nginx reads $http_<name with - as _>
        if policy.header_value:
            variant("canary-header", name, ("exact", policy.header_value), [canary])
        elif policy.header_pattern and pcre_error(policy.header_pattern):
            # balancer.lua: ngx.re.match returns an error, and `return false` sends the request to the
            # primary at once, before the cookie and the weight are looked at.
            result.pattern_error = pcre_error(policy.header_pattern) or ""
            variant("canary-header-invalid", name, ("regex", ".*"), primary)
        elif policy.header_pattern:
            conversion = to_re2(policy.header_pattern)
            if conversion.ok:
                variant("canary-header", name, ("regex", f".*(?:{conversion.regex}).*"), [canary])
            elif not result.pattern_problems:
                result.pattern_problems.extend(conversion.problems)
        else:
            variant("canary-header", name, ("exact", "always"), [canary])
            variant("canary-header-never", name, ("exact", "never"), primary)
    if policy.cookie:
        variant("canary-cookie", "cookie", ("regex", cookie_regex(policy.cookie, "always")), [canary])
        variant("canary-cookie-never", "cookie", ("regex", cookie_regex(policy.cookie, "never")), primary)
    total = policy.total
    weight = min(max(policy.weight, 0), total)
    if weight >= total:
        route.destinations = [dataclasses.replace(canary)]
    elif weight > 0:
        route.destinations = [dataclasses.replace(d, weight=total - weight) for d in primary[:1]] + [
            dataclasses.replace(canary, weight=weight)
        ]
    out.append(route)
    return out


def cookie_regex(name: str, value: str) -> str:
    """RE2 full match of a Cookie header carrying `name=value` (nginx matches cookie names in any case)."""
    literal = "".join("\\" + c if c in "\\.+*?()|[]{}^$" else c for c in name)
    return f"(?:.*;\\s*)?(?i:{literal})={value}(?:\\s*;.*)?"


# --- the report -----------------------------------------------------------------------------------------


def _report(ctx: FamilyContext, result: Result) -> None:
    policy = ctx.settings.extra.get(EXTRA + "-policy")
    assert isinstance(policy, Policy)
    live = bool(result.routes)
    _report_canary(ctx, result)
    if ctx.record.obj.spec.get("tls"):
        ctx.note(
            Finding(
                code="CANARY_TLS_IGNORED",
                severity=Severity.INFO,
                verdict=Verdict.NO_OP,
                message="spec.tls of a canary Ingress is ignored by ingress-nginx (the primary's server and"
                " certificate serve canary traffic); it is not converted.",
                ingress=ctx.ingress,
            )
        )
    if not live:
        for key in sorted(KEYS):
            if key != "canary" and ctx.has(key):
                ctx.report(key, Verdict.NO_OP, "Not converted: the canary sends no traffic (see `canary`).")
        return
    _report_header(ctx, policy, result)
    if ctx.has("canary-by-cookie"):
        ctx.report(
            "canary-by-cookie",
            Verdict.EXACT,
            f"Requests whose `{policy.cookie}` cookie is `always` go to the canary and `never` to the primary,"
            " before the weighted route (cookie name in any case, as nginx reads it).",
        )
    total, weight = policy.total, min(max(policy.weight, 0), policy.total)
    if ctx.has("canary-weight"):
        if weight <= 0:
            text = "Weight 0: requests no header or cookie rule sends to the canary stay on the primary."
        elif weight >= total:
            text = f"Weight {policy.weight} of {total}: every remaining request goes to the canary."
        else:
            text = f"Remaining requests are split {total - weight}:{weight} between primary and canary."
        ctx.report("canary-weight", Verdict.EXACT, text)
    if ctx.has("canary-weight-total"):
        text = f"The weights are out of {total}."
        if policy.weight_total < 100:
            text += f" nginx treated the total {policy.weight_total} as 100 (its Lua only honours totals over 100)."
        ctx.report("canary-weight-total", Verdict.EXACT, text)


def _report_canary(ctx: FamilyContext, result: Result) -> None:
    problems = []
    if result.orphans:
        problems.append(
            "no primary location with the same host, path and pathType for " + "; ".join(result.orphans)
        )
    if result.refused:
        problems.append(
            "same Service port as the primary (nginx refuses that) for " + "; ".join(result.refused)
        )
    if result.shadowed:
        problems.append("only the first canary of an upstream is used: " + "; ".join(result.shadowed))
    if result.inert:
        problems.append("; ".join(result.inert))
    if result.answered and not result.routes:
        problems.append(
            "the primary answers with a redirect before choosing a backend, so the canary is never used: "
            + ", ".join(result.answered)
        )
    if not result.routes:
        ctx.report(
            "canary",
            Verdict.NO_OP,
            "ingress-nginx never sent traffic to this canary, and nothing is converted: "
            + "; ".join(problems)
            + ".",
            action="Give the canary the host, path and pathType of the primary path and its own Service, or"
            " delete it.",
            severity=Severity.WARNING,
        )
        return
    message = (
        f"Merged into {len(result.routes)} primary route(s) ({', '.join(result.routes)}) in their"
        " VirtualService; precedence header → cookie → weight preserved."
    )
    if result.answered:
        message += (
            f" Routes {', '.join(result.answered)} answer a redirect before any backend, so no canary there."
        )
    if problems:
        message += " Not merged: " + "; ".join(problems) + "."
    ctx.report("canary", Verdict.EXACT, message)
    if result.extra_routes:
        ctx.note(
            Finding(
                code="CANARY_SHARED_UPSTREAM",
                severity=Severity.WARNING,
                verdict=Verdict.EXACT,
                message="ingress-nginx attaches a canary to the primary's Service port, not to one path, so the"
                " canary also took traffic from "
                + ", ".join(result.extra_routes)
                + "; those routes are split"
                " the same way.",
                action="To limit the canary to its own paths, give the other paths their own Service (as with"
                " nginx), or delete the split routes from the VirtualService.",
                ingress=ctx.ingress,
            )
        )


def _report_header(ctx: FamilyContext, policy: Policy, result: Result) -> None:
    name = policy.header.lower().replace("_", "-")
    if ctx.has("canary-by-header"):
        if policy.header_value:
            text = (
                f"Requests with `{name}: {policy.header_value}` go to the canary; other values fall through."
            )
        elif policy.header_pattern and result.pattern_error:
            text = (
                f"Requests that carry `{name}` go to the primary (the pattern does not compile, see"
                " canary-by-header-pattern)."
            )
        elif policy.header_pattern and not result.pattern_problems:
            text = f"Requests whose `{name}` contains a match of {policy.header_pattern!r} go to the canary."
        elif policy.header_pattern:
            ctx.report(
                "canary-by-header",
                Verdict.UNSUPPORTED,
                f"The `{name}` rule is its pattern, which could not be converted (see canary-by-header-pattern).",
                action="Rewrite the pattern in RE2 syntax.",
            )
            text = ""
        else:
            text = f"Requests with `{name}: always` go to the canary and `{name}: never` to the primary."
        if text:
            ctx.report("canary-by-header", Verdict.EXACT, text + " Checked first, as in nginx.")
    for key, value in (
        ("canary-by-header-value", policy.header_value),
        ("canary-by-header-pattern", policy.header_pattern),
    ):
        if not ctx.has(key):
            continue
        if not policy.header:
            ctx.report(key, Verdict.NO_OP, f"{key} has no effect without canary-by-header, as in nginx.")
        elif key == "canary-by-header-pattern" and policy.header_value:
            ctx.report(key, Verdict.NO_OP, "nginx ignores the pattern when canary-by-header-value is set.")
        elif key == "canary-by-header-pattern" and result.pattern_error:
            ctx.report(
                key,
                Verdict.EXACT,
                f"{value!r} does not compile ({result.pattern_error}): ingress-nginx's balancer sent every request"
                f" carrying `{name}` to the primary at once, without looking at the cookie or the weight; a route"
                " matching the header's presence does the same, before the cookie and weight routes.",
                action="Fix the pattern if the header was meant to select the canary.",
                severity=Severity.WARNING,
            )
        elif key == "canary-by-header-pattern" and result.pattern_problems:
            ctx.report(
                key,
                Verdict.UNSUPPORTED,
                f"{value!r} uses PCRE syntax RE2 cannot express ({', '.join(result.pattern_problems)}); requests"
                " that matched it now fall through to the cookie and weight rules.",
                action="Rewrite the pattern without look-around, back-references, possessive quantifiers or"
                " atomic groups.",
            )
        else:
            ctx.report(key, Verdict.EXACT, "Converted with canary-by-header (see that key).")
