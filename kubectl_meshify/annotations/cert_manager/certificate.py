"""cert-manager's ingress-shim: Ingress annotations → the Certificate issued in the gateway namespace.

ingress-shim acts on an Ingress that has `cert-manager.io/issuer`, `cert-manager.io/cluster-issuer` or
`kubernetes.io/tls-acme: "true"`: one Certificate per `spec.tls` entry, named after its secret, for the
entry's hosts. kubectl-meshify issues the same certificate again in the gateway namespace
(tls/credentials.py); the annotations below carry over onto that Certificate.

| key | verdict | Certificate in the gateway namespace |
| --- | --- | --- |
| cert-manager.io/cluster-issuer | exact | `issuerRef: {kind: ClusterIssuer, name}` |
| cert-manager.io/issuer | approximated | `issuerRef: {kind: Issuer, name}`: a namespaced issuer must exist in the gateway namespace too |
| cert-manager.io/issuer-kind, issuer-group | exact | `issuerRef.kind`, `issuerRef.group` (external issuers) |
| kubernetes.io/tls-acme | approximated | the controller's default issuer, unknown from manifests; exact when the Certificate ingress-shim made is among the inputs |
| cert-manager.io/common-name, duration, renew-before, renew-before-percentage, usages, revision-history-limit | exact | `commonName`, `duration`, `renewBefore`, `renewBeforePercentage`, `usages`, `revisionHistoryLimit` |
| cert-manager.io/email-sans, ip-sans, uri-sans | exact | `emailAddresses`, `ipAddresses`, `uris` |
| cert-manager.io/subject-* (organizations, organizationalunits, countries, provinces, localities, postalcodes, streetaddresses, serialnumber) | exact | `subject.*` |
| cert-manager.io/private-key-algorithm, -encoding, -size, -rotation-policy | exact | `privateKey.*` |
| cert-manager.io/secret-template | exact | `secretTemplate` |
| acme.cert-manager.io/http01-ingress-class | approximated | annotation `acme.cert-manager.io/http01-override-ingress-class` (the class stops serving at cut-over) |
| acme.cert-manager.io/http01-ingress-ingressclassname | unsupported | set the solver's `ingressClassName` on the issuer |
| acme.cert-manager.io/http01-edit-in-place | unsupported | the solver would edit an Ingress outside the gateway namespace |
| cert-manager.io/issuer-name, alt-names, and keys cert-manager writes on other objects | no-op | ingress-shim does not read them from an Ingress |

Invalid values make ingress-shim refuse the whole Ingress (it issued nothing); they are reported, and the
secret is then copied instead.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

from kubectl_meshify.annotations.base import FamilyContext, KeyInfo
from kubectl_meshify.findings import Severity, Verdict
from kubectl_meshify.tls.certificates import GROUP, INTENT_KEY, IssuanceIntent
from kubectl_meshify.tls.kept_certificates import KEPT_KEY

# Every key lives under these prefixes or is listed in full; the registry sweeps the prefixes.
SWEPT_PREFIXES = ("cert-manager.io/", "acme.cert-manager.io/")
CM = "cert-manager.io/"
ACME = "acme.cert-manager.io/"
TLS_ACME = "kubernetes.io/tls-acme"

_SPEC = {
    "common-name": "commonName",
    "duration": "duration",
    "renew-before": "renewBefore",
    "renew-before-percentage": "renewBeforePercentage",
    "usages": "usages",
    "revision-history-limit": "revisionHistoryLimit",
    "email-sans": "emailAddresses",
    "ip-sans": "ipAddresses",
    "uri-sans": "uris",
    "subject-organizations": "subject.organizations",
    "subject-organizationalunits": "subject.organizationalUnits",
    "subject-countries": "subject.countries",
    "subject-provinces": "subject.provinces",
    "subject-localities": "subject.localities",
    "subject-postalcodes": "subject.postalCodes",
    "subject-streetaddresses": "subject.streetAddresses",
    "subject-serialnumber": "subject.serialNumber",
    "private-key-algorithm": "privateKey.algorithm",
    "private-key-encoding": "privateKey.encoding",
    "private-key-size": "privateKey.size",
    "private-key-rotation-policy": "privateKey.rotationPolicy",
    "secret-template": "secretTemplate",
}
# Keys cert-manager writes or reads on other objects (Secrets, CertificateRequests, webhooks).
_NOT_FOR_INGRESS = (
    "issuer-name",
    "alt-names",
    "certificate-name",
    "certificate-revision",
    "certificate-hash",
    "issue-temporary-certificate",
    "private-key-secret-name",
    "next-private-key",
    "inject-ca-from",
    "inject-ca-from-secret",
    "inject-apiserver-ca",
    "allow-direct-injection",
)

KEYS: dict[str, KeyInfo] = {
    CM + "cluster-issuer": KeyInfo(Verdict.EXACT, "Certificate issuerRef kind ClusterIssuer"),
    CM + "issuer": KeyInfo(
        Verdict.APPROXIMATED, "issuerRef kind Issuer; the Issuer must exist in the gateway namespace"
    ),
    CM + "issuer-kind": KeyInfo(Verdict.EXACT, "Certificate issuerRef.kind"),
    CM + "issuer-group": KeyInfo(Verdict.EXACT, "Certificate issuerRef.group"),
    TLS_ACME: KeyInfo(Verdict.APPROXIMATED, "Certificate with the controller's default issuer"),
    **{CM + key: KeyInfo(Verdict.EXACT, f"Certificate spec.{field}") for key, field in _SPEC.items()},
    ACME + "http01-ingress-class": KeyInfo(
        Verdict.APPROXIMATED, "Certificate annotation acme.cert-manager.io/http01-override-ingress-class"
    ),
    ACME + "http01-ingress-ingressclassname": KeyInfo(
        Verdict.UNSUPPORTED, "the issuer solver's ingressClassName"
    ),
    ACME + "http01-edit-in-place": KeyInfo(Verdict.UNSUPPORTED, "none: the solver must create its own route"),
    **{CM + key: KeyInfo(Verdict.NO_OP, "none: ingress-shim does not read it") for key in _NOT_FOR_INGRESS},
    ACME + "http01-override-ingress-class": KeyInfo(Verdict.NO_OP, "none: a Certificate annotation"),
    ACME + "http01-override-ingress-name": KeyInfo(Verdict.NO_OP, "none: a Certificate annotation"),
}

_ISSUER_KEYS = (CM + "issuer", CM + "cluster-issuer", CM + "issuer-kind", CM + "issuer-group")
_GO_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
_USAGES = {
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement",
    "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
    "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel",
    "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
}  # fmt: skip
_CHOICES = {
    "private-key-algorithm": ("RSA", "ECDSA", "Ed25519"),
    "private-key-encoding": ("PKCS1", "PKCS8"),
    "private-key-rotation-policy": ("Never", "Always"),
}


def code(key: str) -> str:
    """`cert-manager.io/renew-before` → CERT_MANAGER_RENEW_BEFORE; `acme.cert-manager.io/x` → ..._ACME_X."""
    name = key.rsplit("/", 1)[1]
    head = "CERT_MANAGER_ACME_" if key.startswith(ACME) else "CERT_MANAGER_"
    return head + re.sub(r"[^A-Z0-9]+", "_", name.upper())


def _go_bool(value: str | None) -> bool:
    return value in ("1", "t", "T", "true", "TRUE", "True")


def prepare(ctx: FamilyContext) -> None:
    """Read what ingress-shim would do with this Ingress (`IssuanceIntent`), if anything."""
    ann = ctx.record.obj.annotations
    triggers = [k for k in (CM + "issuer", CM + "cluster-issuer") if k in ann]
    if _go_bool(ann.get(TLS_ACME)):
        triggers.append(TLS_ACME)
    if not triggers:
        return
    problems: list[str] = []
    ref = _issuer_ref(ann, problems)
    spec, annotations = _translate(ann, problems)
    secrets = [e.get("secretName") for e in ctx.record.obj.spec.get("tls") or [] if isinstance(e, dict)]
    repeated = sorted({str(s) for s in secrets if s and secrets.count(s) > 1})
    if repeated:
        problems.append(f"secret {', '.join(repeated)} appears in more than one spec.tls entry")
    ctx.settings.extra[INTENT_KEY] = IssuanceIntent(
        trigger=", ".join(triggers), issuer_ref=ref, spec=spec, annotations=annotations, problems=problems
    )


def _issuer_ref(ann: dict[str, str], problems: list[str]) -> dict[str, str] | None:
    """issuerRef as ingress-shim resolves it (issuerForIngressLike); None means the controller default."""
    name: str | None = None
    kind: str | None = None
    if CM + "issuer" in ann:
        name, kind = ann[CM + "issuer"], "Issuer"
    if CM + "cluster-issuer" in ann:
        name, kind = ann[CM + "cluster-issuer"], "ClusterIssuer"
        if CM + "issuer" in ann:
            problems.append("both cert-manager.io/issuer and cert-manager.io/cluster-issuer are set")
        for other in ("issuer-group", "issuer-kind"):
            if CM + other in ann:
                problems.append(f"both cert-manager.io/cluster-issuer and cert-manager.io/{other} are set")
    if CM + "issuer-kind" in ann:
        kind = ann[CM + "issuer-kind"]
    if name is None:
        return None
    if not name:
        problems.append("the issuer name is empty")
    return {"name": name, "kind": kind or "Issuer", "group": ann.get(CM + "issuer-group") or GROUP}


def _translate(ann: dict[str, str], problems: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Certificate spec fields and annotations from the Ingress annotations (translateAnnotations)."""
    spec: dict[str, Any] = {}
    for key, field in _SPEC.items():
        raw = ann.get(CM + key)
        if raw is None:
            continue
        try:
            value = _parse(key, raw, spec)
        except ValueError as err:
            problems.append(f"{CM}{key}: {err}")
            continue
        target = spec
        *parents, leaf = field.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    annotations: dict[str, str] = {}
    if ACME + "http01-ingress-class" in ann:
        annotations[ACME + "http01-override-ingress-class"] = ann[ACME + "http01-ingress-class"]
    return spec, annotations


