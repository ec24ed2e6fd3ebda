"""Core Ingress semantics → the mesh model.

Per source controller (ingress-nginx by default, Istio's own Ingress handling for `istio`-class
Ingresses): which Ingresses are served, hosts merged across Ingresses and namespaces, path types,
route order, default backends, named ports, the HTTP→HTTPS redirect, and the DestinationRule subsets of
the workloads behind each backend Service. Each public function is one stage of `pipeline.migrate`, which
runs them in order between the others (annotation families, TLS plan, Gateways). Annotations are not read
here: annotation families switch behaviour through `IngressSettings` (see `annotations/`).
"""

from __future__ import annotations

from typing import Any

from kubectl_meshify import admission, classes, duplicate_keys, placement
from kubectl_meshify.backends import CATCH_ALL_HOST, resolve_backend
from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import (
    DestinationPolicy,
    IngressRecord,
    Match,
    MeshModel,
    Route,
    RouteOrigin,
    Semantics,
    Status,
    VirtualHost,
)
from kubectl_meshify.naming import dns_label
from kubectl_meshify.options import Options
from kubectl_meshify.resources import KubeObject, ResourceSet

# Istio's precedence for "the version of a workload" (application requirements page).
VERSION_LABELS = ("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version")


class InvalidIngress(Exception):
    """An Ingress whose structure cannot be read; the message names the field (and `annotation` its key)."""

    def __init__(self, message: str, annotation: str | None = None) -> None:
        super().__init__(message)
        self.annotation = annotation


def classify(resources: ResourceSet, options: Options) -> MeshModel:
    """A model with one record per input Ingress: served or skipped, and by which controller's rules."""
    model = MeshModel()
    for seq, obj in enumerate(resources.ingresses):
        record = _classify(obj, seq, resources, options)
        if record.key in model.records:
            record.findings.append(
                _finding(
                    "INGRESS_DUPLICATE",
                    Severity.WARNING,
                    Verdict.NO_OP,
                    record.key,
                    f"Ingress {record.key} appears more than once in the input; the later copy"
                    f" ({obj.origin}) is ignored.",
                )
            )
            record.status = Status.SKIPPED
            model.records[f"{record.key}@{obj.origin}"] = record
            continue
        model.records[record.key] = record
    return model


