"""Split the behaviour check into chunks of hosts, each with only the objects its requests can reach.

Both models are built for one chunk at a time and dropped before the next, so the check holds one
chunk's models, not every Ingress's (at 8,000 apps the whole models and their caches were 130 MB).
A request's outcome must not change when it is evaluated in a chunk's models instead of models of
everything, so a chunk carries every object that can shape a request to one of its hosts:

- hosts are tied together (union-find) when one Ingress names them: its rule hosts, TLS hosts, exact
  server aliases and www twins (ingress-nginx merges all of an Ingress's names into servers and
  certificates), and when Ingresses share a backend Service (ingress-nginx keeps one upstream per
  Service port: its first Ingress's settings, canaries merged into it and cookie affinity apply on every
  host that uses it; one DestinationRule per Service on the Istio side);
- Ingresses that can answer for hosts they do not name are in every chunk: no-host rules and default
  backends (the catch-all server), wildcard rule or TLS hosts, and server aliases that are patterns;
- emitted VirtualServices and DestinationRules go with the Ingresses they were converted from (their
  `converted-from` annotation), and tie the groups of those Ingresses together; Gateways (cut per chunk to
  the hosts it can reach) and VirtualServices with a wildcard or single-label host (bound as `*`) are in
  every chunk; the Services of Ingresses in every chunk bring their groups into every chunk.

An object that cannot affect a chunk's requests does no harm there: the rules may include too much,
never too little. `tests/unit/verify/test_groups.py` checks the chunked check against one chunk of
everything on every golden input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kubectl_meshify.generated import SOURCE_ANNOTATION
from kubectl_meshify.verify.ingress import IngressDoc, backend_service, http_paths

# Ingresses probed per chunk: enough that the objects every chunk carries (Gateways, catch-all
# Ingresses) are built a few times only, few enough that a chunk's probes and models take a few MB.
CHUNK_INGRESSES = 128


class _Names:
    """Union-find over names (hosts, `svc:` Services): each name's group is its root."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        parent = self.parent.setdefault(name, name)
        if parent == name:
            return name
        root = self.find(parent)
        self.parent[name] = root
        return root

    def union(self, names: Sequence[str]) -> None:
        if not names:
            return
        root = self.find(names[0])
        for name in names[1:]:
            other = self.find(name)
            if other != root:
                self.parent[other] = root


def _names(doc: IngressDoc, prefix: str) -> tuple[list[str], bool]:
    """The names one Ingress ties together (hosts, `svc:` Services), and whether it can answer for
    hosts it does not name (then it is in every chunk, and so is every Service it routes to)."""
    ann = doc.controller_annotations(prefix)
    names: list[str] = []
    everywhere = bool(doc.default_backend())
    found = backend_service(doc.default_backend())
    if found is not None:
        names.append(f"svc:{doc.namespace}/{found[0]}")
    twins = "from-to-www-redirect" in ann
    for rule in doc.rules():
        host = rule.get("host")
        if not host or not isinstance(host, str) or "*" in host:
            everywhere = True
        else:
            host = host.lower()
            names.append(host)
            if twins:
                names.append(host[4:] if host.startswith("www.") else "www." + host)
        for path in http_paths(rule) or ():
            found = backend_service(path.get("backend"))
            if found is not None:
                names.append(f"svc:{doc.namespace}/{found[0]}")
    for tls in doc.tls():
        for tls_host in tls.get("hosts") or ():
            tls_host = str(tls_host).lower()
            if "*" in tls_host:
                everywhere = True
            else:
                names.append(tls_host)
    for alias in ann.get("server-alias", "").split(","):
        alias = alias.strip().lower()
        if alias.startswith("~") or "*" in alias:
            everywhere = True
        elif alias:
            names.append(alias)
    default = ann.get("default-backend", "").strip()
    if default:
        names.append(f"svc:{doc.namespace}/{default}")
    return names, everywhere


# Kinds the Istio model reads; the others (AuthorizationPolicies...) are left out of the chunks' models.
_MODELLED_KINDS = frozenset(("Gateway", "VirtualService", "DestinationRule"))
_UNREAD, _UNREAD_GROUP = "\0unread", -2

# A name every chunk's group holds: the Services of the Ingresses in every chunk are tied to it (an
# upstream's first Ingress decides its settings, and a catch-all's requests reach its Services).
_EVERY_CHUNK = "\0every chunk"


