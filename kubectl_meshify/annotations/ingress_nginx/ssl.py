"""HTTP → HTTPS redirects.

| key | verdict | Istio |
| --- | --- | --- |
| ssl-redirect | exact | port-80 route per location with `redirect: {scheme: https, redirectCode: 308}` |
| force-ssl-redirect | approximated | the same redirect even without TLS on the host (a TLS-offloading load balancer in front loops) |
| preserve-trailing-slash | exact | nothing: Envoy keeps the path as it is, as nginx does with this set |

ingress-nginx redirects with 308 by default (`http-redirect-code`), so the redirect is written per route
instead of Istio's host-wide `httpsRedirect` (which always answers 301). Without
`preserve-trailing-slash`, nginx removes a trailing `/` from the redirect target; Envoy keeps it.
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.findings import Finding, Severity, Verdict

KEYS = {
    "ssl-redirect": KeyInfo(
        Verdict.EXACT, "port-80 route redirect `scheme: https`, code 308, per location", ("redirect",)
    ),
    "force-ssl-redirect": KeyInfo(
        Verdict.APPROXIMATED, "the same redirect on hosts without TLS", ("redirect",)
    ),
    "preserve-trailing-slash": KeyInfo(Verdict.EXACT, "none needed: Envoy keeps the path"),
}


def prepare(ctx: FamilyContext) -> None:
    ctx.settings.ssl_redirect = ctx.flag("ssl-redirect", default=True)
    ctx.settings.force_ssl_redirect = ctx.flag("force-ssl-redirect")
    ctx.settings.extra["preserve_trailing_slash"] = ctx.flag("preserve-trailing-slash")


def refine(ctx: FamilyContext) -> None:
    # Unknown hosts on the catch-all server `*` are never redirected (lua_ingress.lua redirect_to_https).
    tls_hosts = sorted(v.host for v in ctx.hosts() if v.tls_secret and v.host != "*")
    redirecting = ctx.settings.force_ssl_redirect or (ctx.settings.ssl_redirect and bool(tls_hosts))
    if ctx.has("ssl-redirect"):
        if ctx.settings.ssl_redirect:
            ctx.report(
                "ssl-redirect",
                Verdict.EXACT,
                "ssl-redirect is on: HTTP requests are redirected to HTTPS with 308 on the TLS hosts"
                f" ({', '.join(tls_hosts) or 'none'}), per route.",
            )
        else:
            ctx.report(
                "ssl-redirect",
                Verdict.EXACT,
                "ssl-redirect is off: HTTP requests are served as they were, without a redirect.",
            )
    if ctx.has("force-ssl-redirect"):
        if ctx.settings.force_ssl_redirect:
            ctx.report(
                "force-ssl-redirect",
                Verdict.APPROXIMATED,
                "HTTP requests are redirected to HTTPS (308) on port 80 even on hosts without TLS. ingress-nginx"
                " also trusted X-Forwarded-Proto from a TLS-offloading load balancer; the gateway redirects"
                " every request that reaches its port 80.",
                action="If TLS ends at a load balancer in front of the gateway, match the x-forwarded-proto"
                " header instead of port 80, or requests will loop.",
                severity=Severity.WARNING,
            )
        else:
            ctx.report("force-ssl-redirect", Verdict.EXACT, "force-ssl-redirect is off; nothing to convert.")
    if ctx.has("preserve-trailing-slash"):
        ctx.report(
            "preserve-trailing-slash",
            Verdict.EXACT,
            "Envoy's HTTPS redirect keeps the path unchanged, as nginx did with this set.",
        )
    if redirecting and not ctx.settings.extra.get("preserve_trailing_slash"):
        ctx.note(
            Finding(
                code="SSL_REDIRECT_TRAILING_SLASH",
                severity=Severity.INFO,
                verdict=Verdict.APPROXIMATED,
                message="ingress-nginx removed a trailing `/` from the HTTPS redirect target (http://h/a/ →"
                " https://h/a); the Istio redirect keeps the path (→ https://h/a/).",
                action="Nothing to do unless clients depend on the slash being removed.",
                ingress=ctx.ingress,
            )
        )
    if redirecting and not ctx.has("ssl-redirect") and not ctx.settings.force_ssl_redirect:
        ctx.note(
            Finding(
                code="SSL_REDIRECT_DEFAULT",
                severity=Severity.INFO,
                verdict=Verdict.EXACT,
                message="ingress-nginx redirected HTTP to HTTPS by default on TLS hosts"
                f" ({', '.join(tls_hosts)}) with 308; each route has a port-80 redirect twin with the same code.",
                ingress=ctx.ingress,
            )
        )
