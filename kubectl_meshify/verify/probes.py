"""Probe requests generated from the Ingress objects themselves.

For every host and path of an Ingress: the path, with and without a trailing slash, a deeper path,
a sibling sharing the string prefix but not the segment (`/foo` → `/foozz`), an upper-case variant
on hosts in regex mode, strings matching regex paths; `/` (app-root, default backend); http, plus
https for TLS hosts (every rule host of an Ingress with a `spec.tls` entry) and passthrough hosts; wildcard hosts' one-label and two-label subdomains; server
aliases and the www twin; a host matching no rule; and, on hosts with a canary, every canary header
and cookie value (always / never / the exact value / a pattern match / another value), and another
header value together with the cookie `always`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from kubectl_meshify.verify.ingress import IngressDoc
from kubectl_meshify.verify.regex import examples
from kubectl_meshify.verify.request import Probe

UNMATCHED_HOST = "no-rule.meshify.invalid"
_REGEX_CHARS = re.compile(r"[\\^$.|?*+()\[\]{}]")


@dataclass(frozen=True)
class CanaryKnobs:
    """The canary annotations of one canary Ingress, as probe generation needs them."""

    header: str = ""
    header_value: str = ""
    header_pattern: str = ""
    cookie: str = ""

    def variants(self) -> list[tuple[tuple[tuple[str, str], ...], str]]:
        out: list[tuple[tuple[tuple[str, str], ...], str]] = []
        if self.header:
            name = self.header.lower().replace("_", "-")  # nginx reads it as $http_<name>
            values = ["always", "never", "other"]
            if self.header_value:
                values.insert(0, self.header_value)
            if self.header_pattern:
                values[:0] = examples(self.header_pattern)[:1]
            for value in values:
                out.append((((name, value),), f"canary-header={value}"))
        if self.cookie:
            for value in ("always", "never", "other"):
                out.append(((("cookie", f"{self.cookie}={value}"),), f"canary-cookie={value}"))
        if self.header and self.cookie:
            # A header that does not decide falls through to the cookie, except when the pattern does
            # not compile: then balancer.lua answers with the mainline before reading the cookie.
            name = self.header.lower().replace("_", "-")
            both = ((name, "other"), ("cookie", f"{self.cookie}=always"))
            out.append((both, "canary-header=other canary-cookie=always"))
        return out


@dataclass(frozen=True)
class ProbeContext:
    """Facts about all Ingresses that shape one Ingress's probes."""

    regex_hosts: frozenset[str] = frozenset()
    # host → canary knobs on it ("" for canaries of the catch-all, reached by unknown hosts)
    canaries: Mapping[str, tuple[CanaryKnobs, ...]] | None = None
    tls_hosts: frozenset[str] = frozenset()
    rule_hosts: frozenset[str] = frozenset()
    # Rule hosts ingress-nginx gave a certificate: those of every Ingress with a spec.tls entry.
    certified_hosts: frozenset[str] = frozenset()


def build_context(
    docs: Iterable[IngressDoc], annotation_prefix: str, ingress_hosts_tls: Iterable[str] = ()
) -> ProbeContext:
    regex_hosts: set[str] = set()
    canaries: dict[str, list[CanaryKnobs]] = {}
    tls_hosts: set[str] = set(ingress_hosts_tls)
    rule_hosts: set[str] = set()
    certified: set[str] = set()
    for doc in docs:
        ann = doc.controller_annotations(annotation_prefix)
        hosts = [str(r.get("host") or "").lower() for r in doc.rules()]
        rule_hosts.update(hosts)
        if ann.get("use-regex", "").lower() == "true" or ann.get("rewrite-target"):
            regex_hosts.update(hosts)
        canary = ann.get("canary", "").lower() == "true"
        if canary:
            knobs = CanaryKnobs(
                header=ann.get("canary-by-header", ""),
                header_value=ann.get("canary-by-header-value", ""),
                header_pattern=ann.get("canary-by-header-pattern", ""),
                cookie=ann.get("canary-by-cookie", ""),
            )
            if knobs.header or knobs.cookie:
                for host in hosts + ([""] if doc.default_backend() else []):
                    canaries.setdefault(host, []).append(knobs)
        if not canary:  # ingress-nginx ignores a canary's TLS section
            tls_hosts.update(doc.tls_hosts())
            if doc.tls():
                certified.update(h for h in hosts if h)
    return ProbeContext(
        regex_hosts=frozenset(regex_hosts),
        canaries={h: tuple(k) for h, k in canaries.items()},
        tls_hosts=frozenset(tls_hosts),
        rule_hosts=frozenset(rule_hosts),
        certified_hosts=frozenset(certified),
    )


