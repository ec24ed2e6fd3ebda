"""Certificates that outlive the Ingress, in file mode through the real executable.

cert-manager's ingress-shim names each Certificate after the `spec.tls` entry's secret, puts it in the
Ingress's namespace, lists the entry's hosts as dnsNames, uses the default key usages, and makes the Ingress
its controlling owner (cert-manager pkg/controller/certificate-shim/sync.go, `buildCertificates`). Deleting
the Ingress after the cut-over deletes that Certificate. Where the secret stays in use (ssl-passthrough: the
backend; an Ingress in the gateway namespace: the Gateway server), the conversion must keep it renewed: the
same Certificate as a standalone object, or an explicit action. Never only "not carried over".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import istio_errors
from tests.test_gitops import meshify


def _ingress(
    name: str, namespace: str, host: str, secret: str, annotations: dict[str, str], cls: str = "nginx"
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {
            "ingressClassName": cls,
            "tls": [{"hosts": [host], "secretName": secret}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": {"number": 443}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


PASSTHROUGH = {"nginx.ingress.kubernetes.io/ssl-passthrough": "true"}


def _convert(tmp_path: Path, *ingresses: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump_all(ingresses, sort_keys=False))
    report = tmp_path / "report.json"
    run = meshify("file", str(source), "--report-json", str(report), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return [d for d in yaml.safe_load_all(run.stdout) if d], json.loads(report.read_text())


def _findings(report: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    [ingress] = [i for i in report["ingresses"] if i["name"] == name]
    return {f["code"]: f for f in ingress["findings"]}


def _no_bare_not_carried_over(report: dict[str, Any]) -> None:
    for ingress in report["ingresses"]:
        for finding in ingress["findings"]:
            if "not carried over" in finding["message"] and finding["code"].startswith("CERT_MANAGER"):
                assert finding["action"], finding


def test_passthrough_keeps_ingress_shims_certificate_in_the_ingress_namespace(tmp_path: Path) -> None:
    vault = _ingress(
        "vault",
        "sec",
        "vault.example.com",
        "vault-tls",
        {**PASSTHROUGH, "cert-manager.io/cluster-issuer": "letsencrypt", "cert-manager.io/duration": "2160h"},
    )
    objects, report = _convert(tmp_path, vault)
    [cert] = [o for o in objects if o["kind"] == "Certificate"]
    # What ingress-shim made: named after the secret, in the Ingress's namespace, the entry's hosts.
    assert (cert["metadata"]["namespace"], cert["metadata"]["name"]) == ("sec", "vault-tls")
    assert cert["spec"]["secretName"] == "vault-tls"
    assert cert["spec"]["dnsNames"] == ["vault.example.com"]
    assert cert["spec"]["issuerRef"] == {
        "name": "letsencrypt",
        "kind": "ClusterIssuer",
        "group": "cert-manager.io",
    }
    assert cert["spec"]["usages"] == ["digital signature", "key encipherment"]  # cmapi.DefaultKeyUsages()
    assert cert["spec"]["duration"] == "2160h"
    assert istio_errors(objects) == []  # Istio's and cert-manager's CRD schemas
    found = _findings(report, "vault")
    kept = found["CERT_MANAGER_KEPT_CERTIFICATE"]
    assert kept["verdict"] == "exact" and "the backend (ssl-passthrough)" in kept["message"]
    assert "kubectl delete ingress vault -n sec --cascade=orphan" in kept["action"]
    assert "Certificate sec/vault-tls" in found["CERT_MANAGER_CLUSTER_ISSUER"]["message"]
    assert "spec.duration of Certificate sec/vault-tls" in found["CERT_MANAGER_DURATION"]["message"]
    _no_bare_not_carried_over(report)


def test_an_ingress_in_the_gateway_namespace_keeps_its_certificate(tmp_path: Path) -> None:
    api = _ingress(
        "api", "istio-system", "api.example.com", "api-tls", {"cert-manager.io/issuer": "ca"}, cls="istio"
    )
    objects, report = _convert(tmp_path, api)
    [cert] = [o for o in objects if o["kind"] == "Certificate"]
    assert (cert["metadata"]["namespace"], cert["metadata"]["name"]) == ("istio-system", "api-tls")
    assert cert["spec"]["issuerRef"] == {"name": "ca", "kind": "Issuer", "group": "cert-manager.io"}
    [gateway] = [o for o in objects if o["kind"] == "Gateway"]
    credentials = [s["tls"]["credentialName"] for s in gateway["spec"]["servers"] if s.get("tls")]
    assert credentials == ["api-tls"]  # the Gateway reads the secret that Certificate renews
    assert istio_errors(objects) == []
    found = _findings(report, "api")
    assert (
        "the Gateway server reads secret istio-system/api-tls"
        in found["CERT_MANAGER_KEPT_CERTIFICATE"]["message"]
    )
    assert found["CERT_MANAGER_ISSUER"]["verdict"] == "exact"


def test_default_issuer_gets_an_explicit_action_instead_of_a_certificate(tmp_path: Path) -> None:
    vault = _ingress(
        "vault", "sec", "vault.example.com", "vault-tls", {**PASSTHROUGH, "kubernetes.io/tls-acme": "true"}
    )
    objects, report = _convert(tmp_path, vault)
    assert not [o for o in objects if o["kind"] == "Certificate"]
    kept = _findings(report, "vault")["CERT_MANAGER_KEPT_CERTIFICATE"]
    assert kept["verdict"] == "approximated"
    assert "kubectl delete ingress vault -n sec --cascade=orphan" in kept["action"]
    _no_bare_not_carried_over(report)


def test_unused_certificate_says_how_to_keep_renewing_it(tmp_path: Path) -> None:
    # The older Ingress's secret wins the host (ingress-nginx keeps the first certificate of a host), so the
    # newer Ingress's cert-manager secret is not served by the gateway and no Certificate is made for it.
    older = _ingress("a", "shop", "shop.example.com", "a-tls", {})
    older["metadata"]["creationTimestamp"] = "2024-01-01T00:00:00Z"
    newer = _ingress(
        "b", "shop", "shop.example.com", "b-tls", {"cert-manager.io/cluster-issuer": "letsencrypt"}
    )
    newer["metadata"]["creationTimestamp"] = "2025-01-01T00:00:00Z"
    newer["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/b"
    _, report = _convert(tmp_path, older, newer)
    issuer = _findings(report, "b")["CERT_MANAGER_CLUSTER_ISSUER"]
    assert "--cascade=orphan" in (issuer["action"] or "")
    _no_bare_not_carried_over(report)


def test_gitops_places_the_kept_certificate_where_the_ingress_was(tmp_path: Path) -> None:
    src = tmp_path / "k8s"
    src.mkdir()
    vault = _ingress(
        "vault",
        "sec",
        "vault.example.com",
        "vault-tls",
        {**PASSTHROUGH, "cert-manager.io/cluster-issuer": "le"},
    )
    (src / "vault.yaml").write_text(yaml.safe_dump(vault, sort_keys=False))
    out = tmp_path / "out"
    run = meshify("file", str(src), "--out-dir", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all((out / "vault.yaml").read_text()) if d]
    assert "Ingress" not in kinds and "Certificate" in kinds