EVERYWHERE = -1  # the group of the Ingresses and objects every chunk carries, and of hosts no Ingress names


class HostGroups:
    """The groups of hosts (see the module docstring): which group an Ingress or a request host is in,
    and the Ingresses and emitted objects the models of a set of groups are built from."""

    def __init__(
        self,
        docs: Sequence[IngressDoc],
        nginx_docs: Sequence[IngressDoc],
        istio_docs: Sequence[IngressDoc],
        objects: Sequence[Mapping[str, Any]],
        prefix: str,
    ) -> None:
        names = _Names()
        names.find(_EVERY_CHUNK)
        doc_names: dict[int, list[str] | None] = {}  # by position: two Ingresses may share a name
        key_names: dict[str, list[str]] = {}  # `namespace/name` → a name of each Ingress so named
        for doc in docs:  # every Ingress probed, served or not: their names tie hosts together too
            found, everywhere = _names(doc, prefix)
            if everywhere or not found:
                names.union([_EVERY_CHUNK, *(n for n in found if n.startswith("svc:"))])
                doc_names[doc.index] = None
            else:
                names.union(found)
                doc_names[doc.index] = found
            key_names.setdefault(doc.key, []).append(found[0] if doc_names[doc.index] else _EVERY_CHUNK)
        object_names: list[str] = []
        for obj in objects:
            if obj.get("kind") not in _MODELLED_KINDS:
                object_names.append(_UNREAD)
                continue
            sources = _routing_sources(obj)
            if sources is None:
                object_names.append(_EVERY_CHUNK)
                continue
            # An object made from Ingresses of several groups ties them together (hosts merged into it).
            tied = [n for key in sources for n in key_names.get(key, (_EVERY_CHUNK,))]
            names.union(tied)
            object_names.append(tied[0])
        every_chunk = names.find(_EVERY_CHUNK)
        roots: dict[str, int] = {}  # group numbers in order of first appearance
        self._host_groups = {
            name: EVERYWHERE if root == every_chunk else roots.setdefault(root, len(roots))
            for name, root in ((name, names.find(name)) for name in names.parent)
        }
        self._doc_names = doc_names
        self._nginx = _by_group(nginx_docs, [self.of_doc(d) for d in nginx_docs])
        self._istio = _by_group(istio_docs, [self.of_doc(d) for d in istio_docs])
        object_groups = [_UNREAD_GROUP if n == _UNREAD else self._host_groups[n] for n in object_names]
        self._objects = _by_group(objects, object_groups)
        self._gateways = {
            id(o): _GatewayHosts(o, self._host_groups) for o in objects if o.get("kind") == "Gateway"
        }

    def of_doc(self, doc: IngressDoc) -> int:
        found = self._doc_names.get(doc.index)
        return self._host_groups[found[0]] if found else EVERYWHERE

    def of_host(self, host: str) -> int:
        return self._host_groups.get(host, EVERYWHERE)

    def model_inputs(
        self, groups: set[int] | None
    ) -> tuple[list[IngressDoc], list[IngressDoc], list[Mapping[str, Any]]]:
        """The nginx-class and Istio-class Ingresses and the emitted objects that requests to hosts of
        `groups` (and to hosts no Ingress names) can reach, each in input order (the models'
        tie-breaks read it). `groups=None`: all of them, as they are."""
        if groups is None:
            return _merged(self._nginx, None), _merged(self._istio, None), _merged(self._objects, None)
        wanted = (EVERYWHERE, *groups)
        objects = [
            self._gateways[id(o)].for_chunk(groups) if id(o) in self._gateways else o
            for o in _merged(self._objects, wanted)
        ]
        return _merged(self._nginx, wanted), _merged(self._istio, wanted), objects


def _by_group(items: Sequence[Any], item_groups: Sequence[int]) -> dict[int, list[tuple[int, Any]]]:
    """(position, item) lists by group."""
    buckets: dict[int, list[tuple[int, Any]]] = {}
    for position, (item, group) in enumerate(zip(items, item_groups, strict=True)):
        buckets.setdefault(group, []).append((position, item))
    return buckets


def _merged(buckets: Mapping[int, list[tuple[int, Any]]], wanted: Iterable[int] | None) -> list[Any]:
    """The items of the wanted groups (None: all), in their input order."""
    if wanted is None:
        wanted = buckets
    found = [entry for group in wanted if group in buckets for entry in buckets[group]]
    found.sort(key=_position)
    return [item for _, item in found]


