"""TLS in cluster mode against the fake API server: Certificates and issuers read from the cluster, which
credentials already exist (metadata only), `--apply` writing the Certificate first, and no request that
ever returns Secret data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clusterdata import ingress, install_istio, secret, shop
from fakeapi.control import FakeApi
from test_cluster_cli import documents, meshify, writes

from tests.conftest import istio_errors

SECRET_DATA = ("Q0VSVElGSUNBVEU=", "UFJJVkFURSBLRVk=")  # what clusterdata.secret() stores

LETSENCRYPT = {
    "apiVersion": "cert-manager.io/v1",
    "kind": "ClusterIssuer",
    "metadata": {"name": "letsencrypt"},
    "spec": {
        "acme": {
            "server": "https://acme-v02.api.letsencrypt.org/directory",
            "privateKeySecretRef": {"name": "letsencrypt-account"},
            "solvers": [{"http01": {"ingress": {"class": "nginx"}}}],
        }
    },
}


def certificate(namespace: str, name: str, secret_name: str, hosts: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "secretName": secret_name,
            "dnsNames": hosts,
            "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
        },
    }


def run(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path, *args: str
) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    report, markdown = tmp_path / "report.json", tmp_path / "report.md"
    result = meshify(
        *args,
        "--kubeconfig",
        str(kubeconfig),
        "--report-json",
        str(report),
        "--report",
        str(markdown),
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    for text in (result.stdout, result.stderr, report.read_text(), markdown.read_text()):
        assert not any(data in text for data in SECRET_DATA)
    return documents(result.stdout), json.loads(report.read_text()), result.stderr


def findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for i in report["ingresses"] for f in i["findings"]}


def test_certificate_and_issuer_read_from_the_cluster(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    install_istio(fake, cert_manager=True)
    shop(fake, tls=True)  # Ingress shop/web, secret web-tls, host web.shop.example.com
    fake.seed(
        [
            LETSENCRYPT,
            certificate("shop", "web", "web-tls", ["web.shop.example.com"]),
            secret("shop", "web-tls"),
        ]
    )
    objects, report, stderr = run(fake, kubeconfig, tmp_path, "ns", "shop")
    [cert] = [o for o in objects if o["kind"] == "Certificate"]
    assert cert["metadata"]["namespace"] == "istio-system" and cert["metadata"]["name"] == "shop-web-tls"
    assert cert["spec"]["secretName"] == "shop-web-tls"
    assert cert["spec"]["issuerRef"]["name"] == "letsencrypt" and cert["spec"]["dnsNames"] == [
        "web.shop.example.com"
    ]
    assert istio_errors(objects) == []
    [credential] = report["summary"]["credentials"]
    assert credential["provider"] == "cert-manager" and credential["present"] is False
    # The ClusterIssuer came from the cluster too: the HTTP-01 warning names its solver.
    assert "through an Ingress (class nginx)" in findings(report)["CERT_MANAGER_ACME_HTTP01"]["message"]
    missing = [f for f in report["findings"] if f["code"] == "PREFLIGHT_TLS_CREDENTIAL_MISSING"]
    assert [f["action"] for f in missing] == [
        "apply Certificate istio-system/shop-web-tls first (--apply does) and wait until it is Ready"
    ]
    assert 'TLS credential "shop-web-tls" for web.shop.example.com is not in namespace istio-system' in stderr


def test_credentials_that_exist_are_reported_present(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    install_istio(fake)
    shop(fake, tls=True)
    fake.seed([secret("shop", "web-tls"), secret("istio-system", "shop-web-tls")])
    _, report, stderr = run(fake, kubeconfig, tmp_path, "ns", "shop")
    [credential] = report["summary"]["credentials"]
    assert credential["provider"] == "copy" and credential["present"] is True
    location = findings(report)["TLS_SECRET_LOCATION"]
    assert "(istio-system/shop-web-tls exists already)" in location["message"]
    assert "does not follow renewals" in location["action"]
    assert "PREFLIGHT_TLS_CREDENTIAL_MISSING" not in stderr
    markdown = (tmp_path / "report.md").read_text()
    assert (
        "| `shop-web-tls` | `web.shop.example.com` | shop/web-tls | a copy (command below) | shop/meshify | yes |"
        in markdown
    )


def test_secret_missing_everywhere(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    install_istio(fake)
    shop(fake, tls=True)
    _, report, _ = run(fake, kubeconfig, tmp_path, "ns", "shop")
    missing = findings(report)["TLS_SECRET_MISSING"]
    assert (
        "Secret shop/web-tls does not exist (cluster preflight), nor istio-system/shop-web-tls"
        in missing["message"]
    )
    assert missing["action"].endswith(
        "kubectl create secret tls shop-web-tls -n istio-system --cert=tls.crt --key=tls.key"
    )


def test_apply_writes_the_certificate_first(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    install_istio(fake, cert_manager=True)
    shop(fake)
    fake.seed(
        [
            ingress(
                "shop",
                "secure",
                "secure.shop.example.com",
                tls_secret="secure-tls",
                annotations={
                    "cert-manager.io/cluster-issuer": "letsencrypt",
                    "cert-manager.io/duration": "2160h",
                },
            ),
            secret("shop", "secure-tls"),
        ]
    )
    objects, _, stderr = run(fake, kubeconfig, tmp_path, "ns", "shop", "--apply")
    [stored] = fake.objects("certificates", "cert-manager.io", "istio-system")
    assert stored["metadata"]["name"] == "shop-secure-tls"
    assert stored["spec"]["secretName"] == "shop-secure-tls" and stored["spec"]["duration"] == "2160h"
    assert stored["spec"]["issuerRef"] == {
        "name": "letsencrypt",
        "kind": "ClusterIssuer",
        "group": "cert-manager.io",
    }
    assert "certificate.cert-manager.io/shop-secure-tls -n istio-system created" in stderr
    written = [r["resource"] for r in writes(fake)]
    assert written[0] == "certificates" and written.count("certificates") == 1
    assert written.index("gateways") > 0 and written.index("virtualservices") > 0
    assert [o["kind"] for o in objects][0] == "Certificate"


def test_no_request_ever_returns_secret_data(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    """A whole review and apply of every namespace, with TLS secrets everywhere: every request about
    Secrets asks for and gets metadata only, and nothing is ever written to a Secret."""
    install_istio(fake, cert_manager=True)
    shop(fake, tls=True)
    shop(fake, "blog", tls=True)
    fake.seed(
        [
            LETSENCRYPT,
            certificate("blog", "web", "web-tls", ["web.blog.example.com"]),
            secret("shop", "web-tls"),
            secret("blog", "web-tls"),
            secret("istio-system", "shop-web-tls"),
        ]
    )
    run(fake, kubeconfig, tmp_path, "all")
    run(fake, kubeconfig, tmp_path, "ns", "shop", "--apply")
    requests = fake.requests()
    about_secrets = [r for r in requests if r["resource"] == "secrets"]
    assert about_secrets, "the preflight looks secrets up"
    for request in about_secrets:
        assert request["method"] == "GET" and request["status"] == 200, request
        assert request["response_kind"] in ("PartialObjectMetadataList", "PartialObjectMetadata"), request
        assert "as=PartialObjectMetadata" in request["accept"], request
    assert {r["response_kind"] for r in requests if r["resource"] != "secrets"}.isdisjoint(
        {"Secret", "SecretList"}
    )
