"""Which gateway requests reach an Ingress's routes, for gateway-wide objects that must match them.

An AuthorizationPolicy or Telemetry object selects the whole gateway, so it has to name the requests
an Ingress received: its hosts, its paths, minus the requests that an earlier route of another
Ingress takes first (routes are first-match). A route whose nginx location answered with a redirect
before the access phase (`redirect`/`directResponse`) is left out.

AuthorizationPolicy paths only match exactly, by prefix (`/p/*`) or by suffix, and case-sensitively.
So a regex path is widened to its literal prefix (up to the first letter when the regex ignores case),
which can only cover more requests; an earlier regex route is not subtracted, for the same reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext
from kubectl_meshify.model import Match, Route, VirtualHost

CATCH_ALL = "*"
_REGEX_META = set("\\.^$|?*+()[]{}")


@dataclass
class Scope:
    """One route of the Ingress and the header-less clauses of earlier routes that take requests first."""

    vhost: VirtualHost
    route: Route
    earlier: list[Match] = field(default_factory=list)


def scopes(ctx: FamilyContext) -> list[Scope]:
    """The routes of this Ingress that can receive requests, each with what earlier routes take."""
    found: list[Scope] = []
    for vhost in ctx.hosts():
        earlier: list[Match] = []
        for route in vhost.routes:
            own = route.origin.ingress == ctx.ingress
            answers_first = route.redirect is not None or route.direct_response is not None
            if own and not answers_first:
                if not any(_takes_everything(m) for m in earlier):
                    found.append(Scope(vhost, route, list(earlier)))
                continue
            earlier.extend(m for m in route.matches if not m.headers and m.port is None)
    return found


def _takes_everything(match: Match) -> bool:
    return match.uri is None or match.uri == ("prefix", "/")


def host_patterns(ctx: FamilyContext, vhost: VirtualHost) -> tuple[list[str] | None, list[str]]:
    """AuthorizationPolicy (hosts, notHosts) for a virtual host; hosts None means any host.

    `h:*` also matches requests that name a port. A wildcard or catch-all host excludes the exact hosts
    that other virtual services serve, as the gateway routes those elsewhere.
    """
    names = [vhost.host, *vhost.aliases]
    if vhost.host == CATCH_ALL:
        others = sorted(h for h in ctx.model.hosts if h != CATCH_ALL)
        return None, [p for h in others for p in _with_port(h)]
    hosts = [p for h in names for p in _with_port(h)]
    if not vhost.host.startswith("*."):
        return hosts, []
    suffix = vhost.host[1:]
    exact_under = sorted(h for h in ctx.model.hosts if not h.startswith("*") and h.endswith(suffix))
    return hosts, [p for h in exact_under for p in _with_port(h)]


def _with_port(host: str) -> list[str]:
    return [host] if host.startswith("*") else [host, f"{host}:*"]


def authz_path(match: Match) -> tuple[str | None, bool]:
    """(AuthorizationPolicy path pattern or None for every path, widened?) covering a match clause."""
    if match.uri is None:
        return None, False
    kind, value = match.uri
    if kind == "exact":
        return value, False
    if kind == "prefix":
        return (None, False) if value == "/" else (value + "*", False)
    prefix = regex_literal_prefix(value)
    return (None if prefix in ("", "/") else prefix + "*"), True


def regex_literal_prefix(pattern: str) -> str:
    """The literal text every match of `pattern` starts with (stopping at a letter if `(?i)`)."""
    text = pattern
    ignore_case = False
    while text.startswith("(?"):
        if text.startswith("(?i)"):
            ignore_case, text = True, text[4:]
        elif text.startswith("(?:"):
            text = text[3:]
        else:
            return ""
    text = text.removeprefix("^")
    literal = []
    for char in text:
        if char in _REGEX_META or (ignore_case and char.isalpha()):
            break
        literal.append(char)
    prefix = "".join(literal)
    # A following quantifier may apply to the last literal character (`/ab?`): drop it.
    rest = text[len(prefix) :]
    if prefix and rest[:1] in ("?", "*", "{"):
        prefix = prefix[:-1]
    return prefix


def authz_operations(ctx: FamilyContext) -> tuple[list[dict[str, Any]], list[str]]:
    """The `to` operations covering this Ingress's requests, and the regex paths that were widened."""
    operations: list[dict[str, Any]] = []
    widened: list[str] = []
    by_host: dict[str, list[Scope]] = {}
    for scope in scopes(ctx):
        by_host.setdefault(scope.vhost.host, []).append(scope)
    for host, host_scopes in by_host.items():
        vhost = host_scopes[0].vhost
        hosts, not_hosts = host_patterns(ctx, vhost)
        groups: dict[tuple[str, ...], list[str] | None] = {}
        for scope in host_scopes:
            paths: list[str] | None = []
            for match in scope.route.matches:
                path, was_widened = authz_path(match)
                if was_widened and match.uri is not None:
                    others = [k for k in vhost.ingresses if k != ctx.ingress]
                    widened.append(
                        f"{host} {match.uri[1]} → {path or 'every path'}"
                        + (f" (which can include paths of {', '.join(others)})" if others else "")
                    )
                if path is None:
                    paths = None
                elif paths is not None and path not in paths:
                    paths.append(path)
            not_paths = tuple(_dedupe(p for p in (_precise_path(m) for m in scope.earlier) if p))
            if not_paths in groups:
                existing = groups[not_paths]
                groups[not_paths] = (
                    None if existing is None or paths is None else _dedupe([*existing, *paths])
                )
            else:
                groups[not_paths] = paths
        for not_paths, paths in groups.items():
            operation: dict[str, Any] = {}
            if hosts is not None:
                operation["hosts"] = list(hosts)  # fresh lists: shared objects would become YAML aliases
            if not_hosts:
                operation["notHosts"] = list(not_hosts)
            if paths is not None:
                operation["paths"] = paths
            if not_paths:
                operation["notPaths"] = list(not_paths)
            operations.append({"operation": operation})
    return operations, _dedupe(widened)


