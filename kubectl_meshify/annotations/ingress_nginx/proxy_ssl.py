"""TLS from the gateway to HTTPS/GRPCS backends: client certificate, verification, SNI.

| key | verdict | Istio |
| --- | --- | --- |
| proxy-ssl-secret | exact | gateway-scoped DestinationRule `tls: {mode: MUTUAL, credentialName: <namespace>-<secret>}` (the secret copied to the gateway namespace under that name) |
| proxy-ssl-verify | exact | `on`: verify against the secret's `ca.crt`; `off` (default): `insecureSkipVerify: true` |
| proxy-ssl-name | exact | `subjectAltNames: [<name>]` when verifying, `sni: <name>` when proxy-ssl-server-name is on |
| proxy-ssl-server-name | approximated | `on`: `sni`; `off`: Istio still sends the request's Host as SNI |
| proxy-ssl-verify-depth | unsupported | none (Envoy has no chain-depth limit setting) |
| proxy-ssl-protocols | unsupported | none in DestinationRule TLS settings |
| proxy-ssl-ciphers | unsupported | none in DestinationRule TLS settings |

ingress-nginx reads these only when `proxy-ssl-secret` names a secret (`namespace/name`, the Ingress's
own namespace), and they matter only for `backend-protocol: HTTPS` or `GRPCS`; the backend family
writes the resulting `tls` block (see `upstream_tls`).
"""

from __future__ import annotations

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import (
    TLS_BACKEND_PROTOCOLS,
    backend_protocol,
    on_off,
    present,
    report_ignored,
)
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.naming import credential_name
from kubectl_meshify.tls.copy_command import copy_command

KEYS = {
    "proxy-ssl-secret": KeyInfo(
        Verdict.EXACT, "gateway-scoped DestinationRule `tls.mode: MUTUAL` + `credentialName`"
    ),
    "proxy-ssl-verify": KeyInfo(
        Verdict.EXACT, "`on`: verify with the secret's `ca.crt`; `off`: `insecureSkipVerify: true`"
    ),
    "proxy-ssl-name": KeyInfo(
        Verdict.EXACT, "`tls.subjectAltNames` (verify on) and `tls.sni` (server name on)"
    ),
    "proxy-ssl-server-name": KeyInfo(
        Verdict.APPROXIMATED, "`tls.sni`; Istio sends the Host as SNI otherwise"
    ),
    "proxy-ssl-verify-depth": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "proxy-ssl-protocols": KeyInfo(Verdict.UNSUPPORTED, "none in DestinationRule TLS settings"),
    "proxy-ssl-ciphers": KeyInfo(Verdict.UNSUPPORTED, "none in DestinationRule TLS settings"),
}

# IngressSettings.extra key set by the backend family when another Ingress's TLS settings were kept.
TLS_CONFLICT = "upstream_tls_conflict"


def client_secret(ctx: FamilyContext) -> tuple[str | None, str | None]:
    """(secret name, problem): the proxy-ssl-secret nginx would load, or why it refused it."""
    raw = ctx.value("proxy-ssl-secret")
    if raw is None:
        return None, None
    namespace, sep, name = raw.strip().partition("/")
    if not sep or not namespace or not name or "/" in name:
        return None, f"{raw!r} is not namespace/name"
    if namespace != ctx.record.obj.namespace:
        return None, f"{raw!r} is in another namespace than the Ingress"
    return name, None


