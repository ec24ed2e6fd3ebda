"""Ingress TLS secrets → credentials the ingress gateway can read.

An Ingress names a secret in its own namespace; the gateway reads `credentialName` only from its own
(`--gateway-namespace`). Each secret therefore gets a stable name there, `<namespace>-<secret>` (hashed when
too long or when two secrets would meet on one name), and one of three providers:

- cert-manager: the secret is issued by cert-manager (ingress-shim annotations on an Ingress that names it,
  or a Certificate among the inputs whose secretName it is): the same issuer issues it again in the gateway
  namespace, through an emitted Certificate.
- copy: the report gives the command that copies the secret; a copy does not follow renewals.
- in-place: the secret already lives in the gateway namespace.

Secret contents are never read. Which secret serves a host:

- ingress-nginx (`createServers`, `extractTLSSecretName` in internal/ingress/controller/controller.go):
  every rule host of an Ingress with any `spec.tls` entry gets a certificate, from the oldest such
  Ingress of the host: the secret of the entry listing the host, else of an entry that covers it
  (`*.example.com` covers one label; an entry without hosts is taken to cover its rule hosts), else the
  controller's default certificate (an entry without secretName, or entries for other hosts). The
  catch-all server of rules without host always has the default certificate. The default certificate is
  a controller flag (`--default-ssl-certificate`): it is served where the option names it, else reported.
  A host left without a certificate is served the one of its one-label wildcard host (certificate.lua).
- Istio's own Ingress handling: each entry's hosts get the entry's secret, the oldest Ingress first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import (
    Credential,
    ExtraObject,
    IngressRecord,
    MeshModel,
    Semantics,
    Status,
    VirtualHost,
)
from kubectl_meshify.naming import credential_name
from kubectl_meshify.options import Options
from kubectl_meshify.resources import KubeObject, ResourceSet
from kubectl_meshify.tls import certificates, kept_certificates
from kubectl_meshify.tls.certificates import IssuanceIntent
from kubectl_meshify.tls.copy_command import copy_command

CATCH_ALL_HOST = "*"
# IngressSettings.extra key: spec.tls index → credentialName, for whoever follows an entry to its server.
CREDENTIALS_KEY = "tls-credentials"
Source = tuple[str, str]  # (namespace, secret name)


def plan(model: MeshModel, resources: ResourceSet, options: Options) -> None:
    """Give every TLS host its credential; plan how each credential reaches the gateway namespace."""
    records = sorted(
        (r for r in model.records.values() if r.status not in (Status.SKIPPED, Status.FAILED)),
        key=lambda r: r.order,
    )
    defaulted: list[tuple[IngressRecord, str, str]] = []
    kept: list[kept_certificates.SecretUse] = []
    entries = _assign_hosts(model, records, options, defaulted, kept)
    inherited = _inherit_wildcard_certificates(model, defaulted)
    sources = sorted(
        {(v.tls_secret_namespace or "", v.tls_secret) for v in model.hosts.values() if v.tls_secret}
    )
    names = _names(sources, options.gateway_namespace)
    hosts_of: dict[str, list[str]] = {}
    for vhost in model.hosts.values():
        if vhost.tls_secret:
            vhost.credential = names[(vhost.tls_secret_namespace or "", vhost.tls_secret)]
            hosts_of.setdefault(vhost.credential, []).append(vhost.host)
    users_of: dict[Source, list[tuple[IngressRecord, int, list[str]]]] = {}
    for record, t, hosts, source in entries:
        users_of.setdefault(source, []).append((record, t, hosts))
        if source in names:
            record.settings.extra.setdefault(CREDENTIALS_KEY, {})[t] = names[source]
    issued_by = certificates.certificates_by_secret(resources)
    for source in sources:
        users = users_of.get(source, [])
        hosts = sorted(hosts_of.get(names[source], []))
        ingresses = [record.key for record, _, _ in users]
        if source == options.default_ssl_certificate:
            ingresses += [
                k for h in hosts if model.hosts[h].default_certificate for k in model.hosts[h].ingresses
            ]
        credential = Credential(
            name=names[source],
            namespace=options.gateway_namespace,
            source_namespace=source[0],
            source_secret=source[1],
            hosts=hosts,
            ingresses=list(dict.fromkeys(ingresses)),
        )
        existing = resources.cluster_facts.get("tls_secrets")
        if isinstance(existing, dict):
            credential.present = credential.name in existing.get(credential.namespace, [])
            if source[0] in existing:
                credential.source_present = source[1] in existing[source[0]]
        model.credentials[credential.name] = credential
        _provide(model, credential, users, resources, issued_by.get(source))
        if credential.provider == "in-place":
            kept += [
                kept_certificates.SecretUse(r, t, secret=source[1], hosts=h, consumer="the Gateway server")
                for r, t, h in users
                if r.obj.namespace == credential.namespace
            ]
        if (
            credential.provider != "cert-manager"
            and credential.present is False
            and not credential.source_present
        ):
            _attach(model, credential, [_missing_note(credential)])
    for record, host, reason in defaulted:
        _note_default_certificate(model, record, host, reason, options)
    for vhost, parent in inherited:
        if vhost.credential:
            _note_wildcard_certificate(model, vhost, parent)
    kept_certificates.keep(model, resources, kept)


# --- hosts → secrets ---------------------------------------------------------------------------------


def _assign_hosts(
    model: MeshModel,
    records: list[IngressRecord],
    options: Options,
    defaulted: list[tuple[IngressRecord, str, str]],
    passed_through: list[kept_certificates.SecretUse],
) -> list[tuple[IngressRecord, int, list[str], Source]]:
    """Set each host's secret (the oldest Ingress wins); return every TLS entry with its hosts and source.

    Istio's own Ingress handling read `credentialName` from the gateway namespace, never from the
    Ingress's: for `istio`-class Ingresses that is where the secret that served them lives.
    `defaulted` receives (Ingress, host, why) for the hosts ingress-nginx served its default certificate.
    """
    gateway_namespace = options.gateway_namespace
    entries: list[tuple[IngressRecord, int, list[str], Source]] = []
    for record in records:
        if record.settings.canary:
            continue  # ingress-nginx builds no server from a canary Ingress, so its TLS is never used
        spec = record.obj.spec
        rule_hosts = sorted({str(rule.get("host") or CATCH_ALL_HOST) for rule in spec.get("rules") or []})
        nginx = record.semantics is Semantics.NGINX
        tls = [entry for entry in spec.get("tls") or [] if isinstance(entry, dict)]
        for t, entry in enumerate(spec.get("tls") or []):
            if not isinstance(entry, dict):
                continue
            hosts = [str(h) for h in entry.get("hosts") or []] or rule_hosts
            secret = entry.get("secretName")
            if not secret:
                if nginx:
                    continue  # the default certificate: `_nginx_certificates`
                record.findings.append(
                    _finding(
                        "TLS_NO_SECRET",
                        Severity.WARNING,
                        Verdict.UNSUPPORTED,
                        record,
                        f"spec.tls[{t}] has no secretName (the controller served its default certificate);"
                        " no HTTPS server is generated for " + ", ".join(hosts) + ".",
                        "Add a certificate secret for these hosts in the gateway namespace.",
                    )
                )
                continue
            owner = gateway_namespace if record.semantics is Semantics.ISTIO else record.obj.namespace
            source = (owner, str(secret))
            known = [model.hosts[h] for h in hosts if h in model.hosts]
            for passed in known:
                if passed.passthrough and passed.passthrough_secret is None:
                    passed.passthrough_secret = str(secret)
            if known and all(v.passthrough for v in known):
                # TLS passed through to the backend: nginx used no certificate for these hosts, the backend
                # serves this secret itself.
                passed_through.append(
                    kept_certificates.SecretUse(
                        record,
                        t,
                        str(secret),
                        [str(h) for h in entry.get("hosts") or []],
                        "the backend (ssl-passthrough)",
                    )
                )
                continue
            entries.append((record, t, [str(h) for h in entry.get("hosts") or []], source))
            if nginx:
                continue
            for host in hosts:
                vhost = model.hosts.get(host)
                if vhost is None or vhost.passthrough:
                    continue
                if vhost.tls_secret and (vhost.tls_secret_namespace, vhost.tls_secret) != source:
                    record.findings.append(
                        _finding(
                            "TLS_SECRET_CONFLICT",
                            Severity.WARNING,
                            Verdict.APPROXIMATED,
                            record,
                            f"Host {host} has certificate {vhost.tls_secret_namespace}/{vhost.tls_secret}"
                            f" from an older Ingress; spec.tls[{t}] secret {secret} is not used.",
                        )
                    )
                    continue
                vhost.tls_secret, vhost.tls_secret_namespace = source[1], source[0]
        if nginx and tls:
            _nginx_certificates(model, record, rule_hosts, tls, options, defaulted)
    return entries


def _nginx_certificates(
    model: MeshModel,
    record: IngressRecord,
    rule_hosts: list[str],
    tls: list[dict[str, Any]],
    options: Options,
    defaulted: list[tuple[IngressRecord, str, str]],
) -> None:
    """createServers: each rule host of this Ingress without a certificate yet gets one from it."""
    namespace = record.obj.namespace
    for host in rule_hosts:
        vhost = model.hosts.get(host)
        if vhost is None or vhost.passthrough or vhost.semantics is not Semantics.NGINX:
            continue
        secret = None if host == CATCH_ALL_HOST else tls_secret_for(host, tls)
        if vhost.tls_secret is not None or vhost.default_certificate:
            if secret and (vhost.tls_secret_namespace, vhost.tls_secret) != (namespace, secret):
                had = (
                    "the default certificate"
                    if vhost.default_certificate
                    else f"certificate {vhost.tls_secret_namespace}/{vhost.tls_secret}"
                )
                record.findings.append(
                    _finding(
                        "TLS_SECRET_CONFLICT",
                        Severity.WARNING,
                        Verdict.APPROXIMATED,
                        record,
                        f"Host {host} has {had} from an older Ingress; secret {secret} of this Ingress's"
                        " spec.tls is not used (ingress-nginx kept the first).",
                    )
                )
            continue
        if secret:
            vhost.tls_secret, vhost.tls_secret_namespace = secret, namespace
            continue
        vhost.default_certificate = True
        if options.default_ssl_certificate is not None:
            vhost.tls_secret_namespace, vhost.tls_secret = options.default_ssl_certificate
        if host == CATCH_ALL_HOST:
            why = "the catch-all server of rules without host always used it, never a spec.tls secret"
        elif secret == "":
            why = "its spec.tls entry has no secretName"
        else:
            why = "no spec.tls entry of the Ingress lists the host or covers it"
        defaulted.append((record, host, why))


def _inherit_wildcard_certificates(
    model: MeshModel, defaulted: list[tuple[IngressRecord, str, str]]
) -> list[tuple[VirtualHost, VirtualHost]]:
    """certificate.lua `get_pem_cert_uid`: for a Host without a certificate of its own, ingress-nginx
    serves (and redirects to) the certificate of its one-label wildcard host `*.<rest>`, if that has one."""
    inherited: list[tuple[VirtualHost, VirtualHost]] = []
    for host in sorted(model.hosts):
        vhost = model.hosts[host]
        head, dot, rest = host.partition(".")
        if (
            vhost.semantics is not Semantics.NGINX
            or vhost.passthrough
            or vhost.tls_secret is not None
            or vhost.default_certificate
            or not dot
            or head in ("", "*")
        ):
            continue
        parent = model.hosts.get("*." + rest)
        if parent is None or parent.semantics is not Semantics.NGINX or parent.passthrough:
            continue
        if parent.tls_secret is None and not parent.default_certificate:
            continue
        vhost.tls_secret, vhost.tls_secret_namespace = parent.tls_secret, parent.tls_secret_namespace
        if parent.default_certificate:
            vhost.default_certificate = True
            why = f"it has none of its own and gets the one of {parent.host}, the default one"
            defaulted.append((model.records[vhost.ingresses[0]], host, why))
        else:
            inherited.append((vhost, parent))
    return inherited


def _note_wildcard_certificate(model: MeshModel, vhost: VirtualHost, parent: VirtualHost) -> None:
    text = (
        f"Host {vhost.host} has no certificate of its own; ingress-nginx served the certificate of"
        f" {parent.host} for it (certificate.lua looks up the one-label wildcard of the Host) and redirected"
        f" its HTTP requests to HTTPS. The Gateway serves it with the same credential, {vhost.credential}."
    )
    for key in vhost.ingresses:
        record = model.records[key]
        if not any(f.code == "TLS_WILDCARD_CERTIFICATE" for f in record.findings):
            record.findings.append(
                _finding("TLS_WILDCARD_CERTIFICATE", Severity.INFO, Verdict.EXACT, record, text)
            )


def tls_secret_for(host: str, tls: list[dict[str, Any]]) -> str | None:
    """extractTLSSecretName: the secret of the entry listing `host` ("" if that entry has none), else
    of the first entry with a secret whose certificate covers it: a `*.x` name covers one label (Go's
    VerifyHostname); an entry without hosts is taken to cover every host (its certificate is unread)."""
    lowered = host.lower()
    for entry in tls:
        if any(str(h).lower() == lowered for h in entry.get("hosts") or []):
            return str(entry.get("secretName") or "")
    for entry in tls:
        secret = str(entry.get("secretName") or "")
        names = [str(h).lower() for h in entry.get("hosts") or []]
        if secret and (not names or any(_covers_one_label(n, lowered) for n in names)):
            return secret
    return None


def _covers_one_label(name: str, host: str) -> bool:
    head, dot, rest = host.partition(".")
    return name.startswith("*.") and bool(head and dot) and rest == name[2:]


def _note_default_certificate(
    model: MeshModel, record: IngressRecord, host: str, why: str, options: Options
) -> None:
    """One finding per host served with ingress-nginx's default certificate, on each Ingress of the host."""
    vhost = model.hosts[host]
    where = "requests for hosts no rule names" if host == CATCH_ALL_HOST else f"host {host}"
    redirect = "" if host == CATCH_ALL_HOST else " and redirected its HTTP requests to HTTPS"
    if options.default_ssl_certificate is not None and vhost.credential:
        credential = model.credentials[vhost.credential]
        ns, secret = options.default_ssl_certificate
        finding = _finding(
            "TLS_DEFAULT_CERTIFICATE",
            Severity.INFO,
            Verdict.EXACT,
            record,
            f"ingress-nginx served its default certificate for {where} ({why}){redirect}; the Gateway"
            f" serves the same secret, {ns}/{secret} (--default-ssl-certificate), as {credential.name}"
            f"{_presence(credential)}.",
            f"Copy it: {credential.command}"
            if credential.provider == "copy" and credential.command
            else None,
        )
    else:
        finding = _finding(
            "TLS_DEFAULT_CERTIFICATE",
            Severity.WARNING,
            Verdict.UNSUPPORTED,
            record,
            f"ingress-nginx served its default certificate for {where} ({why}){redirect}. That secret"
            " is set by a controller flag no manifest shows, so no HTTPS server is generated for it"
            + ("" if host == CATCH_ALL_HOST else " and plain HTTP is not redirected")
            + ".",
            "Convert again with --default-ssl-certificate NAMESPACE/SECRET, the value of ingress-nginx's"
            " flag of that name (without the flag it served a self-signed certificate: name a secret with a"
            f" real one), or give {host} a secretName in spec.tls.",
        )
    for key in vhost.ingresses:
        target = model.records[key]
        if not any(f.code == finding.code and f.message == finding.message for f in target.findings):
            target.findings.append(replace(finding, ingress=key))