def build_routes(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """Hosts merged across Ingresses, a route per path and default backend, in the controller's order."""
    _build_hosts(model, resources, options)
    for vhost in model.hosts.values():
        if vhost.regex_mode:  # nginx lists equal-length regex locations by path, descending (first match)
            vhost.routes.sort(key=lambda r: r.path or "", reverse=True)
        vhost.routes.sort(key=lambda r: (-r.sort_length, r.sort_rank))


def add_redirects(model: MeshModel) -> None:
    """The trailing-slash redirects, then the HTTP→HTTPS redirects, of the routes the families left."""
    _add_slash_redirects(model)
    _add_https_redirects(model)


# --- classes and validation -------------------------------------------------------------------


def _descending(text: str) -> str:
    """A string that sorts ascending where `text` sorts descending (the terminator puts longer first)."""
    return "".join(chr(0x10FFFE - ord(c)) for c in text) + chr(0x10FFFF)


def _classify(obj: KubeObject, seq: int, resources: ResourceSet, options: Options) -> IngressRecord:
    info = classes.resolve(obj, resources)
    stamp = str(obj.metadata.get("creationTimestamp") or "")
    order: tuple[str, ...]
    if info.served_by == classes.ISTIO:
        semantics = Semantics.ISTIO
        order = (stamp, obj.name, obj.namespace)
    else:
        semantics = Semantics.NGINX
        # ingress-nginx sorts equal timestamps by `namespace/name` descending; Ingresses read from files
        # have none and keep their input order (the order `kubectl apply` creates them in).
        order = (stamp, _descending(obj.namespace + "/" + obj.name) if stamp else f"{seq:08d}")
    record = IngressRecord(obj=obj, semantics=semantics, order=order)
    record.findings.extend(duplicate_keys.findings(obj))
    if not classes.selected(info, options.ingress_classes):
        record.status = Status.SKIPPED
        record.findings.append(_class_skipped(record.key, info, options))
        return record
    assumed = _class_assumed(record.key, info)
    if assumed is not None:
        record.findings.append(assumed)
    try:
        _validate(obj, nginx_admission=info.served_by == classes.NGINX)
    except InvalidIngress as err:
        record.status = Status.FAILED
        record.findings.append(
            Finding(
                code="INGRESS_INVALID",
                severity=Severity.ERROR,
                verdict=Verdict.UNSUPPORTED,
                message=f"{obj.origin}: Ingress {record.key}: {err}",
                action="Fix the manifest; nothing was converted.",
                annotation=err.annotation,
                ingress=record.key,
            )
        )
    return record


def _class_skipped(key: str, info: classes.IngressClassInfo, options: Options) -> Finding:
    if options.ingress_classes:
        message = (
            f"Ingress {key} has {info.describe()}, which is not among --ingress-class"
            f" {', '.join(options.ingress_classes)}; not converted."
        )
        action = None
    else:
        message = (
            f"Ingress {key} has {info.describe()}: another controller than ingress-nginx or Istio served it,"
            " so it is not converted and stays as it is."
        )
        action = f"To convert it with ingress-nginx semantics anyway, pass --ingress-class {info.name}."
    return _finding("INGRESS_CLASS_SKIPPED", Severity.INFO, Verdict.NO_OP, key, message, action)


def _class_assumed(key: str, info: classes.IngressClassInfo) -> Finding | None:
    """Why ingress-nginx semantics were assumed for a class-less Ingress or a class given by --ingress-class."""
    if info.name is None:
        message = (
            f"Ingress {key} has no class (no {classes.CLASS_ANNOTATION} annotation, no spec.ingressClassName);"
            " ingress-nginx serves such Ingresses with --watch-ingress-without-class, so its semantics were"
            " assumed."
        )
        if info.default_ignored:
            message += (
                f" The default IngressClass {info.default_ignored} does not name its controller: the API server"
                " sets the default class only when an Ingress is created."
            )
        action = "If another controller served it, give it that controller's class: it is then left alone."
    elif info.served_by == classes.OTHER:
        message = (
            f"Ingress {key} has {info.describe()}, which is neither ingress-nginx's nor Istio's; it is converted"
            " because of --ingress-class, with ingress-nginx semantics assumed."
        )
        action = "Review the routes against the behaviour of the controller that served it."
    else:
        return None
    return _finding("INGRESS_CLASS_ASSUMED_NGINX", Severity.INFO, Verdict.UNKNOWN, key, message, action)


def _validate(obj: KubeObject, nginx_admission: bool) -> None:
    """Structure first, then what admission refuses (admission.py); the message names the field.

    `nginx_admission`: ingress-nginx served it, so its admission webhook's path check applied too.
    """
    if not obj.name:
        raise InvalidIngress("metadata.name is missing")
    _check_annotations(obj.metadata.get("annotations"))
    spec = obj.body.get("spec")
    if not isinstance(spec, dict):
        raise InvalidIngress("spec is missing or not a mapping")
    rules = spec.get("rules", [])
    if rules is None:
        rules = []
    if not isinstance(rules, list):
        raise InvalidIngress("spec.rules is not a list")
    if not rules and not _default_backend(spec):
        raise InvalidIngress("spec has neither rules nor a defaultBackend")
    for r, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise InvalidIngress(f"spec.rules[{r}] is not a mapping")
        host = rule.get("host")
        if host not in (None, ""):
            if not isinstance(host, str):
                raise InvalidIngress(f"spec.rules[{r}].host is not a string")
            problem = admission.host_problem(host)
            if problem:
                raise InvalidIngress(f"spec.rules[{r}].host {host!r} {problem}")
        http = rule.get("http")
        if http is None:
            continue
        paths = http.get("paths") if isinstance(http, dict) else None
        if not isinstance(paths, list) or not paths:
            raise InvalidIngress(f"spec.rules[{r}].http.paths is missing or empty")
        for p, path in enumerate(paths):
            where = f"spec.rules[{r}].http.paths[{p}]"
            if not isinstance(path, dict):
                raise InvalidIngress(f"{where} is not a mapping")
            if not isinstance(path.get("backend"), dict):
                raise InvalidIngress(f"{where}.backend is missing")
            value = path.get("path", "")
            if value not in (None, "") and not isinstance(value, str):
                raise InvalidIngress(f"{where}.path is not a string")
            if path.get("pathType") is None and obj.api_version == "networking.k8s.io/v1":
                # validateHTTPIngressPath: "pathType must be specified" (only v1beta1 defaulted it)
                raise InvalidIngress(
                    f"{where}.pathType is missing: networking.k8s.io/v1 requires it, so the API server"
                    " refused this Ingress (write Prefix, Exact or ImplementationSpecific)"
                )
            if path.get("pathType") not in (None, "Exact", "Prefix", "ImplementationSpecific"):
                raise InvalidIngress(
                    f"{where}.pathType {path.get('pathType')!r} is not Exact, Prefix or"
                    " ImplementationSpecific"
                )
            problem = admission.path_problem(value, path.get("pathType"), nginx_admission=nginx_admission)
            if problem:
                raise InvalidIngress(f"{where}.path {problem}")
            _check_backend(path["backend"], f"{where}.backend")
    tls = spec.get("tls", [])
    if tls is not None and not isinstance(tls, list):
        raise InvalidIngress("spec.tls is not a list")
    for t, entry in enumerate(tls or []):
        hosts = entry.get("hosts") if isinstance(entry, dict) else None
        for h, tls_host in enumerate(hosts if isinstance(hosts, list) else []):
            problem = admission.host_problem(str(tls_host), rule=False)
            if problem:
                raise InvalidIngress(f"spec.tls[{t}].hosts[{h}] {str(tls_host)!r} {problem}")
    backend = _default_backend(spec)
    if backend is not None:
        _check_backend(backend, "spec.defaultBackend")


_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a mapping"}


def _check_annotations(annotations: Any) -> None:
    """Annotations are a map of strings to strings (ObjectMeta.Annotations, map[string]string in
    k8s.io/apimachinery's types.go): the API server refuses any other value, so ingress-nginx never saw it.
    """
    if annotations is None:
        return
    if not isinstance(annotations, dict):
        raise InvalidIngress("metadata.annotations is not a mapping")
    for key, value in annotations.items():
        if not isinstance(value, str):
            kind = "null" if value is None else _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")
            raise InvalidIngress(
                f"metadata.annotations[{str(key)!r}] is {kind}, not a string (the API server accepts only"
                " strings; quote the value)",
                annotation=str(key),
            )


def _check_backend(backend: Any, where: str) -> None:
    if not isinstance(backend, dict):
        raise InvalidIngress(f"{where} is not a mapping")
    if "resource" in backend:
        return
    if "serviceName" in backend:  # extensions/v1beta1 and networking.k8s.io/v1beta1
        if "servicePort" not in backend:
            raise InvalidIngress(f"{where}.servicePort is missing")
        return
    service = backend.get("service")
    if not isinstance(service, dict) or not service.get("name"):
        raise InvalidIngress(f"{where}.service.name is missing")
    port = service.get("port")
    if not isinstance(port, dict) or ("number" not in port and "name" not in port):
        raise InvalidIngress(f"{where}.service.port needs a number or a name")
    if "number" in port and not isinstance(port["number"], int):
        raise InvalidIngress(f"{where}.service.port.number {port['number']!r} is not an integer")


def _default_backend(spec: dict[str, Any]) -> dict[str, Any] | None:
    backend = spec.get("defaultBackend") or spec.get("backend")  # `backend` in the v1beta1 APIs
    return backend if isinstance(backend, dict) else None


# --- hosts and routes ---------------------------------------------------------------------------


def _active(model: MeshModel) -> list[IngressRecord]:
    return [r for r in model.records.values() if r.status not in (Status.SKIPPED, Status.FAILED)]


def _build_hosts(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    records = sorted(_active(model), key=lambda r: r.order)
    routed = [r for r in records if not r.settings.canary]
    regex_hosts = _regex_hosts(routed)
    exact_paths = _exact_paths(routed)
    for record in routed:
        spec = record.obj.spec
        for r, rule in enumerate(spec.get("rules") or []):
            host = str(rule.get("host") or CATCH_ALL_HOST)
            first = model.hosts.get(host)
            if first is not None and first.semantics is not record.semantics:
                _note_mixed_controllers(record, first)
                continue
            vhost = _vhost(model, host, record)
            if host.startswith("*."):
                _note_once(
                    record,
                    "HOST_WILDCARD",
                    Severity.INFO,
                    Verdict.EXACT if record.semantics is Semantics.ISTIO else Verdict.APPROXIMATED,
                    f"Wildcard host {host} is kept; Istio matches deeper subdomains too (a.b{host[1:]})"
                    + (
                        ", as it did for this Ingress."
                        if record.semantics is Semantics.ISTIO
                        else ", where ingress-nginx matched exactly one label, as the Ingress API defines."
                    ),
                )
            if not isinstance(rule.get("http"), dict):
                record.findings.append(
                    _finding(
                        "RULE_WITHOUT_HTTP",
                        Severity.INFO,
                        Verdict.NO_OP,
                        record.key,
                        f"spec.rules[{r}] (host {host}) has no http paths; nothing to route.",
                    )
                )
                continue
            vhost.regex_mode = host in regex_hosts and vhost.semantics is Semantics.NGINX
            for p, path in enumerate(rule["http"]["paths"]):
                route = _path_route(record, vhost, r, p, path, exact_paths, resources, options)
                if route is not None:
                    vhost.routes.append(route)
    for record in routed:
        _default_backend_route(model, record, resources, options)
    _apply_nginx_host_settings(model)
    placement.place_hosts(model, resources, options)
    _note_cross_namespace_merges(model)
    for host in regex_hosts:
        _note_regex_mode(model, host)


def _note_mixed_controllers(record: IngressRecord, first: VirtualHost) -> None:
    """Two controllers served this host, each from its own address, each with its own routes and
    semantics; one gateway answers a host with one set of routes, so the first controller's are
    kept and this Ingress's paths for the host are not merged into them."""
    mine = "Istio" if record.semantics is Semantics.ISTIO else "ingress-nginx"
    theirs = "Istio" if first.semantics is Semantics.ISTIO else "ingress-nginx"
    record.findings.append(
        _finding(
            "HOST_MIXED_CONTROLLERS",
            Severity.WARNING,
            Verdict.UNSUPPORTED,
            record.key,
            f"Host {first.host} was served by {theirs} for {', '.join(first.ingresses)} and by {mine} for"
            " this Ingress: two controllers, two addresses, two sets of routes, and clients reached the one"
            f" DNS pointed at. The VirtualService for {first.host} keeps the {theirs} routes; this Ingress's"
            f" paths for {first.host} are not converted (merging them would answer them with {theirs}'s"
            " semantics, or change the other Ingress's).",
            f"Decide which controller {first.host} belongs to: move these paths into an Ingress of that class,"
            " or give them another host; then convert again.",
        )
    )


def _apply_nginx_host_settings(model: MeshModel) -> None:
    """Host-wide switches the hosts family reads from annotations (ssl-passthrough, server-alias).

    ingress-nginx passes TLS through for a host when any of its Ingresses asks for it, and takes the
    aliases of the first Ingress of the host that has any, minus names that are hosts themselves or that
    an earlier server (servers are written sorted by name) already claimed. The family reports the rest.
    """
    claimed = set(model.hosts)
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        if vhost.semantics is not Semantics.NGINX:
            continue
        records = [model.records[key] for key in vhost.ingresses]
        vhost.passthrough = any(r.settings.passthrough for r in records)
        source = next((r for r in records if r.settings.aliases), None)
        for alias in source.settings.aliases if source else []:
            if alias not in claimed:
                vhost.aliases.append(alias)
                claimed.add(alias)


def _vhost(model: MeshModel, host: str, record: IngressRecord) -> VirtualHost:
    vhost = model.hosts.get(host)
    if vhost is None:
        vhost = VirtualHost(host=host, namespace=record.obj.namespace, semantics=record.semantics)
        model.hosts[host] = vhost
    model.link(record.key, vhost)
    return vhost


def _regex_hosts(records: list[IngressRecord]) -> set[str]:
    """ingress-nginx enforces regex on every path of a host when any Ingress on it asks for it."""
    hosts: set[str] = set()
    for record in records:
        if record.semantics is Semantics.NGINX and record.settings.regex:
            for rule in record.obj.spec.get("rules") or []:
                hosts.add(str(rule.get("host") or CATCH_ALL_HOST))
    return hosts


def _path_route(
    record: IngressRecord,
    vhost: VirtualHost,
    r: int,
    p: int,
    path: dict[str, Any],
    exact_paths: set[tuple[str, str]],
    resources: ResourceSet,
    options: Options,
) -> Route | None:
    value = str(path.get("path") or "")
    path_type = str(path.get("pathType") or "ImplementationSpecific")
    origin = RouteOrigin(record.key, r, p)
    destination = resolve_backend(
        record, path["backend"], f"spec.rules[{r}].http.paths[{p}].backend", resources, options
    )
    if destination is None:
        return None
    if vhost.semantics is Semantics.ISTIO:
        matches, length, rank = _istio_matches(value, path_type)
    else:
        if _shadowed(vhost, value, path_type, record, r, p):
            return None
        if vhost.regex_mode:
            matches, length, rank = [Match(uri=("regex", f"(?i)(?:{value or '/'}).*"))], len(value or "/"), 1
        else:
            matches, length, rank = _nginx_matches(
                value, path_type, (vhost.host, value or "/") in exact_paths
            )
    return Route(
        name=f"{record.obj.namespace}.{record.obj.name}.r{r}.p{p}",
        origin=origin,
        matches=matches,
        destinations=[destination],
        path=value,
        path_type=path_type,
        sort_length=length,
        sort_rank=rank,
    )


def _shadowed(vhost: VirtualHost, value: str, path_type: str, record: IngressRecord, r: int, p: int) -> bool:
    """ingress-nginx keeps the first location for a (path, pathType) on a host; later ones are dropped."""
    for route in vhost.routes:
        if route.path == value and route.path_type == path_type and route.origin.rule is not None:
            record.findings.append(
                _finding(
                    "PATH_SHADOWED",
                    Severity.WARNING,
                    Verdict.EXACT,
                    record.key,
                    f"spec.rules[{r}].http.paths[{p}] ({path_type} {value or '/'} on {vhost.host}) repeats a"
                    f" path of Ingress {route.origin.ingress}, which ingress-nginx served instead;"
                    " it is not converted, as before.",
                    "Remove the duplicate path from one of the Ingresses.",
                )
            )
            return True
    return False


def _nginx_matches(value: str, path_type: str, exact_exists: bool) -> tuple[list[Match], int, int]:
    """ingress-nginx without regex mode: Exact → `= /p`; Prefix → `/p/` plus `= /p`; else string prefix."""
    path = value or "/"
    if path_type == "Exact":
        return [Match(uri=("exact", path))], len(path), 0
    if path_type in ("Prefix", "ImplementationSpecific"):  # nginx sets ImplementationSpecific to Prefix
        if path == "/":
            return [Match(uri=("prefix", "/"))], 1, 1
        if path.endswith("/"):
            # nginx writes `/p/` and `= /p/`: it does not match `/p` (unlike the Ingress spec).
            return [Match(uri=("prefix", path))], len(path), 1
        matches = [Match(uri=("prefix", path + "/"))]
        if not exact_exists:
            matches.insert(0, Match(uri=("exact", path)))
        return matches, len(path) + 1, 1
    return [Match(uri=("prefix", path))], len(path), 1


def _exact_paths(records: list[IngressRecord]) -> set[tuple[str, str]]:
    """(host, path) of every Exact path of the nginx Ingresses that build locations.

    ingress-nginx adds no `= /p` for a Prefix `/p` when any Ingress of the server has an Exact `/p`
    (`updateServerLocations` in internal/ingress/controller/location.go reads all of the server's
    locations first), whichever Ingress came first.
    """
    found: set[tuple[str, str]] = set()
    for record in records:
        if record.semantics is not Semantics.NGINX:
            continue
        for rule in record.obj.spec.get("rules") or []:
            if not isinstance(rule, dict) or not isinstance(rule.get("http"), dict):
                continue
            host = str(rule.get("host") or CATCH_ALL_HOST)
            for other in rule["http"].get("paths") or []:
                if isinstance(other, dict) and other.get("pathType") == "Exact":
                    found.add((host, str(other.get("path") or "/")))
    return found


def _istio_matches(value: str, path_type: str) -> tuple[list[Match], int, int]:
    """Istio's own Ingress rules (istio-semantics.md §2.4), with its ingress-only path-separated
    prefix written out as `exact` + `prefix: /p/` so a user VirtualService behaves the same."""
    if path_type == "Exact":
        return [Match(uri=("exact", value))], len(value), 0
    if path_type == "Prefix":
        if value in ("", "/"):
            return [Match(uri=("prefix", "/"))], 1, 1
        return _separated_prefix(value.rstrip("/") or "/"), len(value), 1
    if value in ("", "*", "/*", ".*"):
        return [Match()], 0, 2
    if value == "/.*":
        return [Match(uri=("prefix", "/"))], 1, 1
    if value.endswith(".*") or value.endswith("/*"):
        trimmed = value[:-2]
        return _separated_prefix(trimmed.rstrip("/") or "/"), len(trimmed), 1
    return [Match(uri=("exact", value))], len(value), 0


def _separated_prefix(path: str) -> list[Match]:
    if path == "/":
        return [Match(uri=("prefix", "/"))]
    return [Match(uri=("exact", path)), Match(uri=("prefix", path + "/"))]


def _default_backend_route(
    model: MeshModel, record: IngressRecord, resources: ResourceSet, options: Options
) -> None:
    backend = _default_backend(record.obj.spec)
    if backend is None:
        return
    if record.semantics is Semantics.ISTIO:
        record.findings.append(
            _finding(
                "DEFAULT_BACKEND_IGNORED",
                Severity.INFO,
                Verdict.NO_OP,
                record.key,
                "spec.defaultBackend: Istio's Ingress controller ignored it (unmatched requests got 404);"
                " it is not converted, so behaviour stays the same.",
                "To serve unmatched requests, add a last route without a match to the VirtualService.",
            )
        )
        return
    destination = resolve_backend(record, backend, "spec.defaultBackend", resources, options)
    if destination is None:
        return
    rules = record.obj.spec.get("rules") or []
    hosts = sorted({str(rule.get("host") or CATCH_ALL_HOST) for rule in rules}) if rules else [CATCH_ALL_HOST]
    served = []
    for host in hosts:
        vhost = _vhost(model, host, record)
        if any(r.origin.rule is None for r in vhost.routes):
            continue  # an older Ingress's default backend already serves this host
        if any(_covers_root(r) for r in vhost.routes):
            continue  # a `/` path already catches everything
        vhost.routes.append(
            Route(
                name=f"{record.obj.namespace}.{record.obj.name}.default",
                origin=RouteOrigin(record.key),
                matches=[Match()],
                destinations=[destination],
                sort_length=0,
                sort_rank=2,
            )
        )
        served.append(host)
    if served:
        where = (
            "requests for hosts no rule matches"
            if hosts == [CATCH_ALL_HOST] and not rules
            else ("requests no path matches on " + ", ".join(served))
        )
        record.findings.append(
            _finding(
                "DEFAULT_BACKEND",
                Severity.INFO,
                Verdict.EXACT,
                record.key,
                f"spec.defaultBackend serves {where}, as ingress-nginx did (a last route without a match).",
            )
        )


def _covers_root(route: Route) -> bool:
    return any(
        m.uri in (("prefix", "/"),) or (m.uri and m.uri[0] == "regex" and m.uri[1] == "(?i)(?:/).*")
        for m in route.matches
    )


def _note_cross_namespace_merges(model: MeshModel) -> None:
    for vhost in model.hosts.values():
        namespaces = sorted({key.split("/", 1)[0] for key in vhost.ingresses})
        if len(vhost.ingresses) > 1:
            text = (
                f"Host {vhost.host} is shared by Ingresses {', '.join(vhost.ingresses)}"
                + (f" in namespaces {', '.join(namespaces)}" if len(namespaces) > 1 else "")
                + f"; their routes are merged into one VirtualService in namespace {vhost.namespace},"
                " in the order the source controller matched them."
            )
            for key in vhost.ingresses:
                record = model.records[key]
                record.findings.append(_finding("HOST_MERGED", Severity.INFO, Verdict.EXACT, key, text))


def _note_regex_mode(model: MeshModel, host: str) -> None:
    vhost = model.hosts.get(host)
    if vhost is None or vhost.semantics is not Semantics.NGINX:
        return
    enabling = [k for k in vhost.ingresses if model.records[k].settings.regex]
    for key in vhost.ingresses:
        if key in enabling:
            continue
        model.records[key].findings.append(
            _finding(
                "PATH_REGEX_MODE",
                Severity.WARNING,
                Verdict.EXACT,
                key,
                f"Host {host}: Ingress {', '.join(enabling)} turns on regex mode for the whole host, so"
                " ingress-nginx matched this Ingress's paths as case-insensitive regex prefixes too;"
                " the VirtualService reproduces that.",
                "If that was not intended, move the regex paths to their own host.",
            )
        )


# --- TLS and redirects ---------------------------------------------------------------------------


def _add_https_redirects(model: MeshModel) -> None:
    """ingress-nginx redirects HTTP to HTTPS (308) on TLS hosts unless ssl-redirect is off; Istio does not.

    Each redirecting route gets a port-80 twin just before it, so the redirect applies exactly where
    nginx applied it; when every route of the host redirects, one first route covers them all.
    """
    for vhost in model.hosts.values():
        if vhost.semantics is not Semantics.NGINX or vhost.passthrough:
            continue
        flags = [_redirects_to_https(model, vhost, route) for route in vhost.routes]
        if not any(flags):
            continue
        codes = {
            model.records[r.origin.ingress].settings.redirect_code
            for r, f in zip(vhost.routes, flags, strict=True)
            if f
        }
        if all(flags) and len(codes) == 1:
            # Every location redirects, and so does nginx's implicit `/` for unmatched paths. Not a
            # catch-all match (no path, prefix `/` or regex `.*`): istiod moves those after the host's
            # other routes (SortVHostRoutes in pilot/pkg/networking/core/route), and then the routes
            # would proxy plain HTTP. Every request path starts with `/`.
            redirect = Route(
                name="https-redirect",
                origin=RouteOrigin(vhost.ingresses[0]),
                matches=[Match(uri=("regex", "/.*"), port=80)],
                redirect={"scheme": "https", "redirectCode": codes.pop()},
            )
            vhost.routes.insert(0, redirect)
            continue
        routes: list[Route] = []
        for route, flag in zip(vhost.routes, flags, strict=True):
            if flag:
                code = model.records[route.origin.ingress].settings.redirect_code
                routes.append(
                    Route(
                        name=route.name + ".https-redirect",
                        origin=route.origin,
                        matches=[Match(uri=m.uri, headers=dict(m.headers), port=80) for m in route.matches],
                        redirect={"scheme": "https", "redirectCode": code},
                    )
                )
            routes.append(route)
        if _redirects_to_https(model, vhost, None) and not any(_catches_all(r) for r in routes):
            # Unmatched paths: nginx's implicit `/` location of the server redirects too.
            routes.append(
                Route(
                    name="https-redirect",
                    origin=RouteOrigin(vhost.ingresses[0]),
                    matches=[Match(port=80)],
                    redirect={
                        "scheme": "https",
                        "redirectCode": model.records[vhost.ingresses[0]].settings.redirect_code,
                    },
                )
            )
        vhost.routes = routes


def _catches_all(route: Route) -> bool:
    return any(m.uri in (None, ("prefix", "/")) and not m.headers and m.port is None for m in route.matches)


def _add_slash_redirects(model: MeshModel) -> None:
    """nginx answers `/p` with a 301 to `/p/` when `/p/` is a proxied prefix location and no location is
    exactly `/p` (its auto_redirect); Istio would route `/p` elsewhere, so write that redirect out."""
    for vhost in model.hosts.values():
        if vhost.semantics is not Semantics.NGINX or vhost.regex_mode or vhost.passthrough:
            continue
        exact = {m.uri[1] for r in vhost.routes for m in r.matches if m.uri and m.uri[0] == "exact"}
        added: list[Route] = []
        for route in vhost.routes:
            path = route.path or ""
            if (
                route.origin.rule is None
                or route.path_type == "Exact"
                or len(path) < 2
                or not path.endswith("/")
            ):
                continue
            if route.redirect is not None or path[:-1] in exact:
                continue
            exact.add(path[:-1])
            added.append(
                Route(
                    name=route.name + ".add-slash",
                    origin=route.origin,
                    matches=[Match(uri=("exact", path[:-1]))],
                    redirect={"uri": path, "redirectCode": 301},
                    path=path[:-1],
                    path_type="Exact",
                    sort_length=len(path) - 1,
                    sort_rank=0,
                )
            )
        for new in added:  # keep first-match order: before the first route that sorts after it
            key = (-new.sort_length, new.sort_rank)
            at = next((i for i, r in enumerate(vhost.routes) if (-r.sort_length, r.sort_rank) > key), None)
            vhost.routes.insert(len(vhost.routes) if at is None else at, new)


def _redirects_to_https(model: MeshModel, vhost: VirtualHost, route: Route | None) -> bool:
    """Whether nginx redirected this route's location (None: the host's implicit `/` location, which
    belongs to the first Ingress of the host) from HTTP to HTTPS."""
    if route is None:
        settings = model.records[vhost.ingresses[0]].settings
    elif route.redirect is not None or route.direct_response is not None:
        return False  # nginx answers these before its HTTPS redirect
    else:
        settings = model.records[route.origin.ingress].settings
    return settings.force_ssl_redirect or (settings.ssl_redirect and _certificate_configured(model, vhost))


def _certificate_configured(model: MeshModel, vhost: VirtualHost) -> bool:
    """lua_ingress.lua `redirect_to_https`: a certificate is configured for the request's Host or for its
    one-label wildcard (certificate.lua `get_pem_cert_uid`). Requests for hosts no rule names reach the
    catch-all server under their own Host, for which no certificate is configured: never redirected.
    A default certificate whose secret is unknown gets no HTTPS server, so no redirect either
    (TLS_DEFAULT_CERTIFICATE says so)."""
    if vhost.host == CATCH_ALL_HOST:
        return False
    if vhost.tls_secret is not None:
        return True
    head, dot, rest = vhost.host.partition(".")
    wildcard = model.hosts.get("*." + rest) if head != "*" and dot else None
    return wildcard is not None and wildcard.tls_secret is not None


# --- DestinationRule subsets ----------------------------------------------------------------------


def plan_subsets(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """One subset per version of the workloads behind each backend Service; routes stay subset-less."""
    users: dict[tuple[str, str], list[str]] = {}
    for vhost in model.hosts.values():
        for route in vhost.routes:
            for dest in route.destinations:
                users.setdefault((dest.namespace, dest.service), [])
                if route.origin.ingress not in users[(dest.namespace, dest.service)]:
                    users[(dest.namespace, dest.service)].append(route.origin.ingress)
    # (namespace, label, value) → workloads whose pods carry it: a selector's first label narrows the search.
    labelled: dict[tuple[str, str, str], list[KubeObject]] = {}
    for workload in resources.workloads:
        for key, value in _template_labels(workload).items():
            labelled.setdefault((workload.namespace, key, value), []).append(workload)
    for (namespace, name), ingresses in sorted(users.items()):
        service = resources.services.get((namespace, name))
        if service is None:
            continue
        selector = service.spec.get("selector")
        if not isinstance(selector, dict) or not selector:
            continue
        first_key, first_value = next(iter(selector.items()))
        candidates = labelled.get((namespace, str(first_key), str(first_value)), [])
        workloads = [w for w in candidates if _selects(selector, w)]
        if not workloads:
            continue
        version_key = next(
            (k for k in VERSION_LABELS if all(k in _template_labels(w) for w in workloads)), None
        )
        if version_key is None:
            if len(workloads) > 1:
                text = (
                    f"Service {namespace}/{name} fronts several workloads "
                    f"({', '.join(w.kind + ' ' + w.name for w in workloads)}) without a version label,"
                    " so no subsets are generated."
                )
                for key in ingresses:
                    model.records[key].findings.append(
                        _finding(
                            "SUBSETS_NO_VERSION_LABEL",
                            Severity.INFO,
                            Verdict.EXACT,
                            key,
                            text,
                            "Add a `version` label to the pod templates to enable per-version routing.",
                        )
                    )
            continue
        versions: dict[str, list[KubeObject]] = {}
        for workload in workloads:
            versions.setdefault(_template_labels(workload)[version_key], []).append(workload)
        subsets = [{"name": dns_label(value), "labels": {version_key: value}} for value in sorted(versions)]
        host = options.service_host(name, namespace)
        model.policies.append(
            DestinationPolicy(namespace, dns_label(name), host, subsets=subsets, ingresses=list(ingresses))
        )
        parts = []
        for value in sorted(versions):
            replicas = sum(int(w.spec.get("replicas", 1) or 0) for w in versions[value])
            parts.append(f"{value}: {', '.join(w.name for w in versions[value])} ({replicas} replicas)")
        first = dns_label(sorted(versions)[0])
        text = (
            f"Service {namespace}/{name} fronts versions {'; '.join(parts)} (label {version_key}). A"
            f" DestinationRule with one subset per version is generated; routes still target the whole"
            " Service, so traffic splits across versions as before."
        )
        action = (
            f"To pin or split traffic later, add `subset: {first}` to the destination of"
            f" {host} in the VirtualService (one line per destination)."
        )
        for key in ingresses:
            model.records[key].findings.append(
                _finding("SUBSETS_DISCOVERED", Severity.INFO, Verdict.EXACT, key, text, action)
            )


def _template_labels(workload: KubeObject) -> dict[str, str]:
    return workload.pod_template_labels


def _selects(selector: dict[str, Any], workload: KubeObject) -> bool:
    labels = _template_labels(workload)
    return all(labels.get(str(k)) == str(v) for k, v in selector.items())


# --- statuses and helpers -------------------------------------------------------------------------


def finish_statuses(model: MeshModel) -> None:
    """An Ingress that made no route failed; one with an error or unsupported finding is partial."""
    for record in model.records.values():
        if record.status is not Status.CONVERTED:
            continue
        contributes = bool(model.hosts_of(record.key))
        if not contributes and not record.settings.canary:
            record.status = Status.FAILED
            record.findings.append(
                _finding(
                    "INGRESS_NOTHING_CONVERTED",
                    Severity.ERROR,
                    Verdict.UNSUPPORTED,
                    record.key,
                    "No route could be generated from this Ingress.",
                    "See the other findings.",
                )
            )
        elif any(f.severity is Severity.ERROR or f.verdict is Verdict.UNSUPPORTED for f in record.findings):
            record.status = Status.PARTIAL


def _note_once(record: IngressRecord, code: str, severity: Severity, verdict: Verdict, text: str) -> None:
    if not any(f.code == code for f in record.findings):
        record.findings.append(_finding(code, severity, verdict, record.key, text))


def _finding(
    code: str,
    severity: Severity,
    verdict: Verdict,
    ingress: str,
    message: str,
    action: str | None = None,
) -> Finding:
    return Finding(
        code=code, severity=severity, verdict=verdict, message=message, action=action, ingress=ingress
    )
