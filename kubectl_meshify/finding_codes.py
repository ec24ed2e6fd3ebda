"""The finding-code catalogue: every code a run can report that is not about one annotation key, with its
meaning, its default severity and the verdicts it may carry. `docs/findings.md` is generated from it:

    python -m kubectl_meshify.finding_codes [--output docs/findings.md] [--check]

`--check` writes nothing and exits 1 when the file differs from what the catalogue gives.

Annotation findings (one per key, `NGINX_<KEY>` and `CERT_MANAGER_<KEY>`) are derived from the families'
`KEYS`, so they are listed in docs/annotations.md, not here. A new code needs one `CODES` entry (in
alphabetical order); tests fail when the package emits a code missing here or the page is stale.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from kubectl_meshify.findings import Severity, Verdict

DEFAULT_OUTPUT = Path("docs") / "findings.md"

INFO, WARNING, ERROR = Severity.INFO, Severity.WARNING, Severity.ERROR
EXACT, APPROXIMATED, UNSUPPORTED = Verdict.EXACT, Verdict.APPROXIMATED, Verdict.UNSUPPORTED
NO_OP, UNKNOWN = Verdict.NO_OP, Verdict.UNKNOWN


@dataclass(frozen=True)
class Code:
    """One finding code. `verdicts` lists every verdict it may carry (a fact about the run or the
    cluster that changes no behaviour is `exact`; one the tool cannot judge from here is `unknown`)."""

    severity: Severity
    verdicts: tuple[Verdict, ...]
    meaning: str
    action: str = ""  # what to do about it: the report's action plan shows it


CODES: dict[str, Code] = {
    "ANNOTATION_IGNORED_BY_SOURCE": Code(
        INFO,
        (NO_OP,),
        "An ingress-nginx annotation on an Ingress that Istio's own Ingress controller served, which ignored it; nothing to convert.",
        action="Nothing to do; the annotation had no effect before either.",
    ),
    "APPLY_PARTIAL_LEFT_OUT": Code(
        WARNING,
        (UNSUPPORTED,),
        "`--apply` left out an Ingress converted only partially (or one sharing objects with it); apply it with --allow-partial once its findings are resolved.",
        action="Resolve the Ingress's findings, then apply it with --allow-partial.",
    ),
    "BACKEND_NAMED_PORT_UNRESOLVED": Code(
        WARNING,
        (APPROXIMATED,),
        "A backend names a Service port that no Service in the input resolves; the destination has no port, which Istio accepts only for single-port Services.",
        action="Include the Service in the input, or give the backend a port number.",
    ),
    "BACKEND_PORT_NOT_IN_SERVICE": Code(
        WARNING,
        (EXACT,),
        "A backend port the Service does not have: ingress-nginx answered 503 and the gateway does too.",
        action="Nothing changes at cut-over; fix the backend port or the Service if the 503 is not intended.",
    ),
    "BACKEND_RESOURCE": Code(
        ERROR,
        (UNSUPPORTED,),
        "A path with a resource backend (not a Service); Istio routes only to Services, so it is not converted.",
        action="Route these paths to a Service, or serve them another way, before cutting over.",
    ),
    "CANARY_AFFINITY_INHERITED": Code(
        INFO,
        (APPROXIMATED,),
        "A canary takes its primary's cookie session affinity, as ingress-nginx merges it onto the canary unless affinity-canary-behavior is legacy.",
        action="Nothing to do unless the canary should not keep sessions.",
    ),
    "CANARY_SERVICE_NOT_SERVED": Code(
        WARNING,
        (EXACT,),
        "A primary path whose Service port a canary Ingress claimed first: ingress-nginx served no location for it, so it is not converted.",
        action="Nothing changes at cut-over; give the primary path its own Service port if it should be served.",
    ),
    "CANARY_SHARED_UPSTREAM": Code(
        WARNING,
        (EXACT,),
        "A canary attaches to the primary's Service port, so it also takes traffic from the primary's other paths on that port; those routes are split the same way.",
        action="To limit a canary to its own paths, give the other paths their own Service, or delete the split routes.",
    ),
    "CANARY_TLS_IGNORED": Code(
        INFO,
        (NO_OP,),
        "spec.tls of a canary Ingress, which ingress-nginx ignored; not converted.",
        action="Nothing to do.",
    ),
    "CANARY_UPSTREAM_DELETED": Code(
        WARNING,
        (EXACT,),
        "A canary path with no primary location: ingress-nginx deleted its upstream and no request reached it; not converted.",
        action="Give each canary path a primary path with the same host, path and pathType, or remove it.",
    ),
    "CERT_MANAGER_ACME_HTTP01": Code(
        WARNING,
        (APPROXIMATED, UNKNOWN),
        "The issuer may answer ACME HTTP-01 challenges through ingress-nginx: renewals fail after cut-over unless the solver moves to the Istio gateway.",
        action="Move the issuer's HTTP-01 solver to the Istio gateway (or use DNS-01) before removing ingress-nginx.",
    ),
    "CERT_MANAGER_CERTIFICATE": Code(
        INFO,
        (EXACT,),
        "A cert-manager Certificate is generated in the gateway namespace with the same issuer and names, so the gateway's credential is issued and renewed there.",
        action="Apply the Certificate before the Gateway, and wait until it is Ready.",
    ),
    "CERT_MANAGER_DEFAULT_ISSUER": Code(
        WARNING,
        (APPROXIMATED,),
        "kubernetes.io/tls-acme uses cert-manager's default issuer, which manifests do not show; no Certificate is generated.",
        action="Write a Certificate with the default issuer in the gateway namespace.",
    ),
    "CERT_MANAGER_EDIT_IN_PLACE": Code(
        WARNING,
        (UNSUPPORTED,),
        "A Certificate solves HTTP-01 by editing an Ingress that is not in the gateway namespace; the setting is not carried over.",
        action="Solve HTTP-01 through the Istio gateway instead of editing the Ingress.",
    ),
    "CERT_MANAGER_KEPT_CERTIFICATE": Code(
        WARNING,
        (EXACT, APPROXIMATED),
        "A secret still read after the cut-over is renewed through the Certificate ingress-shim made for the Ingress, which deleting the Ingress deletes; the Certificate is emitted standalone, or the report says how to keep it.",
        action="Keep the Certificate (emitted standalone) before deleting the Ingress, as the finding says.",
    ),
    "CERT_MANAGER_KEYSTORE_SECRET": Code(
        WARNING,
        (APPROXIMATED,),
        "A Certificate writes keystores whose password secrets live in the source namespace; the copy in the gateway namespace refers to secrets of the same names there.",
        action="Create the keystore password secrets in the gateway namespace too.",
    ),
    "CERT_MANAGER_NAMESPACED_ISSUER": Code(
        WARNING,
        (APPROXIMATED,),
        "The Certificate's Issuer is namespaced: cert-manager cannot use it from the gateway namespace.",
        action="Create the Issuer in the gateway namespace as well (or use a ClusterIssuer).",
    ),
    "CERT_MANAGER_NOT_ISSUED": Code(
        WARNING,
        (APPROXIMATED,),
        "cert-manager did not issue the Ingress's TLS secret (its annotations are invalid); no Certificate is generated.",
        action="Fix the Ingress's cert-manager annotations, or provide the secret another way.",
    ),
    "CERT_MANAGER_UNKNOWN_ANNOTATION": Code(
        WARNING,
        (UNKNOWN,),
        "A key under a cert-manager prefix that kubectl-meshify does not know.",
        action="Check what the key did and carry it over by hand.",
    ),
    "DEFAULT_BACKEND": Code(
        INFO,
        (EXACT,),
        "spec.defaultBackend becomes a last route without a match, as ingress-nginx served it.",
        action="Nothing to do.",
    ),
    "DEFAULT_BACKEND_IGNORED": Code(
        INFO,
        (NO_OP,),
        "spec.defaultBackend of an Ingress Istio's own controller served, which ignored it; not converted.",
        action="Nothing to do.",
    ),
    "GATEWAY_DESTINATION_RULE": Code(
        INFO,
        (EXACT,),
        "A DestinationRule is generated in the gateway namespace for a backend's traffic policy; it takes precedence there over rules elsewhere (warning when a rule for the Service exists in the input).",
        action="If a DestinationRule for the Service already exists, copy its subsets and traffic policy into the generated one.",
    ),
    "GATEWAY_POLICY_OVERRIDDEN": Code(
        WARNING,
        (EXACT,),
        "Two Ingresses set a traffic policy for the same backend; the older Ingress's value is used, as in ingress-nginx.",
        action="Nothing changes at cut-over; align the two Ingresses' settings if the newer one was meant to win.",
    ),
    "GITOPS_EARLIER_OUTPUT": Code(
        WARNING,
        (UNKNOWN,),
        "A manifest already holds an object from an earlier kubectl-meshify run that this run writes again.",
        action="Convert the Ingresses that share a host or a namespace's Gateway in one run.",
    ),
    "HOST_MERGED": Code(
        INFO,
        (EXACT,),
        "Several Ingresses share a host; their routes are merged into one VirtualService in the order the source controller matched them.",
        action="Nothing to do.",
    ),
    "HOST_MIXED_CONTROLLERS": Code(
        WARNING,
        (UNSUPPORTED,),
        "A host is served by Ingresses of different controllers; the routes are merged with one controller's semantics.",
        action="Serve each host with one controller's Ingresses, or check the merged routes by hand.",
    ),
    "HOST_SINGLE_LABEL": Code(
        INFO,
        (EXACT,),
        "A host without a dot: istiod would expand it into a Service name, so its routes are bound through a `*` VirtualService limited to that authority.",
        action="Nothing to do.",
    ),
    "HOST_WILDCARD": Code(
        INFO,
        (EXACT, APPROXIMATED),
        "A wildcard host: Istio matches deeper subdomains too, where ingress-nginx matched one label (approximated; exact for Ingresses Istio's own controller served).",
        action="Nothing to do unless deeper subdomains must not match; then list them explicitly.",
    ),
    "INGRESS_CLASS_ASSUMED_NGINX": Code(
        INFO,
        (UNKNOWN,),
        "An Ingress class kubectl-meshify does not recognise; ingress-nginx semantics were assumed.",
        action="Check that ingress-nginx served this class; otherwise pass --ingress-class.",
    ),
    "INGRESS_CLASS_SKIPPED": Code(
        INFO,
        (NO_OP,),
        "An Ingress whose class is not among --ingress-class; not converted.",
        action="Nothing to do; pass --ingress-class to convert it.",
    ),
    "INGRESS_DUPLICATE": Code(
        WARNING,
        (NO_OP,),
        "The same Ingress appears more than once in the input; the later copy is ignored.",
        action="Remove the duplicate from the input.",
    ),
    "INGRESS_DUPLICATE_KEY": Code(
        WARNING,
        (EXACT,),
        "A key given twice in one mapping of an Ingress's YAML: the last value is used, as kubectl uses it (its"
        " decoder drops the earlier ones without a warning).",
        action="Keep one of the keys in the Ingress's YAML: the cluster has only the last value.",
    ),
    "INGRESS_INVALID": Code(
        ERROR,
        (UNSUPPORTED,),
        "An Ingress that is not valid; nothing of it is converted.",
        action="Fix the Ingress (the finding names the field), then convert again.",
    ),
    "INGRESS_NOTHING_CONVERTED": Code(
        ERROR,
        (UNSUPPORTED,),
        "No route could be generated from an Ingress.",
        action="Fix what the Ingress's other findings name, then convert again.",
    ),
    "INPUT_FILE_SKIPPED": Code(
        WARNING,
        (UNSUPPORTED, NO_OP),
        "A file of a directory walk that is not a manifest (Helm template, kustomize file or patch, a file that does not parse or holds no object) was skipped.",
        action="Render templates (helm template, kustomize build) and convert the output if they hold Ingresses.",
    ),
    "INPUT_INVALID_DOCUMENT": Code(
        WARNING,
        (NO_OP, UNSUPPORTED),
        "A document of a file that is read is not valid YAML (one of a kind the conversion does not need) or"
        " not a mapping: kubectl would stop at it; it is kept as it is (byte for byte in GitOps mode).",
        action="Fix the document: `kubectl apply -f` fails on the file too.",
    ),
    "NAMESPACE_OF_OLD_CONTROLLER": Code(
        INFO,
        (EXACT,),
        "An Ingress in the old controller's namespace: its VirtualService goes to another namespace so that removing the controller does not remove the migrated routing.",
        action="Nothing to do.",
    ),
    "NGINX_UNKNOWN_ANNOTATION": Code(
        WARNING,
        (UNKNOWN,),
        "A key under the ingress-nginx prefix that kubectl-meshify does not know.",
        action="Check what the key did and carry it over by hand.",
    ),
    "PASSTHROUGH_PATHS_DROPPED": Code(
        WARNING,
        (APPROXIMATED,),
        "A host with ssl-passthrough has paths besides `/`; over TLS nginx never saw them, and they are not routed.",
        action="Nothing changes at cut-over; remove the extra paths.",
    ),
    "PASSTHROUGH_PLAIN_HTTP": Code(
        WARNING,
        (APPROXIMATED,),
        "How plain HTTP on port 80 is handled for an ssl-passthrough host (info when it is the usual HTTPS redirect).",
        action="Check that plain-HTTP clients of the host get what they expect.",
    ),
    "PATH_REGEX_MODE": Code(
        WARNING,
        (EXACT,),
        "Another Ingress turns on regex mode for the whole host, so this Ingress's paths were matched as case-insensitive regex prefixes too; the VirtualService reproduces that.",
        action="Nothing to do.",
    ),
    "PATH_REGEX_UNSUPPORTED": Code(
        WARNING,
        (UNSUPPORTED,),
        "Paths that regex mode made PCRE and that RE2 (Envoy) cannot express; not converted.",
        action="Rewrite the paths as RE2 regular expressions, then convert again.",
    ),
    "PATH_SHADOWED": Code(
        WARNING,
        (EXACT,),
        "A path another Ingress also declares; ingress-nginx served the other one, so this one is not converted.",
        action="Nothing changes at cut-over; remove the shadowed path.",
    ),
    "PREFLIGHT_API_VERSION_NOT_SERVED": Code(
        ERROR,
        (UNKNOWN,),
        "The cluster's Istio CRDs do not serve the networking.istio.io version asked for.",
        action="Pass --api-version with a version the cluster serves, or upgrade Istio.",
    ),
    "PREFLIGHT_FORBIDDEN": Code(
        WARNING,
        (UNKNOWN,),
        "The cluster refused a read the review needs (RBAC); the review is incomplete.",
        action="Run with an identity allowed to read what the finding names, and review again.",
    ),
    "PREFLIGHT_GATEWAY": Code(
        INFO,
        (EXACT,),
        "The ingress gateway workload the generated Gateways select, and the namespace of its TLS secrets.",
        action="Nothing to do.",
    ),
    "PREFLIGHT_GATEWAY_CONFLICT": Code(
        WARNING,
        (UNKNOWN,),
        "An existing Gateway claims the same host and port on the same gateway workload; Istio would merge the servers in an undefined order.",
        action="Remove the host from one of the Gateways before applying.",
    ),
    "PREFLIGHT_GATEWAY_MISSING": Code(
        WARNING,
        (UNKNOWN,),
        "No ingress gateway workload matches the generated Gateways' selector.",
        action="Install an ingress gateway, or pass --gateway-selector for the one you run.",
    ),
    "PREFLIGHT_INJECTION": Code(
        INFO,
        (EXACT,),
        "Whether a backend namespace is in the mesh (sidecar injection, revision or ambient).",
        action="Nothing to do.",
    ),
    "PREFLIGHT_ISTIO": Code(
        INFO,
        (EXACT,),
        "The Istio CRDs are installed; the networking.istio.io versions served.",
        action="Nothing to do.",
    ),
    "PREFLIGHT_NO_ISTIO": Code(
        WARNING,
        (UNKNOWN,),
        "Istio is not installed: the conversion is printed but cannot be applied.",
        action="Install Istio before applying.",
    ),
    "PREFLIGHT_PEER_AUTH_STRICT": Code(
        WARNING,
        (UNKNOWN,),
        "Strict mTLS for backends the old controller, outside the mesh, must still reach during the move.",
        action="Make the backends' mTLS PERMISSIVE until ingress-nginx is gone.",
    ),
    "PREFLIGHT_TLS_CREDENTIAL_MISSING": Code(
        WARNING,
        (UNKNOWN,),
        "A TLS credential is not yet in the namespace where the ingress gateway reads it: HTTPS would fail.",
        action="Copy or issue the credential into the gateway namespace before moving traffic.",
    ),
    "PREFLIGHT_VIRTUALSERVICE_CONFLICT": Code(
        WARNING,
        (UNKNOWN,),
        "An existing VirtualService binds the same hosts on the same Gateway; Istio merges them in an undefined order.",
        action="Merge or remove the existing VirtualService before applying.",
    ),
    "RULE_WITHOUT_HTTP": Code(
        INFO,
        (NO_OP,),
        "A rule without http paths; nothing to route.",
        action="Nothing to do.",
    ),
    "SSL_REDIRECT_DEFAULT": Code(
        INFO,
        (EXACT,),
        "ingress-nginx redirected HTTP to HTTPS on TLS hosts by default (308); each route has a port-80 redirect twin.",
        action="Nothing to do.",
    ),
    "SSL_REDIRECT_TRAILING_SLASH": Code(
        INFO,
        (APPROXIMATED,),
        "ingress-nginx removed a trailing `/` from the HTTPS redirect target; the Istio redirect keeps it.",
        action="Nothing to do unless clients depend on the slash being removed.",
    ),
    "SUBSETS_DISCOVERED": Code(
        INFO,
        (EXACT,),
        "A Service fronts several versions of a workload; a DestinationRule with one subset per version is generated, routes still target the whole Service.",
        action="Nothing to do now; use the subsets to pin or split traffic later.",
    ),
    "SUBSETS_NO_VERSION_LABEL": Code(
        INFO,
        (EXACT,),
        "A Service fronts several workloads without a version label; no subsets are generated.",
        action="Nothing to do.",
    ),
    "TLS_CONNECTION_REUSE": Code(
        WARNING,
        (APPROXIMATED,),
        "A host lies under a wildcard served with another certificate: browsers reusing an HTTP/2 connection may be routed by the wildcard's server.",
        action="Serve the host and the wildcard with one certificate, or accept the HTTP/2 reuse risk.",
    ),
    "TLS_DEFAULT_CERTIFICATE": Code(
        WARNING,
        (EXACT, UNSUPPORTED),
        "ingress-nginx served a host with its default certificate; converted with --default-ssl-certificate, otherwise the host has no HTTPS server.",
        action="Pass --default-ssl-certificate with the secret ingress-nginx served, or give the host a secret.",
    ),
    "TLS_ISTIO_SECRET_LOCATION": Code(
        WARNING,
        (EXACT,),
        "Istio's own Ingress handling read the TLS secret from the gateway namespace, not from where cert-manager issues it; the Gateway keeps reading it there.",
        action="Nothing to do; the secret stays where the gateway reads it.",
    ),
    "TLS_NO_SECRET": Code(
        WARNING,
        (UNSUPPORTED,),
        "A spec.tls entry without secretName (the controller's default certificate); no HTTPS server is generated for its hosts.",
        action="Give the host a TLS secret, or pass --default-ssl-certificate.",
    ),
    "TLS_SECRET_CONFLICT": Code(
        WARNING,
        (APPROXIMATED,),
        "A host already has a certificate from an older Ingress; this Ingress's secret is not used.",
        action="Nothing changes at cut-over; remove the unused secret from the newer Ingress.",
    ),
    "TLS_SECRET_IN_GATEWAY_NAMESPACE": Code(
        INFO,
        (EXACT,),
        "The TLS secret already lives in the gateway namespace; the Gateway uses it as it is.",
        action="Nothing to do.",
    ),
    "TLS_SECRET_LOCATION": Code(
        WARNING,
        (APPROXIMATED,),
        "The ingress gateway reads certificates only from its own namespace: the secret must be copied there (the command is in the report).",
        action="Copy each secret into the gateway namespace (the batch script does all of them), again after each renewal.",
    ),
    "TLS_SECRET_MISSING": Code(
        WARNING,
        (APPROXIMATED,),
        "The TLS secret does not exist in the cluster: the old controller served its default certificate, and the Gateway has none either.",
        action="Create the secret (or a Certificate) before cutting over.",
    ),
    "TLS_WILDCARD_CERTIFICATE": Code(
        INFO,
        (EXACT,),
        "A host without a certificate of its own is served its one-label wildcard host's certificate, as ingress-nginx's certificate.lua does.",
        action="Nothing to do.",
    ),
    "TLS_WILDCARD_GUARD": Code(
        INFO,
        (EXACT,),
        "Istio applies a wildcard host's VirtualService to the hosts it covers on a shared server; guard routes keep each host's own routing.",
        action="Nothing to do.",
    ),
    "VERIFY_UNEXPLAINED_DIFFERENCE": Code(
        ERROR,
        (UNKNOWN,),
        "The behaviour check found requests routed differently and no finding explains why: a translation defect; the Ingress becomes partial.",
        action="Do not cut over this Ingress: report the difference (a translation defect) and route it by hand.",
    ),
}

ANNOTATION_CODES = (
    (
        "NGINX_<KEY>",
        "an ingress-nginx key without the prefix, upper case, `-` as `_` (`NGINX_REWRITE_TARGET`)",
    ),
    ("CERT_MANAGER_<KEY>", "a `cert-manager.io/` key the same way (`CERT_MANAGER_CLUSTER_ISSUER`)"),
    ("CERT_MANAGER_ACME_<KEY>", "an `acme.cert-manager.io/` key the same way"),
)


def _verdicts(code: Code) -> str:
    return ", ".join(v.value if v else "none" for v in code.verdicts)


def render() -> str:
    """The whole Markdown page."""
    lines = [
        "# Finding codes",
        "",
        "<!-- Generated by `python -m kubectl_meshify.finding_codes` from kubectl_meshify/finding_codes.py;"
        " do not edit by hand. -->",
        "",
        "Every finding in the report carries a stable `code`, so CI can gate on it (for example: fail when the"
        " JSON report holds a finding with code `VERIFY_UNEXPLAINED_DIFFERENCE`). The severity below is the"
        " usual one; the verdict is `none` for findings about the run or the cluster rather than about a"
        " converted behaviour.",
        "",
        "## Annotation codes",
        "",
        "Each annotation key gets exactly one finding; its code is derived from the key, and its verdict"
        " depends on the key and its value ([annotations.md](annotations.md) lists every ingress-nginx key):",
        "",
        *(f"- `{pattern}`: {how}" for pattern, how in ANNOTATION_CODES),
        "",
        f"## Other codes ({len(CODES)})",
        "",
        "| code | severity | verdicts | meaning | action |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in sorted(CODES):
        code = CODES[name]
        meaning = code.meaning.replace("|", "\\|")
        action = code.action.replace("|", "\\|")
        lines.append(f"| `{name}` | {code.severity.value} | {_verdicts(code)} | {meaning} | {action} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kubectl_meshify.finding_codes", description=__doc__)
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="file to write (docs/findings.md)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date")
    args = parser.parse_args(argv)
    text = render()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run python -m kubectl_meshify.finding_codes", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