def _parse(key: str, raw: str, spec: dict[str, Any]) -> Any:
    if key in ("duration", "renew-before"):
        if not _GO_DURATION.match(raw):
            raise ValueError(f"{raw!r} is not a Go duration such as 2160h")
        return raw
    if key in ("renew-before-percentage", "revision-history-limit", "private-key-size"):
        if not re.fullmatch(r"[-+]?\d+", raw.strip()):
            raise ValueError(f"{raw!r} is not an integer")
        number = int(raw)
        if key == "revision-history-limit" and number < 1:
            raise ValueError("the revision history limit must be a positive number")
        if key == "private-key-size":
            algorithm = spec.get("privateKey", {}).get("algorithm", "RSA")
            if algorithm == "RSA" and not 2048 <= number <= 8192:
                raise ValueError(f"{number} is not an RSA key size (2048 to 8192)")
            if algorithm == "ECDSA" and number not in (256, 384, 521):
                raise ValueError(f"{number} is not an ECDSA key size (256, 384, 521)")
        return number
    if key == "usages":
        usages = [u.strip(" ") for u in raw.split(",")]
        bad = [u for u in usages if u not in _USAGES]
        if bad:
            raise ValueError(f"invalid key usage {bad[0]!r}")
        return usages
    if key in _CHOICES:
        if raw not in _CHOICES[key]:
            raise ValueError(f"{raw!r} is not one of {', '.join(_CHOICES[key])}")
        return raw
    if key in ("email-sans", "ip-sans", "uri-sans"):
        return raw.split(",")
    if key.startswith("subject-") and key != "subject-serialnumber":
        try:
            return next(csv.reader([raw], strict=True))
        except csv.Error as err:
            raise ValueError(f"not a comma-separated list: {err}") from None
    if key == "secret-template":
        return _secret_template(raw)
    return raw  # common-name, subject-serialnumber