# What makes two probes the same request (Probe equality): scheme, host, path, headers.
ProbeKey = tuple[str, str, str, tuple[tuple[str, str], ...]]


@lru_cache(maxsize=4096)
def path_variants(path: str, regex_host: bool) -> tuple[tuple[str, str], ...]:
    """(path, kind) probes for one Ingress path."""
    out: list[tuple[str, str]] = []
    if path in ("", "/"):
        return (("/", "root"),)
    literal = path
    if regex_host or _REGEX_CHARS.search(path):
        found = examples(path)
        for example in found:
            if example.startswith("/"):
                out.append((example, "regex-example"))
        head = _REGEX_CHARS.split(path, maxsplit=1)[0]
        literal = head if head.startswith("/") else ""
        if not literal or literal == "/":
            literal = next((f for f in found if f.startswith("/")), "")
    if literal:
        base = literal.rstrip("/") or "/"
        out.append((literal, "path"))
        if literal.endswith("/") and base != "/":
            out.append((base, "no-trailing-slash"))
        elif base != "/":
            out.append((base + "/", "trailing-slash"))
        out.append((base.rstrip("/") + "/deeper/path", "deeper"))
        if base != "/":
            out.append((base + "zz", "sibling"))
            if regex_host:
                out.append((literal.upper(), "case"))
    seen: set[str] = set()
    unique = []
    for p, kind in out:
        if p not in seen and p.startswith("/"):
            seen.add(p)
            unique.append((p, kind))
    return tuple(unique)


@lru_cache(maxsize=4096)  # pure: many Ingresses share their paths
def rule_variants(paths: tuple[tuple[str, bool], ...], regex_host: bool) -> tuple[tuple[str, str], ...]:
    """(path, kind) probes for one rule's (path, is Exact) list: `/` and each path's variants."""
    variants: list[tuple[str, str]] = [("/", "root")]
    only_root = True
    for path, exact in paths:
        for variant in path_variants(path, regex_host):
            # Below an Exact path a deeper request falls through like the trailing slash does.
            if not (exact and variant[1] == "deeper"):
                variants.append(variant)
                only_root = only_root and variant[0] == "/"
    if only_root:
        # Only root paths: a deeper path is what exercises the catch-all (otherwise the
        # siblings of the other paths do).
        variants.append(("/meshify-probe", "deeper"))
    return tuple(variants)


@lru_cache(maxsize=256)
def _unmatched_host_probe(path: str) -> tuple[ProbeKey, Probe]:
    """The probe of a host no rule names, made once per path: every Ingress asks for it."""
    return ("http", UNMATCHED_HOST, path, ()), Probe("http", UNMATCHED_HOST, path, (), "no-rule-host")


def host_variants(host: str) -> list[tuple[str, str]]:
    if not host:
        return [(UNMATCHED_HOST, "no-host-rule")]
    if host.startswith("*."):
        rest = host[2:]
        return [
            (f"one.{rest}", "wildcard-one-label"),
            (f"two.labels.{rest}", "wildcard-two-labels"),
            (rest, "wildcard-apex"),
        ]
    return [(host, "host")]


def ingress_probes(doc: IngressDoc, context: ProbeContext, annotation_prefix: str) -> list[Probe]:
    """Every probe for one Ingress, deduplicated, in a stable order."""
    return list(keyed_probes(doc, context, annotation_prefix).values())