def _names(sources: list[Source], gateway_namespace: str) -> dict[Source, str]:
    """Stable, collision-free names in the gateway namespace (a secret already there keeps its name)."""
    names = {
        s: s[1] if s[0] == gateway_namespace else credential_name(s[0], s[1], salt=False) for s in sources
    }
    taken: dict[str, list[Source]] = {}
    for source, name in names.items():
        taken.setdefault(name, []).append(source)
    for clashing in taken.values():
        if len(clashing) > 1:
            for source in clashing:
                if source[0] != gateway_namespace:  # the secret already there cannot be renamed
                    names[source] = credential_name(source[0], source[1], salt=True)
    return names


# --- providers ---------------------------------------------------------------------------------------


def _provide(
    model: MeshModel,
    credential: Credential,
    users: list[tuple[IngressRecord, int, list[str]]],
    resources: ResourceSet,
    source_certificate: KubeObject | None,
) -> None:
    """Decide how the credential reaches the gateway namespace; emit its Certificate; report per entry."""
    source_ns, secret = credential.source_namespace, credential.source_secret
    gateway_ns = credential.namespace
    if source_ns == gateway_ns:
        credential.provider = "in-place"
        for record, t, _ in users:
            record.findings.append(_in_place_finding(record, t, secret, gateway_ns, resources))
        credential.source_present = credential.present
        return
    notes: list[Finding] = []
    issued = _certificate(credential, users, source_certificate, notes)
    if issued is None:
        _provide_copy(credential, users)
        _attach(model, credential, notes)
        return
    manifest, issuer_ref, how = issued
    credential.provider = "cert-manager"
    credential.issuer = certificates.issuer_text(issuer_ref)
    model.extras.append(ExtraObject(manifest, list(credential.ingresses)))
    for record, t, _ in users:
        record.findings.append(
            _finding(
                "CERT_MANAGER_CERTIFICATE",
                Severity.INFO,
                Verdict.EXACT,
                record,
                f"spec.tls[{t}]: {how} with {credential.issuer}. The Gateway reads credentials only from"
                f" {gateway_ns}, so Certificate {gateway_ns}/{credential.name} has the same issuer issue the same"
                f" names into secret {gateway_ns}/{credential.name} (a new private key; cert-manager renews"
                f" it){_presence(credential)}.",
                f"Before moving traffic, wait until it is issued: kubectl wait -n {gateway_ns}"
                f" certificate/{credential.name} --for=condition=Ready",
            )
        )
    if certificates.is_namespaced(issuer_ref):
        notes.append(_namespaced_issuer_note(credential, issuer_ref, resources))
    notes.extend(_acme_notes(credential, issuer_ref, resources))
    _attach(model, credential, notes)