def _secret_template(raw: str) -> dict[str, Any]:
    try:
        template = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON: {err.msg}") from None
    if not isinstance(template, dict) or set(template) - {"annotations", "labels"}:
        raise ValueError("only annotations and labels are allowed")
    if any(str(k).startswith(CM) for k in template.get("annotations") or {}):
        raise ValueError("the template must not set cert-manager.io/ annotations")
    return template


# --- findings --------------------------------------------------------------------------------------


def refine(ctx: FamilyContext) -> None:
    """One finding per cert-manager key, saying where it went."""
    ann = ctx.record.obj.annotations
    present = sorted(k for k in ann if k in KEYS)
    if not present:
        return
    intent = ctx.settings.extra.get(INTENT_KEY)
    own = [c for c in ctx.model.credentials.values() if ctx.ingress in c.ingresses]
    issued = [c for c in own if c.provider == "cert-manager"]
    kept = list(ctx.settings.extra.get(KEPT_KEY, []))  # ingress-shim's own Certificate, made standalone
    in_place = bool(own) and all(c.provider == "in-place" for c in own)
    targets = ", ".join([f"{c.namespace}/{c.name}" for c in issued] + kept)
    for key in present:
        info = KEYS[key]
        if info.verdict is Verdict.NO_OP:
            _report(
                ctx,
                key,
                Verdict.NO_OP,
                f"ingress-shim does not read {key} from an Ingress; nothing to carry over.",
            )
        elif not isinstance(intent, IssuanceIntent):
            _report(
                ctx,
                key,
                Verdict.NO_OP,
                f"ingress-shim ignored this Ingress (no {CM}issuer, {CM}cluster-issuer or {TLS_ACME}), so {key}"
                " had no effect.",
            )
        elif intent.problems:
            _report(
                ctx,
                key,
                Verdict.NO_OP,
                f"ingress-shim refused this Ingress ({'; '.join(intent.problems)}) and issued nothing, so"
                f" {key} had no effect.",
                action="Fix the annotation; see CERT_MANAGER_NOT_ISSUED for the secret.",
                severity=Severity.WARNING,
            )
        elif kept and not issued and key not in _ISSUER_KEYS:
            _report_carried(ctx, key, ann[key], targets)
        elif kept and not issued:
            _report(
                ctx,
                key,
                Verdict.EXACT,
                f"{key}: {ann[key]} → Certificate {targets}, the Certificate ingress-shim made, emitted as a"
                " standalone object so that it outlives the Ingress (see CERT_MANAGER_KEPT_CERTIFICATE).",
            )
        elif in_place and ctx.record.obj.namespace == ctx.options.gateway_namespace:
            _report(
                ctx,
                key,
                Verdict.EXACT,
                "The Ingress is in the gateway namespace, so ingress-shim's Certificate is already where the"
                f" gateway reads it; {key} keeps working as it is.",
            )
        elif in_place:
            _report(
                ctx,
                key,
                Verdict.NO_OP,
                f"Istio's Ingress handling read this Ingress's secret from {ctx.options.gateway_namespace}, not the"
                f" one ingress-shim issues in {ctx.record.obj.namespace}, so {key} did not affect what was served"
                " (see TLS_ISTIO_SECRET_LOCATION).",
            )
        elif not ctx.record.obj.spec.get("tls"):
            _report(
                ctx,
                key,
                Verdict.NO_OP,
                f"ingress-shim issues a Certificate per spec.tls entry and this Ingress has none, so {key} had no"
                " effect.",
            )
        elif not issued:
            namespace, name = ctx.record.obj.namespace, ctx.record.obj.name
            _report(
                ctx,
                key,
                Verdict.APPROXIMATED,
                f"No Certificate is generated from {key} (see the CERT_MANAGER_* and TLS_* findings): the"
                f" certificates ingress-shim issues in {namespace} for this Ingress are renewed only while the"
                " Ingress exists, since it owns them.",
                action="If anything still reads those secrets after the cut-over, delete the Ingress with"
                f" `kubectl delete ingress {name} -n {namespace} --cascade=orphan` so its Certificates stay and"
                " keep renewing; the Istio gateway reads its own credentials (see the TLS findings).",
                severity=Severity.WARNING,
            )
        else:
            _report_carried(ctx, key, ann[key], targets)