def keyed_probes(doc: IngressDoc, context: ProbeContext, annotation_prefix: str) -> dict[ProbeKey, Probe]:
    """`ingress_probes` by request: the key hashes in C, which the probe loop does for every probe."""
    ann = doc.controller_annotations(annotation_prefix)
    passthrough = ann.get("ssl-passthrough", "").lower() == "true"
    canary = ann.get("canary", "").lower() == "true"
    own_tls = frozenset() if canary else doc.tls_hosts()
    # ingress-nginx gives every rule host of an Ingress with any spec.tls entry a certificate (its
    # own, a covering one, or the default one: createServers), so each of them answers HTTPS.
    any_tls = not canary and bool(doc.tls())
    canaries = context.canaries or {}
    probes: dict[ProbeKey, Probe] = {}
    first_path = "/"
    for rule in doc.rules():
        rule_host = str(rule.get("host") or "").lower()
        http = rule.get("http")
        paths = http.get("paths") if isinstance(http, dict) else None
        rule_paths = tuple(
            [
                (str(p.get("path") or "/"), p.get("pathType") == "Exact")
                for p in paths or ()
                if isinstance(p, dict)
            ]
        )
        if rule_paths and first_path == "/":
            first_path = rule_paths[0][0]
        variants = rule_variants(rule_paths, rule_host in context.regex_hosts)
        hosts = host_variants(rule_host)
        alias_names: set[str] = set()
        if rule_host and "server-alias" in ann:
            for alias in (a.strip().lower() for a in ann["server-alias"].split(",")):
                if alias.startswith("~"):  # a regex server name
                    names = [(h, "server-alias") for h in examples(alias[1:]) if h and "/" not in h]
                elif alias.startswith("*."):
                    names = [(h, "server-alias") for h, _ in host_variants(alias)[:2]]
                else:
                    names = [(alias, "server-alias")] if alias else []
                hosts.extend(names)
                # An alias that is an Ingress host itself is not part of this server (nor its certificate).
                alias_names.update(h for h, _ in names if h not in context.rule_hosts)
        if (
            rule_host
            and ann.get("from-to-www-redirect", "").lower() == "true"
            and not rule_host.startswith("*")
        ):
            twin = rule_host[4:] if rule_host.startswith("www.") else "www." + rule_host
            hosts.append((twin, "www-twin"))
        tls = (
            passthrough
            or any_tls
            or rule_host in own_tls
            or (bool(own_tls) and _wildcard_tls(rule_host, own_tls))
            or rule_host in context.tls_hosts
            # certificate.lua: a host without a certificate is served its one-label wildcard's.
            or "*." + rule_host.partition(".")[2] in context.certified_hosts
        )
        schemes = ("http", "https") if tls and rule_host else ("http",)
        canary_variants = [v for knobs in canaries.get(rule_host, ()) for v in knobs.variants()]
        for host, host_kind in hosts:
            labelled = variants if host_kind == "host" else [(p, f"{host_kind} {k}") for p, k in variants]
            for scheme in schemes if host_kind != "server-alias" or host in alias_names else ("http",):
                # Most hosts have no canary: one request per variant, in a loop of its own (the
                # general loop below costs about 2% of the whole check more on the 2000-app corpus).
                if not canary_variants:
                    for path, label in labelled:
                        key = (scheme, host, path, ())
                        if key not in probes:  # `_add`, inlined: this loop makes most probes
                            probes[key] = Probe(scheme, host, path, (), label)
                    continue
                for (path, kind), (_, label) in zip(variants, labelled, strict=True):
                    _add(probes, scheme, host, path, label)
                    if kind in ("path", "regex-example", "deeper", "root"):
                        for headers, canary_kind in canary_variants:
                            _add(probes, scheme, host, path, f"{label} {canary_kind}", headers)
    for path in ("/", first_path if first_path.startswith("/") else "/"):
        unmatched_key, unmatched = _unmatched_host_probe(path)
        probes.setdefault(unmatched_key, unmatched)
    for knobs in canaries.get("", ()):
        for headers, canary_kind in knobs.variants():
            _add(probes, "http", UNMATCHED_HOST, "/", f"no-rule-host {canary_kind}", headers)
    return probes


def _add(
    probes: dict[ProbeKey, Probe],
    scheme: str,
    host: str,
    path: str,
    kind: str,
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    """Add a probe unless the same request is there already (the first kind names it)."""
    key = (scheme, host, path, headers)
    if key not in probes:
        probes[key] = Probe(scheme, host, path, headers, kind)


def _wildcard_tls(host: str, tls_hosts: frozenset[str]) -> bool:
    return any(h.startswith("*.") and host.endswith(h[1:]) for h in tls_hosts)
