"""The "TLS credentials" section: which secret each HTTPS server reads, where it comes from, and the
commands that put it there (JSON `summary.credentials`; Markdown, under Prerequisites)."""

from __future__ import annotations

from typing import Any

from kubectl_meshify.batch_scripts import SECRETS_SCRIPT
from kubectl_meshify.model import Credential
from kubectl_meshify.options import Options
from kubectl_meshify.result import ServedCredential

# Credentials listed in the Markdown table; the JSON and HTML reports list them all.
MAX_ROWS = 50


def to_json(served: list[ServedCredential]) -> list[dict[str, Any]]:
    return [_json(s.credential, s.gateway) for s in served]


def _json(credential: Credential, gateway: str | None) -> dict[str, Any]:
    return {
        "name": credential.name,
        "namespace": credential.namespace,
        "hosts": list(credential.hosts),
        "source": {"namespace": credential.source_namespace, "secret": credential.source_secret},
        "provider": credential.provider,
        "issuer": credential.issuer,
        "gateway": gateway,
        "command": credential.command,
        "present": credential.present,
    }


def _provided_by(credential: Credential) -> str:
    if credential.provider == "cert-manager":
        return f"Certificate {credential.namespace}/{credential.name} ({credential.issuer})"
    if credential.provider == "in-place":
        return "already there"
    return "a copy (command below)"


def _yes_no(value: bool | None) -> str:
    return "not checked" if value is None else "yes" if value else "no"


def to_markdown(served: list[ServedCredential], options: Options) -> list[str]:
    if not served:
        return []
    credentials = [s.credential for s in served]
    namespace = options.gateway_namespace
    lines = ["", f"### TLS credentials in {namespace}", ""]
    if options.gateway:
        lines += [
            f"Gateway {options.gateway} is not generated, so it must serve these credentials itself: one HTTPS"
            " server per credential, listing exactly its hosts. Hosts of one certificate on separate servers (or"
            " Gateways) answer 404 to browsers that reuse an HTTP/2 connection.",
            "",
        ]
    else:
        lines += [
            "The ingress gateway reads `credentialName` secrets only from its own namespace. Each credential has"
            " one HTTPS server listing all its hosts (see docs/tls.md).",
            "",
        ]
    checked = any(c.present is not None for c in credentials)
    lines += [
        "| credentialName | hosts | source secret | provided by | Gateway |"
        + (" exists |" if checked else ""),
        "| --- | --- | --- | --- | --- |" + (" --- |" if checked else ""),
    ]
    for entry in served[:MAX_ROWS]:
        credential = entry.credential
        hosts = ", ".join(f"`{h}`" for h in credential.hosts)
        lines.append(
            f"| `{credential.name}` | {hosts} | {credential.source_namespace}/{credential.source_secret} |"
            f" {_provided_by(credential)} | {entry.gateway or ''} |"
            + (f" {_yes_no(credential.present)} |" if checked else "")
        )
    if len(served) > MAX_ROWS:
        lines += ["", f"{len(served) - MAX_ROWS} more credentials are listed in the JSON and HTML reports."]
    copies = [c for c in credentials if c.command]
    if copies:
        lines += [
            "",
            f"{len(copies)} credential(s) are copies: the batch script `{SECRETS_SCRIPT}` (see the action plan)"
            " copies them, the data going from kubectl to kubectl without being shown. A copy does not follow"
            " renewals: run the script again after each renewal of a source secret, or issue the certificate"
            f" with cert-manager in {namespace}.",
        ]
    return lines
