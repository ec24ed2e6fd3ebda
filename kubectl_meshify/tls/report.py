"""The report's part about TLS credentials: which secret each HTTPS server reads, where it comes from, and
the commands that put it there (JSON `summary.credentials`, Markdown "TLS credentials")."""

from __future__ import annotations

from typing import Any

from kubectl_meshify.batch_scripts import SECRETS_SCRIPT
from kubectl_meshify.model import Credential, MeshModel
from kubectl_meshify.options import Options

# Credentials listed in the Markdown table; the JSON and HTML reports list them all.
MAX_ROWS = 50


def add_sections(extra: dict[str, Any], model: MeshModel, options: Options) -> None:
    """Add the credentials to `MigrationResult.extra` (see report.py)."""
    if not model.credentials:
        return
    servers = _servers(model, options)
    credentials = [model.credentials[name] for name in sorted(model.credentials)]
    extra.setdefault("summary", {})["credentials"] = [_json(c, servers.get(c.name)) for c in credentials]
    extra.setdefault("prerequisites_md", []).extend(_markdown(credentials, servers, options))


def _servers(model: MeshModel, options: Options) -> dict[str, str]:
    """Credential → the Gateway whose HTTPS server reads it."""
    if options.gateway:
        return {name: options.gateway for name in model.credentials}
    found: dict[str, str] = {}
    for gateway in model.gateways:
        for server in gateway.servers:
            name = (server.tls or {}).get("credentialName")
            if name:
                found[str(name)] = f"{gateway.namespace}/{gateway.name}"
    return found


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


def _markdown(credentials: list[Credential], servers: dict[str, str], options: Options) -> list[str]:
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
    for credential in credentials[:MAX_ROWS]:
        hosts = ", ".join(f"`{h}`" for h in credential.hosts)
        gateway = servers.get(credential.name, "")
        lines.append(
            f"| `{credential.name}` | {hosts} | {credential.source_namespace}/{credential.source_secret} |"
            f" {_provided_by(credential)} | {gateway} |"
            + (f" {_yes_no(credential.present)} |" if checked else "")
        )
    if len(credentials) > MAX_ROWS:
        lines += [
            "",
            f"{len(credentials) - MAX_ROWS} more credentials are listed in the JSON and HTML reports.",
        ]
    copies = [c for c in credentials if c.command]
    if copies:
        lines += [
            "",
            f"{len(copies)} credential(s) are copies: the batch script `{SECRETS_SCRIPT}` (see the action plan) copies"
            " them, the data going from kubectl to kubectl without being shown. A copy does not follow renewals:"
            " run the script again after each renewal of a source secret, or issue the certificate with"
            f" cert-manager in {namespace}.",
        ]
    return lines
