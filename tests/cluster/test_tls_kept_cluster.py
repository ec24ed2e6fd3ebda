"""Certificates that outlive the Ingress, in cluster mode against the fake API server.

The cluster holds ingress-shim's Certificate for an ssl-passthrough Ingress: named after the secret, in the
Ingress's namespace, controlled by the Ingress (cert-manager pkg/controller/certificate-shim/sync.go,
`buildCertificates`, `metav1.NewControllerRef`). The conversion emits it as a standalone object; `--apply`
does not take the live one over (it already is that object) unless --force-conflicts, and says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clusterdata import ingress, install_istio, service
from fakeapi.control import FakeApi
from test_cluster_cli import documents, meshify, writes

from tests.conftest import istio_errors

ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/ssl-passthrough": "true",
    "cert-manager.io/cluster-issuer": "letsencrypt",
}


def _seed(fake: FakeApi) -> None:
    install_istio(fake, cert_manager=True)
    fake.seed(
        [
            service("sec", "vault"),
            ingress("sec", "vault", "vault.example.com", "vault", "vault-tls", ANNOTATIONS),
        ]
    )
    [live] = [i for i in fake.objects("ingresses", "networking.k8s.io") if i["metadata"]["name"] == "vault"]
    owner = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "name": "vault",
        "uid": live["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    fake.seed(
        [
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "Certificate",
                "metadata": {"name": "vault-tls", "namespace": "sec", "ownerReferences": [owner]},
                "spec": {
                    "secretName": "vault-tls",
                    "dnsNames": ["vault.example.com"],
                    "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
                    "usages": ["digital signature", "key encipherment"],
                },
            }
        ]
    )


def _certificate(fake: FakeApi) -> dict[str, Any]:
    [cert] = fake.objects("certificates", "cert-manager.io", "sec")
    return cert


def test_review_emits_the_live_certificate_as_a_standalone_object(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
):
    _seed(fake)
    report = tmp_path / "report.json"
    run = meshify("ns", "sec", "--kubeconfig", str(kubeconfig), "--report-json", str(report), home=tmp_path)
    assert run.returncode == 0, run.stderr
    objects = documents(run.stdout)
    [cert] = [o for o in objects if o["kind"] == "Certificate"]
    assert (cert["metadata"]["namespace"], cert["metadata"]["name"]) == ("sec", "vault-tls")
    assert "ownerReferences" not in cert["metadata"]  # standalone: nothing deletes it with the Ingress
    assert cert["spec"]["issuerRef"]["name"] == "letsencrypt"
    assert istio_errors(objects) == []
    codes = {f["code"]: f for i in json.loads(report.read_text())["ingresses"] for f in i["findings"]}
    assert "--cascade=orphan" in codes["CERT_MANAGER_KEPT_CERTIFICATE"]["action"]


def test_apply_leaves_ingress_shims_certificate_alone_and_says_so(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
):
    _seed(fake)
    before = _certificate(fake)
    fake.clear_requests()
    run = meshify("ns", "sec", "--apply", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "kept: Certificate sec/vault-tls (owned by Ingress sec/vault)" in run.stderr
    assert not [r for r in writes(fake) if r["resource"] == "certificates"]
    assert _certificate(fake)["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert any(r["resource"] == "virtualservices" for r in writes(fake))  # the rest is applied

    forced = meshify(
        "ns", "sec", "--apply", "--force-conflicts", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    taken = _certificate(fake)
    assert taken["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-meshify"