def _position(entry: tuple[int, Any]) -> int:
    return entry[0]


class _GatewayHosts:
    """A Gateway with the group of each server host (None: a name of every chunk, a wildcard, or a name
    no Ingress gives), to give each chunk the Gateway without the hosts of other chunks' groups."""

    def __init__(self, gateway: Mapping[str, Any], group_of: Mapping[str, int]) -> None:
        self.gateway = gateway
        spec = gateway.get("spec")
        servers = spec.get("servers") if isinstance(spec, dict) else None
        # (server, the group of each host or None when the server has no host list, the groups named)
        self.servers: list[tuple[Any, list[int | None] | None, frozenset[int]]] = []
        self.always: list[int] = []  # servers every chunk reads: see `for_chunk`
        self.by_group: dict[int, list[int]] = {}  # the other servers, by the groups their hosts are in
        self._host_index: dict[int, dict[int | None, list[int]]] = {}  # see `_host_positions`
        for position, server in enumerate(servers if isinstance(servers, list) else ()):
            hosts = server.get("hosts") if isinstance(server, dict) else None
            if not isinstance(hosts, list):
                self.servers.append((server, None, frozenset()))
                self.always.append(position)
                continue
            groups: list[int | None] = []
            for host in hosts:
                group = group_of.get(str(host).rpartition("/")[2].lower(), EVERYWHERE)
                groups.append(None if group == EVERYWHERE else group)  # its requests reach every chunk
            named = frozenset(g for g in groups if g is not None)
            self.servers.append((server, groups, named))
            if None in groups or (server.get("port") or {}).get("number") != 443:
                self.always.append(position)
            else:
                for group in named:
                    self.by_group.setdefault(group, []).append(position)

    def _host_positions(self, position: int, groups: set[int]) -> list[int]:
        """Positions of a server's hosts that are in `groups` or reach every chunk, in order."""
        index = self._host_index.get(position)
        if index is None:
            index = self._host_index[position] = {}
            for i, group in enumerate(self.servers[position][1] or ()):
                index.setdefault(group, []).append(i)
        found = list(index.get(None, ()))
        for group in groups:
            found += index.get(group, ())
        found.sort()
        return found

    def for_chunk(self, groups: set[int]) -> Mapping[str, Any]:
        """Requests to a host of another chunk's group are not in this chunk, and a server host that
        is a name matches only requests to it: those hosts are left out. HTTPS servers left without
        hosts are dropped; other servers and one server per Gateway stay, so that the Gateway and its
        HTTP listener still exist."""
        positions = set(self.always)
        for group in groups:
            positions.update(self.by_group.get(group, ()))
        kept: list[Any] = []
        changed = len(positions) != len(self.servers)
        for position in sorted(positions):
            server, host_groups, named = self.servers[position]
            if host_groups is None or named <= groups:
                kept.append(server)
                continue
            changed = True
            hosts = server["hosts"]
            mine = [hosts[i] for i in self._host_positions(position, groups)]
            if mine or (server.get("port") or {}).get("number") != 443:
                kept.append({**server, "hosts": mine})
        if not changed:
            return self.gateway
        if not kept:
            first = self.servers[0][0]
            kept.append({**first, "hosts": []} if isinstance(first, dict) else first)
        spec = self.gateway["spec"]
        return {**self.gateway, "spec": {**spec, "servers": kept}}


def _routing_sources(obj: Mapping[str, Any]) -> list[str] | None:
    """The Ingresses (`namespace/name`) a VirtualService or DestinationRule was made from, or None for
    an object every chunk carries: a Gateway, another kind (the models read none), a VirtualService with
    a wildcard or single-label host (bound as `*`), an object that names no Ingress."""
    kind = obj.get("kind")
    if kind not in ("VirtualService", "DestinationRule"):
        return None
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    hosts = spec.get("hosts") if kind == "VirtualService" else [spec.get("host")]
    for host in hosts if isinstance(hosts, list) else ():
        if "*" in str(host) or "." not in str(host):
            return None
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    sources = annotations.get(SOURCE_ANNOTATION) if isinstance(annotations, dict) else None
    return sources.split(",") if isinstance(sources, str) and sources else None
