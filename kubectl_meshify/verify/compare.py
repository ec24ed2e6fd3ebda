"""Run every probe through the source model and the Istio model, and explain each difference."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import ne
from typing import Any, Protocol

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.verify import groups
from kubectl_meshify.verify.ingress import IngressDoc, ingress_doc, is_istio_class, refused_at_admission
from kubectl_meshify.verify.istio_ingress_model import IstioIngressModel
from kubectl_meshify.verify.istio_model import IstioModel, IstioSettings
from kubectl_meshify.verify.nginx_model import CANARY_KEYS, Annotations, NginxModel, NginxSettings
from kubectl_meshify.verify.probes import ProbeContext, ProbeKey, build_context, keyed_probes
from kubectl_meshify.verify.request import Outcome, Probe, ServiceIndex, compared_fields

UNEXPLAINED_CODE = "VERIFY_UNEXPLAINED_DIFFERENCE"
# A finding explains a difference when the report already says the feature was not reproduced
# exactly: approximated, unsupported, or an annotation the tool does not know (nothing converted).
EXPLAINING_VERDICTS = (Verdict.APPROXIMATED, Verdict.UNSUPPORTED, Verdict.UNKNOWN)
# Codes that explain one narrow kind of difference only (see `explain`).
SLASH_ONLY_CODES = ("SSL_REDIRECT_TRAILING_SLASH",)

# Features of a request's path through a controller that are not annotations, and the finding
# codes that report them. Annotation features explain through a finding on that annotation key.
FEATURE_CODES: dict[str, tuple[str, ...]] = {
    "wildcard-host": ("HOST_WILDCARD",),
    "default-backend": ("DEFAULT_BACKEND", "DEFAULT_BACKEND_IGNORED"),
    "default-server": ("DEFAULT_BACKEND", "DEFAULT_BACKEND_IGNORED"),
    "location": ("PATH_SHADOWED", "INGRESS_DUPLICATE", "HOST_MERGED"),
    # A host two controllers served (see `_mixed_hosts`): only the report of that can explain.
    "mixed-controllers": ("HOST_MIXED_CONTROLLERS",),
    "use-regex": ("PATH_REGEX_MODE",),
    "rewrite-target": ("PATH_REGEX_MODE",),
    "ssl-redirect": ("SSL_REDIRECT_DEFAULT", "TLS_DEFAULT_CERTIFICATE"),
    "httpsRedirect": ("SSL_REDIRECT_DEFAULT",),
    "ssl-passthrough": ("PASSTHROUGH_PATHS_DROPPED",),
    "ssl-passthrough-http": ("PASSTHROUGH_PLAIN_HTTP", "PASSTHROUGH_PATHS_DROPPED"),
    "tls": ("TLS_NO_SECRET", "TLS_DEFAULT_CERTIFICATE", "TLS_SECRET_CONFLICT", "HOST_MERGED"),
    "backend": ("BACKEND_NAMED_PORT_UNRESOLVED", "BACKEND_PORT_NOT_IN_SERVICE", "BACKEND_RESOURCE"),
}
# Istio-side features that stand for an nginx annotation (for the annotation lookup).
FEATURE_ANNOTATIONS: dict[str, tuple[str, ...]] = {
    "ssl-passthrough-http": ("ssl-passthrough",),
    "httpsRedirect": ("ssl-redirect", "force-ssl-redirect"),
    "canary": CANARY_KEYS,
}
# Probe kinds that point at a feature even when the source trace does not.
KIND_FEATURES = {
    "wildcard": "wildcard-host",
    "no-rule-host": "default-server",
    "no-host-rule": "default-server",
    "server-alias": "server-alias",
    "www-twin": "from-to-www-redirect",
    "canary-header": "canary-by-header",
    "canary-cookie": "canary-by-cookie",
    "case": "use-regex",
    "root": "app-root",
}


class _Evaluator(Protocol):
    def evaluate(self, probe: Probe) -> Outcome: ...


@dataclass(frozen=True)
class VerifyOptions:
    annotation_prefix: str = "nginx.ingress.kubernetes.io/"
    cluster_domain: str = "cluster.local"
    default_namespace: str = "default"
    ssl_redirect: bool = True
    http_redirect_code: int = 308
    enable_ssl_passthrough: bool = True
    ingress_classes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # `namespace/name` → "nginx" or "istio"; Ingresses not listed are classified by their class.
    semantics: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Difference:
    probe: Probe
    source: Outcome
    istio: Outcome
    finding: str | None
    source_text: str = ""  # the outcomes as the report words them
    istio_text: str = ""

    @classmethod
    def of(cls, probe: Probe, source: Outcome, istio: Outcome, finding: str | None) -> Difference:
        return cls(probe, source, istio, finding, source.describe(), istio.describe())

    def to_json(self) -> dict[str, Any]:
        return {
            "request": str(self.probe),
            "source": self.source_text,
            "istio": self.istio_text,
            "finding": self.finding,
        }


@dataclass(slots=True)
class IngressVerification:
    ingress: str
    probes: int = 0
    different: list[Difference] = field(default_factory=list)

    @property
    def same(self) -> int:
        return self.probes - len(self.different)

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.different if d.finding is None]

    def to_json(self) -> dict[str, Any]:
        return {"probes": self.probes, "different": [d.to_json() for d in self.different]}


@dataclass
class VerificationResult:
    ingresses: dict[str, IngressVerification] = field(default_factory=dict)
    # Emitted configuration Istio would reject (for example a regex RE2 cannot compile).
    config_errors: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        probes = sum(v.probes for v in self.ingresses.values())
        different = sum(len(v.different) for v in self.ingresses.values())
        return {"probes": probes, "same": probes - different, "different": different}

    def findings(self) -> list[Finding]:
        """One error finding per Ingress whose differences no finding explains."""
        out = []
        for key, result in sorted(self.ingresses.items()):
            unexplained = result.unexplained
            if not unexplained:
                continue
            first = unexplained[0]
            more = f" (and {len(unexplained) - 1} more)" if len(unexplained) > 1 else ""
            out.append(
                Finding(
                    code=UNEXPLAINED_CODE,
                    severity=Severity.ERROR,
                    verdict=Verdict.UNKNOWN,
                    message=(
                        f"{len(unexplained)} probe request(s) are routed differently by the emitted Istio"
                        f" configuration and no finding explains why: {first.probe} → before:"
                        f" {first.source_text}; after: {first.istio_text}{more}."
                    ),
                    action="Review the Behaviour check section of the report; this is a translation defect.",
                    ingress=key,
                )
            )
        return out


def _bodies(objects: Iterable[Any]) -> list[Mapping[str, Any]]:
    return [o.body if hasattr(o, "body") else o for o in objects]


def verify(
    ingresses: Iterable[Any],
    services: Iterable[Any] | Mapping[Any, Any],
    emitted_objects: Iterable[Mapping[str, Any]],
    options: VerifyOptions | None = None,
    findings: Sequence[Finding] = (),
    targets: Iterable[str] | None = None,
    chunk_ingresses: int = groups.CHUNK_INGRESSES,
) -> VerificationResult:
    """Probe each Ingress under its source controller's semantics and under the emitted objects.

    `ingresses`: every Ingress the source controllers served (KubeObjects or plain dicts);
    `targets`: the `namespace/name` keys to probe and report (default: all of them);
    `findings`: the conversion's findings, used to explain differences;
    `chunk_ingresses`: Ingresses probed per chunk of host groups (verify/groups.py; 0: one chunk of all).
    """
    # What verification allocates is acyclic; pausing the cycle collector spares rescanning the
    # whole input (already in memory) on each collection, which would cost more than the probing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _verify(
            ingresses,
            services,
            emitted_objects,
            options or VerifyOptions(),
            findings,
            targets,
            chunk_ingresses,
        )
    finally:
        if collecting:
            gc.enable()


def _verify(
    ingresses: Iterable[Any],
    services: Iterable[Any] | Mapping[Any, Any],
    emitted_objects: Iterable[Mapping[str, Any]],
    options: VerifyOptions,
    findings: Sequence[Finding],
    targets: Iterable[str] | None,
    chunk_ingresses: int,
) -> VerificationResult:
    service_list = services.values() if isinstance(services, Mapping) else services
    index = ServiceIndex(_bodies(service_list))
    docs = [ingress_doc(o, options.default_namespace, i) for i, o in enumerate(ingresses)]
    istio_docs: list[IngressDoc] = []
    nginx_docs: list[IngressDoc] = []
    for doc in docs:
        semantics = options.semantics.get(doc.key)
        if semantics is None:
            semantics = "istio" if is_istio_class(doc, options.ingress_classes) else "nginx"
        if refused_at_admission(doc, nginx_class=semantics == "nginx"):
            continue  # never stored or never served: probing it expects no route of its own
        (istio_docs if semantics == "istio" else nginx_docs).append(doc)
    prefix = options.annotation_prefix.rstrip("/") + "/"
    settings = NginxSettings(
        annotation_prefix=prefix,
        ssl_redirect=options.ssl_redirect,
        http_redirect_code=options.http_redirect_code,
        enable_ssl_passthrough=options.enable_ssl_passthrough,
    )
    wanted = set(targets) if targets is not None else None
    emitted = list(emitted_objects)
    chunked = _ChunkedCheck(
        [doc for doc in docs if wanted is None or doc.key in wanted],
        {d.key for d in istio_docs},
        build_context(nginx_docs, prefix, (h for d in istio_docs for h in d.tls_hosts())),
        prefix,
        _mixed_hosts(nginx_docs, istio_docs),
        groups.HostGroups(docs, nginx_docs, istio_docs, emitted, prefix),
    )

    def models(chunk_groups: set[int] | None) -> tuple[_Evaluator, _Evaluator, IstioModel]:
        nginx_in, istio_in, objects_in = chunked.host_groups.model_inputs(chunk_groups)
        nginx = NginxModel(nginx_in, index, settings)
        istio_source = IstioIngressModel(istio_in, index, options.cluster_domain) if istio_docs else None
        target = IstioModel(objects_in, index, IstioSettings(cluster_domain=options.cluster_domain))
        return nginx, istio_source if istio_source is not None else nginx, target

    probed = chunked.run(models, chunk_ingresses)
    result = VerificationResult(config_errors=_in_emitted_order(chunked.errors, emitted))
    by_ingress = _findings_by_ingress(findings)
    canaries = {d.key for d in nginx_docs if Annotations.parse(d, settings).canary}
    mixed = chunked.mixed
    explained: dict[tuple[Any, ...], tuple[str, str | None]] = {}
    charged_probes: set[tuple[str, ProbeKey]] = set()
    for entry in probed:
        # setdefault: the borrowed probes of a mixed host (`_ChunkedCheck._borrowed`) come last and count
        # nowhere.
        result.ingresses.setdefault(entry.doc.key, IngressVerification(entry.doc.key, probes=entry.count))
    for entry in probed:
        doc = entry.doc
        for key, probe, before, after in entry.different:
            # The explanation depends on what shaped both results, not on the path itself.
            why: tuple[Any, ...] = (doc.key, probe.kind, probe.scheme, before.trace, after.trace)
            why += (before.kind, after.kind, before.status, after.status, _slash_only(before, after))
            if why in explained:
                charged, code = explained[why]
            else:
                charged = doc.key
                code = _explain_for(charged, probe, before, after, by_ingress, prefix, canaries, mixed)
                server = _serving_ingress(doc.key, before, result.ingresses)
                if code is None and server != doc.key:
                    # An older Ingress shadows the path: the difference is that Ingress's.
                    charged = server
                    code = _explain_for(charged, probe, before, after, by_ingress, prefix, canaries, mixed)
                explained[why] = charged, code
            if (charged, key) in charged_probes:
                continue  # the serving Ingress probed the same request itself
            charged_probes.add((charged, key))
            result.ingresses[charged].different.append(Difference.of(probe, before, after, code))
    return result


@dataclass(slots=True)
class _Probed:
    """One probed Ingress (or a mixed host's borrowed probes): how many requests, and the ones the two
    models routed differently, in probe order, with both outcomes."""

    doc: IngressDoc
    count: int
    different: list[tuple[ProbeKey, Probe, Outcome, Outcome]]


_Models = Callable[[set[int] | None], tuple[_Evaluator, _Evaluator, IstioModel]]


class _ChunkedCheck:
    """Probe the Ingresses a chunk of host groups at a time (verify/groups.py): a chunk's probes and
    models are dropped before the next chunk's are made; only the differing outcomes are kept.

    Each request is routed once per source model, in the chunk of its host's group: requests to hosts
    no Ingress names (the catch-all's, wildcard subdomains) in the first chunk that makes them; the
    probes of Ingresses every chunk carries (catch-alls, wildcards: few) are made once and their
    requests routed in the chunks of their hosts."""

    def __init__(
        self,
        docs: Sequence[IngressDoc],
        istio_keys: set[str],
        context: ProbeContext,
        prefix: str,
        mixed: Mapping[str, bool],
        host_groups: groups.HostGroups,
    ) -> None:
        self.docs, self.istio_keys, self.context, self.prefix = docs, istio_keys, context, prefix
        self.mixed, self.host_groups = mixed, host_groups
        self.errors: dict[str, None] = {}  # Istio's configuration errors, each once
        # Per source model (Istio's Ingress support or not): every request routed differently, and the
        # requests to unnamed hosts already routed.
        self.differing: dict[bool, dict[ProbeKey, tuple[Outcome, Outcome]]] = {False: {}, True: {}}
        self.unnamed_done: dict[bool, set[ProbeKey]] = {False: set(), True: set()}

    def run(self, models: _Models, chunk_ingresses: int) -> list[_Probed]:
        """The probed Ingresses in input order, then the borrowed probes of mixed hosts."""
        host_groups, everywhere_group = self.host_groups, groups.EVERYWHERE
        everywhere = {
            d.index: self._probes(d) for d in self.docs if host_groups.of_doc(d) == everywhere_group
        }
        pending: dict[int, dict[bool, dict[ProbeKey, Probe]]] = {}  # their requests, by host group
        for doc in self.docs:
            for key, probe in everywhere.get(doc.index, {}).items():
                by_side = pending.setdefault(host_groups.of_host(probe.host), {})
                by_side.setdefault(doc.key in self.istio_keys, {}).setdefault(key, probe)
        by_group: dict[int, list[IngressDoc]] = {}
        for doc in self.docs:
            if doc.index not in everywhere:
                by_group.setdefault(host_groups.of_doc(doc), []).append(doc)
        weights = {g: len(d) for g, d in by_group.items()}
        for g, by_side in pending.items():
            if g != everywhere_group:
                weights[g] = weights.get(g, 0) + sum(map(len, by_side.values())) // 16
        entries: dict[int, _Probed] = {}
        cross: dict[tuple[str, bool], _Probed] = {}
        if chunk_ingresses <= 0:  # one chunk of everything: the models of every object, as they are
            docs = [d for d in self.docs if d.index not in everywhere]
            self._chunk(None, docs, everywhere, pending, models, entries, cross)
        else:  # at least one chunk: the requests to unnamed hosts go to the first
            for chunk in _packed(weights, chunk_ingresses) or [[]]:
                docs = sorted((d for g in chunk for d in by_group.get(g, ())), key=_index)
                self._chunk(set(chunk), docs, everywhere, pending, models, entries, cross)
        for doc in self.docs:
            if doc.index in everywhere:
                entries[doc.index] = self._entry(doc, everywhere[doc.index])
        out = [entries[d.index] for d in self.docs]
        out += [cross[(h, side)] for h in self.mixed for side in (False, True) if (h, side) in cross]
        return out

    def _probes(self, doc: IngressDoc) -> dict[ProbeKey, Probe]:
        return keyed_probes(doc, self.context, self.prefix)

    def _chunk(
        self,
        chunk: set[int] | None,
        docs: list[IngressDoc],
        everywhere: Mapping[int, dict[ProbeKey, Probe]],
        pending: dict[int, dict[bool, dict[ProbeKey, Probe]]],
        models: _Models,
        entries: dict[int, _Probed],
        cross: dict[tuple[str, bool], _Probed],
    ) -> None:
        of_host, everywhere_group = self.host_groups.of_host, groups.EVERYWHERE
        probes = {d.index: self._probes(d) for d in docs}
        requests: dict[bool, dict[ProbeKey, Probe]] = {False: {}, True: {}}
        for doc in docs:
            side = doc.key in self.istio_keys
            side_requests, done = requests[side], self.unnamed_done[side]
            for key, probe in probes[doc.index].items():
                if key in side_requests:
                    continue
                if of_host(probe.host) == everywhere_group:
                    if key in done:
                        continue
                    done.add(key)
                side_requests[key] = probe
        for group in (*(chunk if chunk is not None else list(pending)), everywhere_group):
            for side, side_requests in pending.pop(group, {}).items():
                done = self.unnamed_done[side]
                for key, probe in side_requests.items():
                    if group == everywhere_group:
                        if key in done:
                            continue
                        done.add(key)
                    requests[side].setdefault(key, probe)
        borrowed = self._borrowed(chunk, docs, probes, everywhere)
        for (_, side), (_, side_probes) in borrowed.items():
            for key, probe in side_probes.items():  # run under the other side's source model
                requests[not side].setdefault(key, probe)
        nginx, istio_source, target = models(chunk)
        self.errors.update(dict.fromkeys(target.errors))
        for side, side_requests in requests.items():
            if side_requests:
                source = istio_source if side else nginx
                self.differing[side].update(_differing(source, target, side_requests))
        del nginx, istio_source, target, requests
        for doc in docs:
            entries[doc.index] = self._entry(doc, probes[doc.index])
        for (host, side), (owner, side_probes) in borrowed.items():
            cross[(host, side)] = _Probed(owner, len(side_probes), self._different(not side, side_probes))

    def _entry(self, doc: IngressDoc, probes: Mapping[ProbeKey, Probe]) -> _Probed:
        return _Probed(doc, len(probes), self._different(doc.key in self.istio_keys, probes))

    def _different(
        self, side: bool, probes: Mapping[ProbeKey, Probe]
    ) -> list[tuple[ProbeKey, Probe, Outcome, Outcome]]:
        different = self.differing[side]
        if different.keys().isdisjoint(probes):
            return []  # most Ingresses: every probe routed the same
        return [(k, p, *different[k]) for k, p in probes.items() if k in different]

    def _borrowed(
        self,
        chunk: set[int] | None,
        docs: Sequence[IngressDoc],
        probes: Mapping[int, Mapping[ProbeKey, Probe]],
        everywhere: Mapping[int, Mapping[ProbeKey, Probe]],
    ) -> dict[tuple[str, bool], tuple[IngressDoc, dict[ProbeKey, Probe]]]:
        """Each mixed host of this chunk's probes from one controller's Ingresses, also run under the
        other controller on behalf of that controller's first Ingress naming the host (probe counts stay
        with their own): (host, side of the probes) → (that Ingress, the probes). Every Ingress naming a
        host is in its group's chunk or in every chunk."""
        hosts = [h for h in self.mixed if chunk is None or self.host_groups.of_host(h) in chunk]
        if not hosts:
            return {}
        everywhere_docs = [d for d in self.docs if d.index in everywhere]
        candidates = sorted((*docs, *everywhere_docs), key=_index)
        all_probes = {**probes, **everywhere}
        found: dict[tuple[str, bool], tuple[IngressDoc, dict[ProbeKey, Probe]]] = {}
        for host in hosts:
            for is_istio in (False, True):
                owner = next(
                    (
                        d
                        for d in candidates
                        if (d.key in self.istio_keys) is not is_istio
                        and any(r.get("host") == host for r in d.rules())
                    ),
                    None,
                )
                if owner is None:
                    continue
                side_probes = {
                    key: probe
                    for d in candidates
                    if (d.key in self.istio_keys) is is_istio
                    for key, probe in all_probes[d.index].items()
                    if probe.host == host
                }
                if side_probes:
                    found[(host, is_istio)] = owner, side_probes
        return found


def _index(doc: IngressDoc) -> int:
    return doc.index


def _packed(weights: Mapping[int, int], size: int) -> list[list[int]]:
    """Groups in order, packed into chunks of about `size` (the sum of their weights)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    total = 0
    for group, weight in weights.items():
        current.append(group)
        total += weight
        if total >= size:
            chunks.append(current)
            current, total = [], 0
    if current:
        chunks.append(current)
    return chunks


def _explain_for(
    ingress: str,
    probe: Probe,
    before: Outcome,
    after: Outcome,
    by_ingress: Mapping[str, list[Finding]],
    prefix: str,
    canaries: set[str],
    mixed: Mapping[str, Any],
) -> str | None:
    code = explain(probe, before, after, ingress, by_ingress, prefix, probe.host in mixed)
    if code is None and ingress in canaries:
        # A canary Ingress routes nothing by itself in ingress-nginx.
        code = _lookup(by_ingress.get(ingress, ()), "canary", prefix, ())
    return code


def _mixed_hosts(nginx_docs: Sequence[IngressDoc], istio_docs: Sequence[IngressDoc]) -> dict[str, bool]:
    """Rule hosts that Ingresses of both controllers name: each controller answered them from its own
    address with its own routes, so each side's probes of them must hold on the other side too."""
    if not nginx_docs or not istio_docs:
        return {}

    def hosts(docs: Sequence[IngressDoc]) -> set[str]:
        return {str(r.get("host")) for d in docs for r in d.rules() if isinstance(r, dict) and r.get("host")}

    return dict.fromkeys(hosts(nginx_docs) & hosts(istio_docs), True)


def _serving_ingress(prober: str, source: Outcome, probed: Mapping[str, Any]) -> str:
    """The Ingress a difference is charged to: the one whose location served the request before, when
    the Ingress the probe came from took no part in it (an older Ingress shadows its path)."""
    owner = next((key for key, feature in source.trace if feature == "location"), None)
    if owner is None or owner == prober or owner not in probed:
        return prober
    if any(key == prober for key, _ in source.trace):
        return prober  # it shaped the result too (a canary of that location, say)
    return owner


def _in_emitted_order(errors: Iterable[str], emitted: Sequence[Mapping[str, Any]]) -> list[str]:
    """Configuration errors in the order one model of everything finds them: by VirtualService (each
    error starts with its `namespace/name`), then as found."""
    position: dict[str, int] = {}
    for i, obj in enumerate(emitted):
        meta = obj.get("metadata")
        if obj.get("kind") == "VirtualService" and isinstance(meta, dict):
            position.setdefault(f"{meta.get('namespace') or ''}/{meta.get('name') or ''}", i)
    found = list(enumerate(errors))
    found.sort(key=lambda item: (position.get(item[1].split(" ", 1)[0], len(emitted)), item[0]))
    return [error for _, error in found]


def _differing(
    source: _Evaluator, target: _Evaluator, requests: Mapping[ProbeKey, Probe]
) -> dict[ProbeKey, tuple[Outcome, Outcome]]:
    """The requests the two models route differently, with both outcomes. One model runs over a
    batch of requests, then the other: the results do not depend on the order, and each model's code
    and data stay in the CPU caches (interleaving them request by request costs over a tenth more);
    batches keep only a batch's outcomes in memory, not every request's. The comparison runs in C
    (`map`, `compress`): most outcomes are equal, and only the different ones reach Python."""
    found: dict[ProbeKey, tuple[Outcome, Outcome]] = {}
    keys = list(requests)
    for start in range(0, len(keys), _BATCH):
        batch = keys[start : start + _BATCH]
        probes = [requests[key] for key in batch]
        before = list(map(source.evaluate, probes))
        after = list(map(target.evaluate, probes))
        unequal = map(ne, map(compared_fields, before), map(compared_fields, after))
        for key, b, a in compress(zip(batch, before, after, strict=True), unequal):
            if not _both_unserved(b, a):
                found[key] = (b, a)
    return found


_BATCH = 2048


def _findings_by_ingress(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        if f.ingress and f.verdict in EXPLAINING_VERDICTS:
            grouped.setdefault(f.ingress, []).append(f)
    return grouped


def explain(
    probe: Probe,
    source: Outcome,
    istio: Outcome,
    ingress: str,
    findings: Mapping[str, list[Finding]],
    annotation_prefix: str,
    mixed_host: bool = False,
) -> str | None:
    """The code of an approximated/unsupported finding that accounts for this difference, or None.

    Candidates are the (Ingress, feature) pairs that shaped the source result, then the features the
    probe itself exercises; a finding explains when it is on that Ingress and either names the
    annotation of the feature or carries the code that reports it.
    """
    if _slash_only(source, istio):
        # Only the trailing `/` of a redirect target differs: nginx strips it, Envoy keeps it.
        for key, feature in source.trace:
            if feature in ("ssl-redirect", "force-ssl-redirect", "preserve-trailing-slash"):
                found = _lookup(
                    findings.get(key or ingress, ()), feature, annotation_prefix, SLASH_ONLY_CODES
                )
                if found:
                    return found
    candidates: list[tuple[str, str]] = [(key or ingress, feature) for key, feature in source.trace]
    # The Istio side names VirtualService routes; its features count for the probe's Ingress.
    candidates.extend((ingress, feature) for _, feature in istio.trace)
    for word, feature in KIND_FEATURES.items():
        if word in probe.kind:
            candidates.append((ingress, feature))
    if "unknown" in (source.kind, istio.kind) or 503 in (source.status, istio.status):
        candidates.append((ingress, "backend"))
    if probe.scheme == "https":
        candidates.append((ingress, "tls"))
    if mixed_host:
        candidates.append((ingress, "mixed-controllers"))
    for key, feature in candidates:
        found = _lookup(findings.get(key, ()), feature, annotation_prefix, FEATURE_CODES.get(feature, ()))
        if found:
            return found
    return None


def _lookup(
    findings: Iterable[Finding], feature: str, annotation_prefix: str, codes: Iterable[str]
) -> str | None:
    annotations = {annotation_prefix + feature}
    annotations.update(annotation_prefix + a for a in FEATURE_ANNOTATIONS.get(feature, ()))
    wanted = set(codes)
    for f in findings:
        if f.code in SLASH_ONLY_CODES and f.code not in wanted:
            continue
        if f.annotation in annotations or f.code in wanted:
            return f.code
    return None


def _both_unserved(a: Outcome, b: Outcome) -> bool:
    """A 404 and a refused connection both mean that nothing serves the request."""
    kinds = {a.kind, b.kind}
    return kinds == {"status", "refused"} and 404 in (a.status, b.status)


def _slash_only(source: Outcome, istio: Outcome) -> bool:
    return (
        source.kind == istio.kind == "redirect"
        and source.status == istio.status
        and source.location is not None
        and istio.location is not None
        and source.location != istio.location
        and source.location.rstrip("/") == istio.location.rstrip("/")
    )
