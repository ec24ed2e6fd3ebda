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