def _certificate(
    credential: Credential,
    users: list[tuple[IngressRecord, int, list[str]]],
    source: KubeObject | None,
    notes: list[Finding],
) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """(Certificate manifest, its issuerRef, how the source is issued), or None when cert-manager does not
    issue the secret; notes say why when it was meant to."""
    gateway_ns = credential.namespace
    if source is not None:
        manifest, dropped = certificates.from_certificate(
            source, credential.name, gateway_ns, credential.ingresses
        )
        if dropped:
            notes.append(_edit_in_place_note(credential, source))
        if "keystores" in source.spec:
            notes.append(_keystore_note(credential, source))
        ref = source.spec.get("issuerRef")
        return manifest, dict(ref) if isinstance(ref, dict) else {}, f"Certificate {source.key} issues it"
    # ingress-shim acts per Ingress: the first one it issues for wins; the others explain a copy.
    why_not: list[Finding] = []
    for record, _, dns_names in users:
        intent = record.settings.extra.get(certificates.INTENT_KEY)
        if not isinstance(intent, IssuanceIntent) or any(n.ingress == record.key for n in why_not):
            continue
        if intent.problems or not dns_names:
            why_not.append(_not_issued_note(credential, record, intent))
        elif intent.issuer_ref is None:
            why_not.append(_default_issuer_note(credential, record))
        else:
            manifest = certificates.from_intent(
                intent, credential.name, gateway_ns, dns_names, credential.ingresses
            )
            return (
                manifest,
                intent.issuer_ref,
                f"cert-manager issues it for Ingress {record.key} ({intent.trigger})",
            )
    notes.extend(why_not)
    return None


