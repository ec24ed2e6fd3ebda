"""Certificates that must outlive the Ingress: ingress-shim's Certificate where its own secret stays in use.

cert-manager's ingress-shim makes one Certificate per `spec.tls` entry, named after the secret, and makes
the Ingress its controlling owner (cert-manager pkg/controller/certificate-shim/sync.go,
`buildCertificates`: `OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ingLike, ...)}`). Deleting the Ingress after the cut-over
therefore deletes that Certificate (garbage collection), and the secret is never renewed again.

Usually nobody reads that secret after the cut-over: the gateway reads a Certificate of its own in the
gateway namespace (tls/credentials.py). Two consumers keep reading it:

- ssl-passthrough: the backend terminates TLS with the secret itself, in the Ingress's namespace;
- an `istio`-class Ingress in the gateway namespace: the Gateway server names the secret as it is.

For those, the Certificate is emitted as a standalone object with the very name and secret ingress-shim
used: a second Certificate for the same secret would make cert-manager refuse to issue either (duplicate
secretName). Applied while the Ingress exists, it is the same object, still owned by the Ingress; the
finding's action says how to delete the Ingress without taking the Certificate with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.model import ExtraObject, IngressRecord, MeshModel
from kubectl_meshify.resources import ResourceSet
from kubectl_meshify.tls import certificates
from kubectl_meshify.tls.certificates import IssuanceIntent

CODE = "CERT_MANAGER_KEPT_CERTIFICATE"
KEPT_KEY = "cert-manager-kept"  # IngressSettings.extra: `namespace/name` of the Certificates kept for it


@dataclass(frozen=True)
class SecretUse:
    """A `spec.tls` entry whose secret is read where ingress-shim issues it."""

    record: IngressRecord
    entry: int
    secret: str
    hosts: list[str]
    consumer: str  # who reads the secret, for the message


def keep(model: MeshModel, resources: ResourceSet, uses: list[SecretUse]) -> None:
    """Emit the Certificate ingress-shim owns for every entry whose secret stays in use (or say what to do)."""
    issued_by = certificates.certificates_by_secret(resources)
    emitted: dict[tuple[str, str], ExtraObject] = {}
    for use in uses:
        record = use.record
        intent = record.settings.extra.get(certificates.INTENT_KEY)
        if not isinstance(intent, IssuanceIntent) or intent.problems or not use.hosts:
            continue  # ingress-shim issued nothing for this entry; the cert-manager findings say why
        namespace = record.obj.namespace
        where = (namespace, use.secret)
        if where in emitted:
            if record.key not in emitted[where].ingresses:
                emitted[where].ingresses.append(record.key)
            continue
        source = issued_by.get(where)
        if source is not None:
            manifest, _ = certificates.from_certificate(source, use.secret, namespace, [record.key])
        elif intent.issuer_ref is not None:
            manifest = certificates.from_intent(intent, use.secret, namespace, use.hosts, [record.key])
        else:
            record.findings.append(_default_issuer(record, use))
            continue
        extra = ExtraObject(manifest, [record.key])
        emitted[where] = extra
        model.extras.append(extra)
        record.settings.extra.setdefault(KEPT_KEY, []).append(f"{namespace}/{use.secret}")
        record.findings.append(_kept(record, use))


def _orphan_delete(record: IngressRecord) -> str:
    return f"kubectl delete ingress {record.obj.name} -n {record.obj.namespace} --cascade=orphan"


def _kept(record: IngressRecord, use: SecretUse) -> Finding:
    target = f"{record.obj.namespace}/{use.secret}"
    return Finding(
        code=CODE,
        severity=Severity.WARNING,
        verdict=Verdict.EXACT,
        message=f"spec.tls[{use.entry}]: {use.consumer} reads secret {target}, which cert-manager renews through"
        f" the Certificate ingress-shim made for this Ingress; that Certificate is owned by the Ingress, so"
        f" deleting the Ingress deletes it and renewals stop. Certificate {target} is emitted as a standalone"
        " object with the same name, secret and issuer, so cert-manager keeps renewing it.",
        action=f"Keep it when the Ingress goes: delete the Ingress with `{_orphan_delete(record)}` (the"
        " Certificate stays, without the owner), or apply the emitted Certificate again right after deleting"
        " the Ingress (the secret stays, so nothing is re-issued). Before that, the existing Certificate is not"
        " managed by kubectl-meshify: `--apply` needs --force-conflicts to take it over.",
        ingress=record.key,
    )


def _default_issuer(record: IngressRecord, use: SecretUse) -> Finding:
    target = f"{record.obj.namespace}/{use.secret}"
    return Finding(
        code=CODE,
        severity=Severity.WARNING,
        verdict=Verdict.APPROXIMATED,
        message=f"spec.tls[{use.entry}]: {use.consumer} reads secret {target}, renewed through the Certificate"
        " ingress-shim made for this Ingress (kubernetes.io/tls-acme: cert-manager's default issuer, which"
        " manifests do not show). That Certificate is owned by the Ingress: deleting the Ingress deletes it and"
        " renewals stop. No Certificate is generated.",
        action=f"Delete the Ingress with `{_orphan_delete(record)}` so the Certificate stays, or create a"
        f" Certificate {target} with secretName {use.secret} and the default issuer; or convert from the"
        " cluster (kubectl meshify ns ...), where the Certificate ingress-shim made names the issuer.",
        ingress=record.key,
    )