def upstream_tls(ctx: FamilyContext) -> dict[str, object]:
    """The DestinationRule `tls` block reproducing how nginx spoke TLS to this Ingress's backends."""
    secret, _ = client_secret(ctx)
    if secret is None:
        return {"mode": "SIMPLE", "insecureSkipVerify": True}
    # The gateway reads credentials from its own namespace, under the name Ingress TLS secrets get there.
    tls: dict[str, object] = {
        "mode": "MUTUAL",
        "credentialName": credential_name(ctx.record.obj.namespace, secret),
    }
    verify = on_off(ctx.value("proxy-ssl-verify")) is True
    name = (ctx.value("proxy-ssl-name") or "").strip()
    if on_off(ctx.value("proxy-ssl-server-name")) is True and name:
        tls["sni"] = name
    if verify:
        if name:
            tls["subjectAltNames"] = [name]
    else:
        tls["insecureSkipVerify"] = True
    return tls


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    protocol, _ = backend_protocol(ctx)
    if protocol not in TLS_BACKEND_PROTOCOLS:
        for key in keys:
            ctx.report(
                key,
                Verdict.NO_OP,
                f"ingress-nginx used proxy-ssl-* only for HTTPS/GRPCS backends; this Ingress's backend protocol"
                f" is {protocol}, so it had no effect.",
            )
        return
    secret, problem = client_secret(ctx)
    if secret is None:
        _report_without_secret(ctx, keys, problem)
        return
    conflict = ctx.settings.extra.get(TLS_CONFLICT)
    suffix = (
        f" Another Ingress ({conflict}) set different TLS settings for the same Service port first; the"
        " DestinationRule keeps those."
        if conflict
        else ""
    )
    verdict_exact = Verdict.APPROXIMATED if conflict else Verdict.EXACT
    verify = on_off(ctx.value("proxy-ssl-verify")) is True
    server_name = on_off(ctx.value("proxy-ssl-server-name")) is True
    name = (ctx.value("proxy-ssl-name") or "").strip()
    gw_ns = ctx.options.gateway_namespace
    ns = ctx.record.obj.namespace
    credential = credential_name(ns, secret)
    ctx.report(
        "proxy-ssl-secret",
        verdict_exact,
        f"The gateway presents the client certificate from secret {ns}/{secret} (tls.crt/tls.key) to the"
        f" backend: DestinationRule tls MUTUAL with credentialName {credential}." + suffix,
        action=f"The gateway reads credentials only from {gw_ns}: copy the secret there as {credential}"
        f" ({copy_command('secret', ns, secret, gw_ns, credential)}); a copy does not follow renewals.",
        severity=Severity.WARNING,
    )
    if ctx.has("proxy-ssl-verify"):
        if verify:
            ctx.report(
                "proxy-ssl-verify",
                verdict_exact,
                f"The backend certificate is verified against ca.crt of secret {secret}, as nginx did."
                + suffix,
            )
        else:
            ctx.report(
                "proxy-ssl-verify",
                verdict_exact,
                "The backend certificate is not verified (insecureSkipVerify: true), as with nginx's"
                " proxy_ssl_verify off." + suffix,
            )
    if ctx.has("proxy-ssl-name"):
        uses = [what for what, used in (("verification", verify), ("SNI", server_name)) if used]
        if not name or not uses:
            ctx.report(
                "proxy-ssl-name",
                Verdict.NO_OP,
                "nginx used proxy-ssl-name only for verification (proxy-ssl-verify on) and SNI"
                " (proxy-ssl-server-name on); both are off here, so it had no effect.",
            )
        else:
            fields = [f for f, used in (("subjectAltNames", verify), ("sni", server_name)) if used]
            ctx.report(
                "proxy-ssl-name",
                verdict_exact,
                f"{name} is used for {' and '.join(uses)}: tls {' and '.join(fields)}." + suffix,
            )
    if ctx.has("proxy-ssl-server-name"):
        if server_name:
            ctx.report(
                "proxy-ssl-server-name",
                Verdict.EXACT if name else Verdict.APPROXIMATED,
                f"SNI {name} is sent to the backend (tls.sni)."
                if name
                else "nginx sent its upstream name as SNI; without proxy-ssl-name, Istio sends the request's"
                " Host header as SNI.",
            )
        else:
            ctx.report(
                "proxy-ssl-server-name",
                Verdict.APPROXIMATED,
                "nginx sent no SNI to the backend; Istio sends the request's Host header as SNI. Backends"
                " rarely care.",
            )
    if ctx.has("proxy-ssl-verify-depth"):
        if verify:
            ctx.report(
                "proxy-ssl-verify-depth",
                Verdict.UNSUPPORTED,
                "A DestinationRule cannot limit the depth of the backend's certificate chain; Envoy accepts any"
                " chain that leads to the CA.",
                action="Nothing to do unless the depth limit was a security control.",
                severity=Severity.INFO,
            )
        else:
            ctx.report(
                "proxy-ssl-verify-depth", Verdict.NO_OP, "Verification is off, so the depth had no effect."
            )
    for key, what in (
        ("proxy-ssl-protocols", "the TLS versions offered to the backend"),
        ("proxy-ssl-ciphers", "the ciphers offered to the backend"),
    ):
        if ctx.has(key):
            ctx.report(
                key,
                Verdict.UNSUPPORTED,
                f"A DestinationRule cannot set {what}; Envoy's defaults apply (TLS 1.2 and 1.3, modern ciphers).",
                action="Usually nothing to do; if the backend needs an old TLS version or cipher, upgrade it.",
                severity=Severity.INFO,
            )


def _report_without_secret(ctx: FamilyContext, keys: list[str], problem: str | None) -> None:
    for key in keys:
        if key == "proxy-ssl-secret":
            ctx.report(
                key,
                Verdict.UNSUPPORTED,
                f"proxy-ssl-secret {problem}: ingress-nginx refused the location (503) unless"
                " allow-cross-namespace-resources was on; the converted routes serve it, with TLS to the"
                " backend but no client certificate.",
                action="Point proxy-ssl-secret at namespace/name in the Ingress's namespace, or remove it.",
            )
        else:
            ctx.report(
                key,
                Verdict.NO_OP,
                "ingress-nginx reads proxy-ssl-* only together with a valid proxy-ssl-secret; it had no effect.",
            )