def _provide_copy(credential: Credential, users: list[tuple[IngressRecord, int, list[str]]]) -> None:
    source_ns, secret, gateway_ns = (
        credential.source_namespace,
        credential.source_secret,
        credential.namespace,
    )
    credential.provider = "copy"
    credential.command = copy_command("secret", source_ns, secret, gateway_ns, credential.name)
    for record, t, _ in users:
        record.findings.append(
            _finding(
                "TLS_SECRET_LOCATION",
                Severity.WARNING,
                Verdict.APPROXIMATED,
                record,
                f"spec.tls[{t}]: the ingress gateway reads certificates only from its own namespace"
                f" ({gateway_ns}); secret {source_ns}/{secret} must exist there as {credential.name}, the"
                f" credentialName of its Gateway server{_presence(credential)}. kubectl-meshify does not read"
                " or copy secrets.",
                f"Copy it (the data goes from kubectl to kubectl, never shown): {credential.command}  —  A copy"
                f" does not follow renewals: run the command again after each renewal of {source_ns}/{secret},"
                f" or have cert-manager issue the certificate in {gateway_ns}.",
            )
        )


def _presence(credential: Credential) -> str:
    """What the cluster preflight saw of the credential, as a clause."""
    if credential.present is None:
        return ""
    where = f"{credential.namespace}/{credential.name}"
    return f" ({where} exists already)" if credential.present else f" ({where} does not exist yet)"


