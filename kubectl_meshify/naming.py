"""Deterministic, valid Kubernetes names for generated objects."""

from __future__ import annotations

import re

try:  # the interpreter's own SHA-256: hashlib would load OpenSSL's libcrypto (3.6 MB) for a few digests
    from _sha256 import sha256  # Python 3.11
except ImportError:  # other interpreters
    try:
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        from hashlib import sha256

_INVALID = re.compile(r"[^a-z0-9-]+")


def short_hash(text: str) -> str:
    """The first 6 hex digits of the SHA-256 of `text`: what keeps shortened names distinct."""
    return str(sha256(text.encode()).hexdigest()[:6])


def dns_label(text: str, limit: int = 63) -> str:
    """A DNS-1123 label from any text; long or altered names keep a short hash so they stay distinct."""
    label = _INVALID.sub("-", text.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label) or "x"
    if len(label) > limit or label != text.lower():
        digest = short_hash(text)
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
    digest = short_hash(f"{namespace}/{secret}")
    base = re.sub(r"[^a-z0-9.-]+", "-", name.lower())[: CREDENTIAL_LIMIT - 7].strip("-.") or "x"
    return f"{base}-{digest}"
