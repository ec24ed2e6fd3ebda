"""Deterministic, valid Kubernetes names for generated objects."""

from __future__ import annotations

import hashlib
import re

_INVALID = re.compile(r"[^a-z0-9-]+")


def dns_label(text: str, limit: int = 63) -> str:
    """A DNS-1123 label from any text; long or altered names keep a short hash so they stay distinct."""
    label = _INVALID.sub("-", text.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label) or "x"
    if len(label) > limit or label != text.lower():
        digest = hashlib.sha256(text.encode()).hexdigest()[:6]
        if len(label) > limit - 7:
            label = label[: limit - 7].rstrip("-")
        if label != text.lower():
            return f"{label}-{digest}" if len(label) + 7 <= limit else label
    return label


def host_slug(host: str) -> str:
    """`shop.example.com` → `shop-example-com`; `*.example.com` → `wildcard-example-com`; `*` → `catch-all`."""
    if host == "*":
        return "catch-all"
    if host.startswith("*."):
        host = "wildcard." + host[2:]
    return _INVALID.sub("-", host.lower().replace(".", "-")).strip("-") or "host"


_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
# cert-manager labels each CertificateRequest with its Certificate's name, and label values stop at 63.
CREDENTIAL_LIMIT = 63


def credential_name(namespace: str, secret: str, salt: bool = False) -> str:
    """`<namespace>-<secret>`: the name a TLS secret gets in the gateway namespace.

    Too long or invalid names, and names that collide (`salt`), get a hash of `namespace/secret`.
    """
    name = f"{namespace}-{secret}"
    if not salt and len(name) <= CREDENTIAL_LIMIT and _SUBDOMAIN.match(name):
        return name
    digest = hashlib.sha256(f"{namespace}/{secret}".encode()).hexdigest()[:6]
    base = re.sub(r"[^a-z0-9.-]+", "-", name.lower())[: CREDENTIAL_LIMIT - 7].strip("-.") or "x"
    return f"{base}-{digest}"