def _missing_note(credential: Credential) -> Finding:
    source = f"{credential.source_namespace}/{credential.source_secret}"
    target = f"{credential.namespace}/{credential.name}"
    also = "" if target == source else f", nor {target}"
    return Finding(
        code="TLS_SECRET_MISSING",
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"Secret {source} does not exist (cluster preflight){also}: the old controller served its"
        f" default certificate for {', '.join(credential.hosts)}, and the Gateway server has no certificate"
        " either.",
        action=f"Create it where the gateway reads it: kubectl create secret tls {credential.name} -n"
        f" {credential.namespace} --cert=tls.crt --key=tls.key",
    )


def _attach(model: MeshModel, credential: Credential, notes: list[Finding]) -> None:
    for key in credential.ingresses:
        record = model.records[key]
        for note in notes:
            record.findings.append(replace(note, ingress=record.key))


def _in_place_finding(
    record: IngressRecord, t: int, secret: str, gateway_ns: str, resources: ResourceSet
) -> Finding:
    namespace = record.obj.namespace
    if namespace == gateway_ns:
        return _finding(
            "TLS_SECRET_IN_GATEWAY_NAMESPACE",
            Severity.INFO,
            Verdict.EXACT,
            record,
            f"spec.tls[{t}]: secret {secret} already lives in the gateway namespace {gateway_ns}; the Gateway"
            " server uses it as it is.",
        )
    issued_here = isinstance(record.settings.extra.get(certificates.INTENT_KEY), IssuanceIntent) or any(
        c.namespace == namespace and c.spec.get("secretName") == secret for c in resources.certificates
    )
    if issued_here:
        return _finding(
            "TLS_ISTIO_SECRET_LOCATION",
            Severity.WARNING,
            Verdict.EXACT,
            record,
            f"spec.tls[{t}]: Istio's own Ingress handling read secret {secret} from the gateway namespace"
            f" {gateway_ns}, not from {namespace}, where cert-manager issues it; the Gateway server keeps reading"
            f" {gateway_ns}/{secret}, as before.",
            f"Check that {gateway_ns}/{secret} exists (HTTPS for these hosts failed without it). To have"
            f" cert-manager renew it there, create a Certificate in {gateway_ns} with secretName {secret}.",
        )
    return _finding(
        "TLS_SECRET_IN_GATEWAY_NAMESPACE",
        Severity.INFO,
        Verdict.EXACT,
        record,
        f"spec.tls[{t}]: Istio's own Ingress handling read secret {secret} from the gateway namespace"
        f" {gateway_ns} (not from {namespace}); the Gateway server keeps reading it there.",
    )