def _report_carried(ctx: FamilyContext, key: str, value: str, targets: str) -> None:
    short = key.rsplit("/", 1)[1]
    if key in _ISSUER_KEYS:
        verdict = Verdict.APPROXIMATED if key == CM + "issuer" else Verdict.EXACT
        text = f"{key}: {value} → issuerRef of Certificate {targets}."
        if key == CM + "issuer":
            text += " A namespaced Issuer serves only its own namespace; see CERT_MANAGER_NAMESPACED_ISSUER."
        _report(ctx, key, verdict, text)
    elif key == TLS_ACME:
        _report(
            ctx,
            key,
            Verdict.EXACT,
            f"{key}: the Certificate ingress-shim made for it is among the inputs; Certificate {targets} uses"
            " the same issuer.",
        )
    elif key == ACME + "http01-ingress-class":
        _report(
            ctx,
            key,
            Verdict.APPROXIMATED,
            f"{key}: {value} → annotation acme.cert-manager.io/http01-override-ingress-class on Certificate"
            f" {targets}: its HTTP-01 challenges are answered through ingress class {value}, which works only"
            " while that controller serves the hosts.",
            action="After cut-over, change it to a class the Istio gateway serves (see CERT_MANAGER_ACME_HTTP01).",
            severity=Severity.WARNING,
        )
    elif key == ACME + "http01-ingress-ingressclassname":
        _report(
            ctx,
            key,
            Verdict.UNSUPPORTED,
            f"{key}: {value} is not carried over: cert-manager has no Certificate annotation for it, so"
            f" Certificate {targets} uses the issuer's own HTTP-01 solver.",
            action=f"Give the issuer a solver with ingressClassName {value} for these names until cut-over,"
            " then one the Istio gateway serves (see CERT_MANAGER_ACME_HTTP01).",
        )
    elif key == ACME + "http01-edit-in-place":
        if value == "true":  # ingress-shim compares the text
            _report(
                ctx,
                key,
                Verdict.UNSUPPORTED,
                f"{key}: the HTTP-01 solver edited this Ingress itself; Certificate {targets} lives in another"
                " namespace, so the issuer's solver must create its own route instead.",
                action="Check that the issuer's HTTP-01 solver works without editing an Ingress (see"
                " CERT_MANAGER_ACME_HTTP01).",
            )
        else:
            _report(ctx, key, Verdict.NO_OP, f"{key}: {value} is off; nothing to carry over.")
    else:
        field = _SPEC[short]
        _report(ctx, key, Verdict.EXACT, f"{key}: {value} → spec.{field} of Certificate {targets}.")


def _report(
    ctx: FamilyContext,
    key: str,
    verdict: Verdict,
    message: str,
    action: str | None = None,
    severity: Severity | None = None,
) -> None:
    ctx.report(key, verdict, message, action=action, severity=severity, code=code(key))
