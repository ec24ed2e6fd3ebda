"""Which Gateway serves each TLS credential: the data of the report's "TLS credentials" section."""

from __future__ import annotations

from kubectl_meshify.model import MeshModel
from kubectl_meshify.options import Options
from kubectl_meshify.result import ServedCredential


def served_credentials(model: MeshModel, options: Options) -> list[ServedCredential]:
    """Every credential the gateway reads, by name, with the Gateway whose HTTPS server reads it."""
    servers = _servers(model, options)
    return [
        ServedCredential(model.credentials[name], servers.get(name)) for name in sorted(model.credentials)
    ]


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
