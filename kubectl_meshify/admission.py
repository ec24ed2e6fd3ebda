"""What admission would refuse in an Ingress: hosts and paths that never reached a controller.

An Ingress the API server refuses was never stored, so no controller served it; emitting routes for it would
create routing that never existed (or objects Istio's own admission refuses). Three sources of truth:

- The API server, `ValidateIngressSpec` (kubernetes pkg/apis/networking/validation/validation.go):
  `validateIngressRules` wants each rule host to be a lowercase DNS-1123 subdomain
  (`validation.IsDNS1123Subdomain`; with a `*`, `IsWildcardDNS1123Subdomain`: `*.` then a subdomain) and
  not an IP address; `validateIngressTLS` checks `spec.tls[].hosts[]` the same way (no IP check);
  `validateHTTPIngressPath` wants Exact and Prefix paths absolute, without `//`, `/./`, `/../`, `%2f`,
  `%2F` and not ending in `/..` or `/.`, and ImplementationSpecific paths absolute when set.
- ingress-nginx's admission webhook, `CheckIngress` (internal/ingress/controller/controller.go): with
  `strict-validate-path-type` (`StrictValidatePathType`, default true in config.go `NewDefault`) it calls
  `inspector.ValidatePathType`, which refuses an Exact or Prefix path outside `(?i)^/[[:alnum:]\\._\\-/]*$`
  (`validPathType`, internal/ingress/inspector/rules.go). Only nginx-class Ingresses go through it.
- Istio's admission, `ValidateWildcardDomain` (pkg/config/validation/agent/validation.go), for the Gateway
  and VirtualService hosts the Ingress hosts become: at most 255 characters, a first label that is `*`,
  `*name`, `*-name` or a DNS-1123 label, every further label at most 63 characters
  (`labels.IsDNS1123Label`), and a top-level label that is not all digits.
"""

from __future__ import annotations

import ipaddress
import re

MAX_SUBDOMAIN = 253  # validation.DNS1123SubdomainMaxLength
MAX_LABEL = 63  # Istio labels.DNS1123LabelMaxLength
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_WILDCARD_OR_SUBDOMAIN = re.compile(r"(\*\.)?" + _SUBDOMAIN.pattern)
# Spellings of a value that was meant to be filled in: `<your domain>`, `{{ .Values.host }}`, `${HOST}`, `__HOST__`.
_PLACEHOLDER = re.compile(r"<[^>]*>|\{\{.*?\}\}|\$\{[^}]*\}|__[A-Za-z0-9_]+__")
_NGINX_STRICT_PATH = re.compile(r"/[A-Za-z0-9._\-/]*")
_INVALID_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_SUFFIXES = ("/..", "/.")


def host_problem(host: str, *, rule: bool = True) -> str | None:
    """Why the API server (or Istio) refuses `host`, in words; None when it is accepted.

    `rule`: a `spec.rules[].host` (IP addresses are refused there); else a `spec.tls[].hosts[]` entry.
    """
    if _accepted(host):
        return None
    placeholder = _PLACEHOLDER.search(host)
    if placeholder:
        return f"contains the placeholder {placeholder.group(0)!r}, a value that was never filled in"
    if not host:
        return "is empty"
    if any(ord(c) > 127 for c in host):
        return f"is not ASCII: the API server wants the punycode form{_punycode_hint(host)}"
    if any(c.isspace() for c in host):
        return "contains whitespace"
    if host != host.lower():
        return f"has uppercase letters: the API server accepts only lowercase (write {host.lower()!r})"
    if host.endswith("."):
        return f"ends with a dot: the API server does not accept a fully qualified name (write {host[:-1]!r})"
    if rule and _is_ip(host):
        return "is an IP address: an Ingress host must be a DNS name"
    name = host
    if "*" in host:
        if not host.startswith("*.") or "*" in host[2:]:
            return (
                "has a wildcard that is not the whole first label (only `*.example.com` is a wildcard host)"
            )
        name = host[2:]
    if len(host) > MAX_SUBDOMAIN:
        return f"is longer than {MAX_SUBDOMAIN} characters"
    if not _SUBDOMAIN.fullmatch(name):
        bad = sorted({c for c in name if not (c.isalnum() or c in "-.")})
        if bad:
            chars = " ".join(repr(c) for c in bad)
            return f"contains {chars}: a host has only lowercase letters, digits, '-' and '.'"
        return "has an empty label, or a label that starts or ends with '-'"
    labels = name.split(".")
    long_label = next((label for label in labels if len(label) > MAX_LABEL), None)
    if long_label is not None:
        return f"has a label longer than {MAX_LABEL} characters, which Istio's admission refuses"
    if labels[-1].isdigit():
        return f"ends in the all-numeric label {labels[-1]!r}, which Istio's admission refuses"
    return None


def path_problem(path: object, path_type: object, *, nginx_admission: bool) -> str | None:
    """Why the API server (or ingress-nginx's admission webhook) refuses this path; None when accepted.

    `nginx_admission`: the Ingress is of ingress-nginx's class, so its webhook checked it too.
    """
    value = "" if path is None else str(path)
    if path_type in ("Exact", "Prefix"):
        if not value:
            return f"is empty: pathType {path_type} needs an absolute path such as '/'"
        if not value.startswith("/"):
            return f"{value!r} is not an absolute path (it must start with '/')"
        for sequence in _INVALID_SEQUENCES:
            if sequence in value:
                return f"{value!r} contains {sequence!r}, which the API server refuses"
        for suffix in _INVALID_SUFFIXES:
            if value.endswith(suffix):
                return f"{value!r} ends with {suffix!r}, which the API server refuses"
        if nginx_admission and not _NGINX_STRICT_PATH.fullmatch(value):
            bad = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c in "._-/"))})
            return (
                f"{value!r} has {' '.join(repr(c) for c in bad)}: ingress-nginx's admission webhook"
                f" (strict-validate-path-type, on by default) allows only letters, digits, '.', '_', '-' and"
                f" '/' in a {path_type} path; a regular expression needs pathType ImplementationSpecific"
            )
    elif value and not value.startswith("/"):
        return f"{value!r} is not an absolute path (it must start with '/')"
    return None


def _accepted(host: str) -> bool:
    """The common case, decided at once: a (wildcard) lowercase subdomain that every check accepts.

    An IP address never gets here: its last label is all digits.
    """
    if len(host) > MAX_SUBDOMAIN or not _WILDCARD_OR_SUBDOMAIN.fullmatch(host):
        return False
    labels = host.split(".")
    return not labels[-1].isdigit() and max(map(len, labels)) <= MAX_LABEL


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _punycode_hint(host: str) -> str:
    try:
        return f" ({host.lower().encode('idna').decode('ascii')!r})"
    except UnicodeError:
        return ""