def _precise_path(match: Match) -> str | None:
    """An AuthorizationPolicy pattern matching exactly the requests of a clause, or None if none does."""
    if match.uri is None or match.uri[0] == "regex":
        return None
    kind, value = match.uri
    return value if kind == "exact" else value + "*"


def _dedupe(items: Any) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def cel_string(text: str) -> str:
    """A CEL single-quoted string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cel_host_condition(ctx: FamilyContext, vhost: VirtualHost) -> str:
    """CEL over `request.host` (which may carry a port) selecting a virtual host's requests."""
    if vhost.host == CATCH_ALL:
        others = sorted(h for h in ctx.model.hosts if h != CATCH_ALL)
        if not others:
            return "true"
        return "!(" + " || ".join(_cel_host_match(h) for h in others) + ")"
    matches = [_cel_host_match(h) for h in [vhost.host, *vhost.aliases]]
    return matches[0] if len(matches) == 1 else "(" + " || ".join(matches) + ")"


def _cel_host_match(host: str) -> str:
    if host.startswith("*."):
        pattern = "^[^.]+(\\.[^.]+)*" + re.escape(host[1:]) + "(:[0-9]+)?$"
    else:
        pattern = "^" + re.escape(host) + "(:[0-9]+)?$"
    return f"request.host.matches({cel_string('(?i)' + pattern)})"


def cel_path_condition(match: Match) -> str:
    """CEL over `request.url_path` (the path without the query) for one match clause."""
    if match.uri is None or match.uri == ("prefix", "/"):
        return "true"
    kind, value = match.uri
    if kind == "exact":
        return f"request.url_path == {cel_string(value)}"
    if kind == "prefix":
        return f"request.url_path.startsWith({cel_string(value)})"
    return f"request.url_path.matches({cel_string('^(?:' + value + ')$')})"