# --- notes -----------------------------------------------------------------------------------------


def _namespaced_issuer_note(credential: Credential, ref: dict[str, Any], resources: ResourceSet) -> Finding:
    gateway_ns, source_ns = credential.namespace, credential.source_namespace
    name = str(ref.get("name", ""))
    kind = str(ref.get("kind") or "Issuer")
    resource = "issuer" if str(ref.get("group") or certificates.GROUP) == certificates.GROUP else kind.lower()
    command = copy_command(resource, source_ns, name, gateway_ns, name)
    known = certificates.find_issuer(resources, ref, source_ns) is not None
    return Finding(
        code="CERT_MANAGER_NAMESPACED_ISSUER",
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"{kind} {source_ns}/{name} is namespaced: cert-manager uses it only for Certificates in"
        f" {source_ns}. Certificate {gateway_ns}/{credential.name} refers to {kind} {name} in {gateway_ns}, which"
        " stays pending until that issuer exists."
        + ("" if known else f" ({kind} {source_ns}/{name} is not among the inputs.)"),
        action=f"Choose one: (a) create the same issuer in {gateway_ns}: {command}  —  and any Secret its spec"
        f" names (a CA key, DNS-01 or Vault credentials) there too; or (b) point issuerRef of"
        f" {gateway_ns}/{credential.name} at a ClusterIssuer with the same configuration.",
    )


