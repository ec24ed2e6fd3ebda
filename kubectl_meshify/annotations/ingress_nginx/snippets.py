"""Raw nginx snippets and the ModSecurity WAF: not convertible; the report shows the snippet text.

| key | verdict | Istio |
| --- | --- | --- |
| configuration-snippet | unsupported | none; a snippet made only of literal header directives (`more_set_headers`, `more_clear_headers`, `more_set_input_headers`, `more_clear_input_headers`, `proxy_set_header`, `add_header`) becomes route `headers` (approximated) |
| server-snippet | unsupported | none |
| stream-snippet | unsupported | none (a TCP route by hand) |
| auth-snippet | unsupported | none |
| modsecurity-snippet | unsupported | none (no WAF in Istio) |
| enable-modsecurity | unsupported | none: the WAF is removed (a Wasm WAF such as Coraza, or a WAF in front, replaces it) |
| enable-owasp-core-rules | unsupported | none |
| modsecurity-transaction-id | unsupported | none |

Snippets are Critical-risk annotations: ingress-nginx applied them only when the controller ConfigMap
had `allow-snippet-annotations: "true"` (default false since 1.9) and, from 1.12,
`annotations-risk-level: Critical`. When that ConfigMap is among the inputs and turned snippets off,
the snippet never ran and is reported as a no-op.
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import (
    merge_headers,
    nginx_variables,
    present,
    report_ignored,
)
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.resources import KubeObject

KEYS = {
    "configuration-snippet": KeyInfo(
        Verdict.UNSUPPORTED, "none (literal header directives → route `headers`)"
    ),
    "server-snippet": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "stream-snippet": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "auth-snippet": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "modsecurity-snippet": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "enable-modsecurity": KeyInfo(Verdict.UNSUPPORTED, "none: the WAF is removed"),
    "enable-owasp-core-rules": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "modsecurity-transaction-id": KeyInfo(Verdict.UNSUPPORTED, "none"),
}

SNIPPET_KEYS = (
    "configuration-snippet",
    "server-snippet",
    "stream-snippet",
    "auth-snippet",
    "modsecurity-snippet",
)
CONTROLLER_CONFIG_NAMES = ("ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller")
SHOWN = 1000  # characters of a snippet quoted in the report
WAF_ACTION = (
    "Keep a WAF in front of the gateway, or add one to it (e.g. the Coraza Wasm plugin with the OWASP Core Rule"
    " Set through a WasmPlugin)."
)


def statements(snippet: str) -> list[list[str]] | None:
    """An nginx snippet → its directives as word lists (quotes removed); None when it cannot be split."""
    result: list[list[str]] = []
    words: list[str] = []
    word: list[str] = []
    quote: str | None = None
    in_word = False
    chars = iter(snippet)
    for char in chars:
        if quote:
            if char == "\\":
                word.append(next(chars, ""))
            elif char == quote:
                quote = None
            else:
                word.append(char)
            continue
        if char in "\"'":
            quote, in_word = char, True
        elif char == "#":
            for skipped in chars:
                if skipped == "\n":
                    break
            continue
        elif char.isspace() or char == ";":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            if char == ";" and words:
                result.append(words)
                words = []
        elif char in "{}":
            return None
        else:
            word.append(char)
            in_word = True
    if quote or in_word or words:
        return None  # unterminated quote or a directive without `;`
    return result


def header_operations(snippet: str) -> tuple[list[tuple[str, str, str, str | None]], list[str]]:
    """Literal header directives → (direction, operation, name, value) list, and the directives left over."""
    parsed = statements(snippet)
    if parsed is None:
        return [], [snippet.strip()]
    operations: list[tuple[str, str, str, str | None]] = []
    leftover: list[str] = []
    for words in parsed:
        found = _header_directive(words)
        if found is None:
            leftover.append(" ".join(words))
        else:
            operations.extend(found)
    return operations, leftover


def _header_directive(words: list[str]) -> list[tuple[str, str, str, str | None]] | None:
    name, args = words[0], words[1:]
    if not args or any(nginx_variables(a) for a in args):
        return None
    if name in ("more_set_headers", "more_set_input_headers"):
        direction = "response" if name == "more_set_headers" else "request"
        found: list[tuple[str, str, str, str | None]] = []
        for arg in args:
            header, sep, value = arg.partition(":")
            if arg.startswith("-") or not sep or not header.strip():
                return None
            found.append((direction, "set", header.strip().lower(), value.strip()))
        return found
    if name in ("more_clear_headers", "more_clear_input_headers"):
        if any(a.startswith("-") or "*" in a for a in args):
            return None
        direction = "response" if name == "more_clear_headers" else "request"
        return [(direction, "remove", a.strip().lower(), None) for a in args]
    if name == "proxy_set_header" and len(args) == 2:
        header, value = args[0].lower(), args[1]
        return [("request", "remove", header, None)] if value == "" else [("request", "set", header, value)]
    if name == "add_header" and len(args) in (2, 3) and (len(args) == 2 or args[2] == "always"):
        return [("response", "add", args[0].lower(), args[1])]
    return None


def controller_config(ctx: FamilyContext) -> KubeObject | None:
    """The ingress-nginx controller ConfigMap, when it is among the inputs."""
    found = [
        cm
        for (_, name), cm in sorted(ctx.resources.config_maps.items())
        if name in CONTROLLER_CONFIG_NAMES or "allow-snippet-annotations" in (cm.body.get("data") or {})
    ]
    return found[0] if found else None


def snippets_active(ctx: FamilyContext) -> tuple[bool | None, str]:
    """(whether snippet annotations were applied, why) from the controller ConfigMap; None when unknown."""
    config = controller_config(ctx)
    if config is None:
        return None, (
            'ingress-nginx applied snippets only with allow-snippet-annotations "true" (default false since'
            " 1.9) and annotations-risk-level Critical (from 1.12): check the controller ConfigMap; if they"
            " were off, this snippet never ran and can be dropped."
        )
    data = config.body.get("data") or {}
    allowed = str(data.get("allow-snippet-annotations", "false")).strip().lower() == "true"
    risk = str(data.get("annotations-risk-level", "Critical" if allowed else "High")).strip()
    where = f"ConfigMap {config.key}"
    if not allowed:
        return (
            False,
            f"{where} has allow-snippet-annotations off, so ingress-nginx never applied this snippet.",
        )
    if risk != "Critical":
        return False, f"{where} has annotations-risk-level {risk}, so ingress-nginx rejected this snippet."
    return True, f"{where} allowed snippet annotations, so this snippet was active."


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    active, why = snippets_active(ctx)
    for key in SNIPPET_KEYS:
        if not ctx.has(key):
            continue
        text = (ctx.value(key) or "").strip()
        quoted = text if len(text) <= SHOWN else text[:SHOWN] + " …"
        if active is False:
            ctx.report(key, Verdict.NO_OP, f"{why} Snippet: {quoted}")
            continue
        if key == "configuration-snippet" and _convert_headers(ctx, text, quoted, why):
            continue
        if key == "auth-snippet" and not ctx.has("auth-url"):
            ctx.report(
                key,
                Verdict.NO_OP,
                f"nginx used auth-snippet only with auth-url; it had no effect. Snippet: {quoted}",
            )
            continue
        where = {
            "configuration-snippet": "in each location of this Ingress",
            "server-snippet": "in the server block of each of its hosts",
            "stream-snippet": "in nginx's TCP/UDP stream block",
            "auth-snippet": "in the auth-url subrequest",
            "modsecurity-snippet": "as ModSecurity rules",
        }[key]
        ctx.report(
            key,
            Verdict.UNSUPPORTED,
            f"Raw nginx configuration {where} cannot be converted: {quoted}",
            action="Re-create what it does with Istio fields (VirtualService headers, rewrite, redirect,"
            " AuthorizationPolicy) or in the application. " + why,
        )
    _modsecurity(ctx)


def _convert_headers(ctx: FamilyContext, snippet: str, quoted: str, why: str) -> bool:
    operations, leftover = header_operations(snippet)
    if leftover or not operations:
        return False
    routes = [route for _, route in ctx.routes() if route.redirect is None and route.direct_response is None]
    for route in routes:
        for direction, operation, name, value in operations:
            if operation == "remove":
                merge_headers(route, direction, "remove", [name])
            else:
                merge_headers(route, direction, operation, {name: value or ""})
    described = ", ".join(
        f"{direction} {operation} {name}" + (f": {value}" if value is not None else "")
        for direction, operation, name, value in operations
    )
    text = (
        f"The snippet only sets literal headers; converted to route headers on {len(routes)} route(s):"
        f" {described}."
    )
    if any(operation == "add" for _, operation, _, _ in operations):
        text += (
            " nginx's add_header applied to 2xx/3xx responses only (unless `always`); Envoy adds it to all."
        )
    ctx.report(
        "configuration-snippet",
        Verdict.APPROXIMATED,
        f"{text} Snippet: {quoted}",
        action=why,
        severity=Severity.WARNING,
    )
    return True


def _modsecurity(ctx: FamilyContext) -> None:
    enabled = ctx.flag("enable-modsecurity")
    rules = ctx.value("modsecurity-snippet") or ""
    blocking = "secruleengine on" in " ".join(rules.lower().split())
    if ctx.has("enable-modsecurity"):
        if enabled:
            ctx.report(
                "enable-modsecurity",
                Verdict.UNSUPPORTED,
                "The ModSecurity WAF is removed: Istio has no WAF. "
                + (
                    "Its modsecurity-snippet sets SecRuleEngine On, so (if snippets were allowed) it blocked"
                    " attacks rather than only logging them."
                    if blocking
                    else "Unless the controller configuration set SecRuleEngine On, it only logged (DetectionOnly)."
                ),
                action=WAF_ACTION,
                severity=Severity.ERROR if blocking else Severity.WARNING,
            )
        else:
            ctx.report("enable-modsecurity", Verdict.NO_OP, "ModSecurity was off for this Ingress.")
    waf_keys = (
        ("enable-owasp-core-rules", "The OWASP Core Rule Set"),
        ("modsecurity-transaction-id", "The transaction id"),
    )
    for key, what in waf_keys:
        if not ctx.has(key):
            continue
        if key == "enable-owasp-core-rules" and not ctx.flag(key):
            ctx.report(key, Verdict.NO_OP, "The OWASP Core Rule Set was off for this Ingress.")
            continue
        ctx.report(
            key,
            Verdict.UNSUPPORTED,
            f"{what} belonged to the ModSecurity WAF, which is removed"
            + ("" if enabled else " (it applied only where ModSecurity was enabled, here or controller-wide)")
            + ".",
            action=WAF_ACTION,
        )
