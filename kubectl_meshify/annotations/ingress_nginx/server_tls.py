"""TLS the gateway offers clients on a host: client certificates (auth-tls-*) and ciphers.

| key | verdict | Istio |
| --- | --- | --- |
| auth-tls-secret | exact | the host's Gateway HTTPS server gets `tls.mode: MUTUAL`; the CA goes into `<credentialName>-cacert` in the gateway namespace (reported) |
| auth-tls-verify-client | exact | `on` → `MUTUAL`, `optional` → `OPTIONAL_MUTUAL`, `off` → `SIMPLE`; `optional_no_ca` unsupported |
| auth-tls-verify-depth | unsupported | none (Envoy has no chain-depth setting) |
| auth-tls-error-page | unsupported | none: a rejected certificate fails the TLS handshake |
| auth-tls-pass-certificate-to-upstream | approximated | gateway `gatewayTopology.forwardClientCertDetails` (X-Forwarded-Client-Cert instead of ssl-client-cert; set on the gateway, reported) |
| auth-tls-match-cn | approximated | server `tls.subjectAltNames` for `CN=name` or `CN=(a\\|b)`: checks the SAN instead of the CN |
| ssl-ciphers | approximated | server `tls.cipherSuites`: the explicit suite names Envoy knows (keywords such as `HIGH` or `!aNULL` cannot be expanded) |
| ssl-prefer-server-ciphers | unsupported | none (low impact) |

These are per host in ingress-nginx (the `server` block), as a Gateway server is; when another host
shares the server (same certificate), the host moves to a server of its own so the others keep their
settings. With `--gateway` (an existing Gateway) nothing is changed and the server settings are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.annotations.ingress_nginx._common import present, report_ignored
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.model import GatewayPlan, Server, VirtualHost
from kubectl_meshify.naming import dns_label
from kubectl_meshify.tls.copy_command import copy_command

KEYS = {
    "auth-tls-secret": KeyInfo(
        Verdict.EXACT, "Gateway server `tls.mode: MUTUAL` with the CA in `<credential>-cacert`"
    ),
    "auth-tls-verify-client": KeyInfo(
        Verdict.EXACT, "on → MUTUAL, optional → OPTIONAL_MUTUAL, off → SIMPLE; optional_no_ca unsupported"
    ),
    "auth-tls-verify-depth": KeyInfo(Verdict.UNSUPPORTED, "none"),
    "auth-tls-error-page": KeyInfo(Verdict.UNSUPPORTED, "none: the TLS handshake fails"),
    "auth-tls-pass-certificate-to-upstream": KeyInfo(
        Verdict.APPROXIMATED, "gateway `forwardClientCertDetails` (X-Forwarded-Client-Cert)"
    ),
    "auth-tls-match-cn": KeyInfo(Verdict.APPROXIMATED, "server `tls.subjectAltNames` (SAN instead of CN)"),
    "ssl-ciphers": KeyInfo(Verdict.APPROXIMATED, "server `tls.cipherSuites` (explicit suite names only)"),
    "ssl-prefer-server-ciphers": KeyInfo(Verdict.UNSUPPORTED, "none"),
}

# TLS 1.2 suites Envoy (BoringSSL) accepts in cipher_suites, by their OpenSSL names.
ENVOY_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
)
VERIFY_MODES = {"on": "MUTUAL", "optional": "OPTIONAL_MUTUAL", "off": "SIMPLE"}
_CN = re.compile(r"^\^?CN=(?:\(([A-Za-z0-9.*_\-|]+)\)|([A-Za-z0-9.*_\-]+))\$?$")


@dataclass(frozen=True)
class Pending:
    """A finding held back until it is known whether the Gateway could be changed."""

    key: str
    verdict: Verdict
    text: str
    action: str | None = None
    severity: Severity | None = None


def cipher_suites(value: str) -> tuple[list[str], list[str]]:
    """An OpenSSL cipher string → (suite names Envoy accepts, parts that were dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    for part in re.split(r"[:,\s]+", value.strip()):
        if not part:
            continue
        if part in ENVOY_CIPHERS and part not in kept:
            kept.append(part)
        elif part not in ENVOY_CIPHERS:
            dropped.append(part)
    return kept, dropped


def match_cn_names(value: str) -> list[str] | None:
    """`CN=name` or `CN=(a|b)` (what auth-tls-match-cn usually holds) → names; None for other regexes."""
    match = _CN.match(value.strip())
    if match is None:
        return None
    names = (match.group(1) or match.group(2)).split("|")
    return [n for n in names if n] or None


def refine(ctx: FamilyContext) -> None:
    keys = present(ctx, KEYS)
    if not keys or report_ignored(ctx, keys):
        return
    tls_hosts = [v for v in ctx.hosts() if v.tls_secret and not v.passthrough]
    changes: dict[str, Any] = {}
    reports: list[Pending] = []
    secret_raw = (ctx.value("auth-tls-secret") or "").strip()
    if any(k.startswith("auth-tls-") for k in keys):
        _client_certificates(ctx, keys, secret_raw, tls_hosts, changes, reports)
    if ctx.has("ssl-ciphers"):
        kept, dropped = cipher_suites(ctx.value("ssl-ciphers") or "")
        if kept:
            changes["cipherSuites"] = kept
            text = f"The HTTPS server offers the suites {', '.join(kept)} (tls.cipherSuites)."
            if dropped:
                text += (
                    f" Not expressible as Envoy suite names, left out: {', '.join(dropped)} (OpenSSL keywords"
                    " and exclusions cannot be expanded; TLS 1.3 suites are not configurable)."
                )
            reports.append(Pending("ssl-ciphers", Verdict.APPROXIMATED, text))
        else:
            reports.append(
                Pending(
                    "ssl-ciphers",
                    Verdict.UNSUPPORTED,
                    f"No explicit TLS 1.2 suite name Envoy knows in {ctx.value('ssl-ciphers')!r}; Envoy's default"
                    " suites (modern, ECDHE with AES-GCM or ChaCha20) apply.",
                    "List the wanted suites by name (e.g. ECDHE-RSA-AES128-GCM-SHA256) if the default is not"
                    " acceptable.",
                    Severity.INFO,
                )
            )
    if ctx.has("ssl-prefer-server-ciphers"):
        reports.append(
            Pending(
                "ssl-prefer-server-ciphers",
                Verdict.UNSUPPORTED,
                "The gateway's cipher preference cannot be set; Envoy's defaults apply.",
                "Nothing to do: with modern suites the preference hardly matters.",
                Severity.INFO,
            )
        )
    if changes and not _apply(ctx, tls_hosts, changes):
        snippet = ", ".join(
            f"{k}: [{', '.join(v)}]" if isinstance(v, list) else f"{k}: {v}" for k, v in changes.items()
        )
        reports = [
            replace(
                p,
                verdict=Verdict.UNSUPPORTED,
                text=p.text + " Not applied: the Gateway is an existing one (--gateway).",
                action=f"Set on its HTTPS server for {', '.join(v.host for v in tls_hosts)}: tls {{{snippet}}}.",
                severity=Severity.WARNING,
            )
            if p.verdict is not Verdict.NO_OP and p.key in _CHANGING_KEYS
            else p
            for p in reports
        ]
    for p in reports:
        ctx.report(p.key, p.verdict, p.text, action=p.action, severity=p.severity)


_CHANGING_KEYS = {"auth-tls-secret", "auth-tls-verify-client", "auth-tls-match-cn", "ssl-ciphers"}


def _client_certificates(
    ctx: FamilyContext,
    keys: list[str],
    secret_raw: str,
    tls_hosts: list[VirtualHost],
    changes: dict[str, Any],
    reports: list[Pending],
) -> None:
    tls_keys = [k for k in keys if k.startswith("auth-tls-")]
    namespace, _, name = secret_raw.rpartition("/")
    if not secret_raw or not name:
        for key in tls_keys:
            reports.append(
                Pending(key, Verdict.NO_OP, "ingress-nginx reads auth-tls-* only with auth-tls-secret.")
            )
        return
    plain = sorted(v.host for v in ctx.hosts() if not v.tls_secret)
    if not tls_hosts:
        for key in tls_keys:
            reports.append(
                Pending(
                    key,
                    Verdict.NO_OP,
                    "The Ingress has no HTTPS host; nginx asked for client certificates only over HTTPS.",
                    None,
                    None,
                )
            )
        return
    namespace = namespace or ctx.record.obj.namespace
    verify_raw = (ctx.value("auth-tls-verify-client") or "on").strip().lower()
    verify = verify_raw if verify_raw in (*VERIFY_MODES, "optional_no_ca") else "on"
    mode = VERIFY_MODES.get(verify, "SIMPLE")
    hosts = ", ".join(v.host for v in tls_hosts)
    gw_ns = ctx.options.gateway_namespace
    credentials = sorted({v.credential or v.tls_secret or "" for v in tls_hosts} - {""})
    if mode != "SIMPLE":
        changes["mode"] = mode
    open_note = (
        f" Plain-HTTP hosts ({', '.join(plain)}) stay without client certificates, as in nginx."
        if plain
        else ""
    )
    ca_action = (
        " ".join(
            f"{copy_command('secret', namespace, name, gw_ns, cred + '-cacert')};" for cred in credentials
        )
        + " (the copy keeps the secret's ca.crt; on Istio 1.28+ tls.caCertCredentialName can name the CA"
        " secret instead)."
    )
    if "auth-tls-secret" in keys:
        if mode == "SIMPLE":
            reports.append(
                Pending(
                    "auth-tls-secret",
                    Verdict.EXACT if verify == "off" else Verdict.UNSUPPORTED,
                    "Client certificates are not requested (auth-tls-verify-client off)."
                    if verify == "off"
                    else "optional_no_ca accepted any client certificate without checking it; the gateway cannot"
                    " do that (OPTIONAL_MUTUAL verifies against a CA), so it asks for none.",
                    None
                    if verify == "off"
                    else "If the application checks certificates itself, use"
                    " OPTIONAL_MUTUAL with a CA that signs them.",
                    None,
                )
            )
        else:
            reports.append(
                Pending(
                    "auth-tls-secret",
                    Verdict.EXACT,
                    f"Hosts {hosts} {'require' if mode == 'MUTUAL' else 'verify, when presented,'} client"
                    f" certificates signed by the CA in secret {namespace}/{name}"
                    f" (Gateway server tls {mode}). nginx answered a bad certificate with HTTP 400; the gateway"
                    " fails the TLS handshake." + open_note,
                    "The gateway looks for the CA in <credentialName>-cacert in its namespace: " + ca_action,
                    Severity.WARNING,
                )
            )
    if "auth-tls-verify-client" in keys:
        text = {
            "on": "on: a valid client certificate is required (MUTUAL).",
            "optional": "optional: a certificate is verified when presented (OPTIONAL_MUTUAL).",
            "off": "off: no client certificate is requested (SIMPLE).",
            "optional_no_ca": "optional_no_ca: see auth-tls-secret.",
        }[verify]
        if verify != verify_raw:
            text = f"{verify_raw!r} is not a mode nginx accepts; it used on. " + text
        reports.append(
            Pending(
                "auth-tls-verify-client",
                Verdict.UNSUPPORTED if verify == "optional_no_ca" else Verdict.EXACT,
                text,
                None,
                None,
            )
        )
    if "auth-tls-verify-depth" in keys:
        reports.append(
            Pending(
                "auth-tls-verify-depth",
                Verdict.UNSUPPORTED,
                "The depth of the client certificate chain is not limited by the gateway (nginx's default was 1).",
                "Issue client certificates directly from the CA in the secret if the depth mattered.",
                Severity.INFO,
            )
        )
    if "auth-tls-error-page" in keys:
        reports.append(
            Pending(
                "auth-tls-error-page",
                Verdict.UNSUPPORTED,
                f"nginx redirected clients with a bad certificate to {ctx.value('auth-tls-error-page')}; the gateway"
                " rejects them in the TLS handshake, so no page can be shown.",
                "Tell users how to get a certificate elsewhere (the browser shows its own error).",
                None,
            )
        )
    if "auth-tls-pass-certificate-to-upstream" in keys:
        if ctx.flag("auth-tls-pass-certificate-to-upstream") and mode != "SIMPLE":
            reports.append(
                Pending(
                    "auth-tls-pass-certificate-to-upstream",
                    Verdict.APPROXIMATED,
                    "nginx sent the client certificate in the ssl-client-cert header (and ssl-client-verify,"
                    " ssl-client-subject-dn, ssl-client-issuer-dn); Envoy sends them in one X-Forwarded-Client-Cert"
                    " header once the gateway is configured for it, for every host it serves.",
                    "Annotate the gateway pods with proxy.istio.io/config:"
                    ' \'{"gatewayTopology": {"forwardClientCertDetails": "SANITIZE_SET"}}\' and make the'
                    " application read X-Forwarded-Client-Cert.",
                    Severity.WARNING,
                )
            )
        else:
            reports.append(
                Pending(
                    "auth-tls-pass-certificate-to-upstream",
                    Verdict.NO_OP,
                    "No client certificate is passed on (off, or no certificate is requested).",
                    None,
                    None,
                )
            )
    if "auth-tls-match-cn" in keys:
        value = ctx.value("auth-tls-match-cn") or ""
        names = match_cn_names(value)
        if mode == "SIMPLE":
            reports.append(Pending("auth-tls-match-cn", Verdict.NO_OP, "No client certificate is verified."))
        elif names is None:
            reports.append(
                Pending(
                    "auth-tls-match-cn",
                    Verdict.UNSUPPORTED,
                    f"{value!r} is a regex over the certificate subject; the gateway can only check subject"
                    " alternative names from a list, so any certificate from the CA is accepted.",
                    "Express the allowed clients as CN=name or CN=(a|b), issue certificates with matching SANs,"
                    " and convert again.",
                    Severity.WARNING,
                )
            )
        else:
            changes["subjectAltNames"] = names
            reports.append(
                Pending(
                    "auth-tls-match-cn",
                    Verdict.APPROXIMATED,
                    f"The client certificate must carry {', '.join(names)} as a subject alternative name"
                    " (tls.subjectAltNames); nginx checked the subject CN, and did so per location rather than"
                    " per host.",
                    "Make sure the client certificates have these names as SANs, or they will be rejected.",
                    Severity.WARNING,
                )
            )


def _apply(ctx: FamilyContext, tls_hosts: list[VirtualHost], changes: dict[str, Any]) -> bool:
    """Give each host's HTTPS server the changed tls; False when the Gateway is not generated."""
    if ctx.options.gateway:
        return False
    for vhost in tls_hosts:
        names = [vhost.host, *vhost.aliases]
        for plan in ctx.model.gateways:
            if f"{plan.namespace}/{plan.name}" not in vhost.gateways:
                continue
            for server in list(plan.servers):
                if server.port != 443 or server.protocol != "HTTPS" or vhost.host not in server.hosts:
                    continue
                tls = {**(server.tls or {}), **changes}
                if tls == server.tls:
                    continue
                server.hosts = [h for h in server.hosts if h not in names]
                if not server.hosts:
                    plan.servers.remove(server)
                _place(plan, names, tls, server.name)
    return True


def _place(plan: GatewayPlan, hosts: list[str], tls: dict[str, Any], base: str) -> None:
    """Put hosts on the HTTPS server with this tls, creating one with a unique name if needed."""
    for server in plan.servers:
        if server.port == 443 and server.protocol == "HTTPS" and server.tls == tls:
            server.hosts.extend(h for h in hosts if h not in server.hosts)
            return
    taken = {s.name for s in plan.servers}
    suffix = "mtls" if tls.get("mode") in ("MUTUAL", "OPTIONAL_MUTUAL") else "custom"
    name = dns_label(f"{base}-{suffix}")
    counter = 2
    while name in taken:
        name = dns_label(f"{base}-{suffix}-{counter}")
        counter += 1
    order: tuple[str, ...] = ("mode", "credentialName", "subjectAltNames", "cipherSuites")
    ordered: dict[str, Any] = {k: tls[k] for k in order if k in tls}
    ordered.update({k: v for k, v in tls.items() if k not in ordered})
    plan.servers.append(Server(443, "HTTPS", name, list(hosts), ordered))