def _acme_notes(credential: Credential, ref: dict[str, Any], resources: ResourceSet) -> list[Finding]:
    """The HTTP-01 trap: challenges answered through ingress-nginx fail once it stops serving the hosts."""
    issuer = certificates.find_issuer(resources, ref, credential.source_namespace)
    issuer_name = certificates.issuer_text(ref)
    gateway_ns = credential.namespace
    fix = (
        f"Before cut-over, give {issuer_name} an HTTP-01 solver the Istio gateway serves: `http01:"
        " gatewayHTTPRoute: parentRefs: [...]` naming a Gateway API Gateway of the Istio ingress gateway"
        " (cert-manager with Gateway API support), or `http01: ingress: ingressClassName: istio` (Istio's own"
        " Ingress handling), or a DNS-01 solver. Then renew once to prove it:"
        f" cmctl renew -n {gateway_ns} {credential.name}"
    )
    if issuer is None:
        return [
            Finding(
                code="CERT_MANAGER_ACME_HTTP01",
                severity=Severity.WARNING,
                verdict=Verdict.UNKNOWN,
                message=f"If {issuer_name} is an ACME issuer that answers HTTP-01 challenges through"
                " ingress-nginx (`http01.ingress.class: nginx` or `ingressClassName: nginx`), issuing works"
                " while ingress-nginx still serves the hosts, but renewals fail after cut-over, quietly until"
                " the certificate expires.",
                action=fix,
            )
        ]
    solvers = certificates.http01_ingress_solvers(issuer)
    if not solvers:
        return []
    return [
        Finding(
            code="CERT_MANAGER_ACME_HTTP01",
            severity=Severity.WARNING,
            verdict=Verdict.APPROXIMATED,
            message=f"{issuer_name} answers ACME HTTP-01 challenges through an Ingress ({', '.join(solvers)})."
            " That works while ingress-nginx serves the hosts, but renewals fail after cut-over, quietly until"
            " the certificate expires.",
            action=fix,
        )
    ]


def _default_issuer_note(credential: Credential, record: IngressRecord) -> Finding:
    return Finding(
        code="CERT_MANAGER_DEFAULT_ISSUER",
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"kubernetes.io/tls-acme has cert-manager issue {credential.source_namespace}/"
        f"{credential.source_secret} with its default issuer, a flag of the cert-manager controller that"
        " manifests do not show; no Certificate is generated, so the secret must be copied for now.",
        action="Annotate the Ingress with cert-manager.io/cluster-issuer (or issuer) naming that issuer and"
        " convert again, or convert from the cluster (kubectl meshify ns ...), where the Certificate"
        " ingress-shim made names it.",
        ingress=record.key,
    )


def _not_issued_note(credential: Credential, record: IngressRecord, intent: IssuanceIntent) -> Finding:
    why = "; ".join(intent.problems) if intent.problems else "its spec.tls entry lists no hosts"
    return Finding(
        code="CERT_MANAGER_NOT_ISSUED",
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"cert-manager did not issue {credential.source_namespace}/{credential.source_secret} for"
        f" Ingress {record.key} ({why}); no Certificate is generated.",
        action="Fix the cert-manager annotations (see their findings) and convert again, or copy the secret.",
        ingress=record.key,
    )


def _edit_in_place_note(credential: Credential, source: KubeObject) -> Finding:
    return Finding(
        code="CERT_MANAGER_EDIT_IN_PLACE",
        severity=Severity.WARNING,
        verdict=Verdict.UNSUPPORTED,
        message=f"Certificate {source.key} solves HTTP-01 by editing Ingress"
        f" {source.annotations.get(certificates.INGRESS_NAME_OVERRIDE)} in place; that Ingress is not in"
        f" {credential.namespace}, so the annotation is not carried over.",
        action="Let the issuer's solver create its own Ingress or HTTPRoute (see CERT_MANAGER_ACME_HTTP01).",
    )


def _keystore_note(credential: Credential, source: KubeObject) -> Finding:
    return Finding(
        code="CERT_MANAGER_KEYSTORE_SECRET",
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"Certificate {source.key} writes keystores whose password secrets live in {source.namespace};"
        f" the copy in {credential.namespace} refers to secrets of the same names there.",
        action=f"Create those password secrets in {credential.namespace}, or drop spec.keystores from"
        f" {credential.namespace}/{credential.name} (the gateway does not use keystores).",
    )


def _finding(
    code: str,
    severity: Severity,
    verdict: Verdict,
    record: IngressRecord,
    message: str,
    action: str | None = None,
) -> Finding:
    return Finding(
        code=code, severity=severity, verdict=verdict, message=message, action=action, ingress=record.key
    )
