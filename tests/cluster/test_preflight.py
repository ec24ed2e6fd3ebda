"""Preflight checks against the fake API server: every finding, and the facts the conversion uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clusterdata import deployment, install_istio, namespace, secret, shop
from fakeapi.control import FakeApi

from kubectl_meshify.cluster.preflight import Overrides, Preflight, conflict_findings, run_preflight
from kubectl_meshify.cluster.source import Scope, connect, discover, read_cluster
from kubectl_meshify.findings import Finding, Severity


def preflight(kubeconfig: Path, scope: str | None = "shop", overrides: Overrides | None = None) -> Preflight:
    api = connect(str(kubeconfig), environ={})
    discovery = discover(api)
    resources, _ = read_cluster(api, Scope(scope), discovery)
    result = run_preflight(api, Scope(scope), discovery, resources, overrides or Overrides())
    assert resources.cluster_facts == result.facts
    return result


def codes(result: Preflight) -> list[str]:
    return [f.code for f in result.findings]


def only(result: Preflight, code: str) -> Finding:
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, codes(result)
    return found[0]


def test_newest_served_istio_version_is_chosen(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    result = preflight(kubeconfig)
    assert result.facts["api_version"] == "v1" and result.facts["networking_versions"] == [
        "v1",
        "v1beta1",
        "v1alpha3",
    ]
    finding = only(result, "PREFLIGHT_ISTIO")
    assert finding.severity is Severity.INFO and "emitting networking.istio.io/v1" in finding.message


def test_older_istio_serves_v1beta1(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, versions=("v1beta1", "v1alpha3"))
    shop(fake)
    assert preflight(kubeconfig).facts["api_version"] == "v1beta1"


def test_requested_version_that_is_not_served_is_an_error_finding(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, versions=("v1beta1", "v1alpha3"))
    shop(fake)
    result = preflight(kubeconfig, overrides=Overrides(api_version="v1"))
    assert result.facts["api_version"] == "v1"
    finding = only(result, "PREFLIGHT_API_VERSION_NOT_SERVED")
    assert finding.severity is Severity.ERROR and "(served: v1beta1, v1alpha3)" in finding.message


def test_no_istio_is_a_clear_finding(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    result = preflight(kubeconfig)
    finding = only(result, "PREFLIGHT_NO_ISTIO")
    assert finding.severity is Severity.WARNING and "Istio is not installed" in finding.message
    assert result.facts["istio_installed"] is False and result.facts["api_version"] is None
    assert "PREFLIGHT_PEER_AUTH_STRICT" not in codes(result)


def test_istioctl_gateway_is_discovered(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    result = preflight(kubeconfig)
    assert result.facts["gateway_namespace"] == "istio-system"
    assert result.facts["gateway_selector"] == {"istio": "ingressgateway"}
    assert "Deployment istio-system/istio-ingressgateway" in only(result, "PREFLIGHT_GATEWAY").message
    selectors = [r["query"].get("labelSelector") for r in fake.requests() if r["resource"] == "deployments"]
    assert "istio in (ingressgateway,ingress)" in selectors


def test_helm_gateway_is_discovered_with_its_namespace_and_label(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, gateway_label="ingress", gateway_namespace="istio-ingress")
    shop(fake)
    result = preflight(kubeconfig)
    assert result.facts["gateway_namespace"] == "istio-ingress"
    assert result.facts["gateway_selector"] == {"istio": "ingress"}


def test_gateway_pods_are_found_when_no_deployment_is_labelled(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, gateway_label=None)
    shop(fake)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gw-abc", "namespace": "edge",
           "labels": {"istio": "ingressgateway"}}, "spec": {"containers": []}}  # fmt: skip
    fake.seed([pod])
    result = preflight(kubeconfig)
    assert result.facts["gateway_namespace"] == "edge"
    assert "Pod edge/gw-abc" in only(result, "PREFLIGHT_GATEWAY").message


def test_missing_gateway_is_a_warning_with_defaults(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, gateway_label=None)
    shop(fake)
    result = preflight(kubeconfig)
    finding = only(result, "PREFLIGHT_GATEWAY_MISSING")
    assert finding.severity is Severity.WARNING and "no ingress gateway workload found" in finding.message
    assert result.facts["gateway_namespace"] == "istio-system"
    assert result.facts["gateway_selector"] == {"istio": "ingressgateway"}


def test_user_given_gateway_wins_and_a_mismatch_is_reported(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    result = preflight(
        kubeconfig, overrides=Overrides(gateway_namespace="edge", gateway_selector={"app": "edge"})
    )
    assert result.facts["gateway_namespace"] == "edge" and result.facts["gateway_selector"] == {"app": "edge"}
    assert "app=edge in edge" in only(result, "PREFLIGHT_GATEWAY_MISSING").message


def test_forbidden_gateway_lookup_becomes_a_finding(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    fake.faults(
        {
            "status": 403,
            "verb": "list",
            "resource": "deployments",
            "namespace": None,
            "path": "^/apis/apps/v1/deployments$",
        }
    )
    result = preflight(kubeconfig)
    assert "cannot list deployments.apps in all namespaces" in only(result, "PREFLIGHT_FORBIDDEN").message
    assert "PREFLIGHT_GATEWAY_MISSING" not in codes(result)


def test_tls_secrets_of_the_gateway_and_ingress_namespaces_are_facts(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake, tls=True)
    fake.seed([secret("istio-system", "shop-web-tls"), secret("shop", "web-tls"), secret("blog", "other")])
    result = preflight(kubeconfig)
    assert result.facts["tls_secrets"] == {"istio-system": ["shop-web-tls"], "shop": ["web-tls"]}
    assert not [
        c for c in codes(result) if "TLS" in c or "FORBIDDEN" in c
    ]  # facts only; see test_tls_cluster
    # Metadata-only lists, one per namespace: no response ever carried secret data.
    secret_requests = [r for r in fake.requests() if r["resource"] == "secrets"]
    assert sorted(r["namespace"] for r in secret_requests) == ["istio-system", "shop"]
    assert {r["response_kind"] for r in secret_requests} == {"PartialObjectMetadataList"}
    assert all("PartialObjectMetadataList" in r["accept"] for r in secret_requests)


def test_forbidden_secret_list_leaves_existence_unknown(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake, tls=True)
    fake.faults({"status": 403, "verb": "list", "resource": "secrets"})
    result = preflight(kubeconfig)
    assert "tls_secrets" not in result.facts
    assert "Which TLS secrets exist was not checked." in only(result, "PREFLIGHT_FORBIDDEN").message


def injection_of(fake: FakeApi, kubeconfig: Path, **labels: str) -> Finding:
    install_istio(fake)
    fake.seed([namespace("shop", **labels)])
    shop(fake)
    return only(preflight(kubeconfig), "PREFLIGHT_INJECTION")


def test_injection_labels_are_reported(fake: FakeApi, kubeconfig: Path):
    assert (
        "sidecar injection enabled"
        in injection_of(fake, kubeconfig, **{"istio-injection": "enabled"}).message
    )
    fake.reset()
    assert "revision canary" in injection_of(fake, kubeconfig, **{"istio.io/rev": "canary"}).message
    fake.reset()
    assert "ambient mode" in injection_of(fake, kubeconfig, **{"istio.io/dataplane-mode": "ambient"}).message
    fake.reset()
    finding = injection_of(fake, kubeconfig)
    assert "is not in the mesh" in finding.message and finding.action is not None
    assert "kubectl label namespace shop istio-injection=enabled" in finding.action


def peer_auth(name: str, ns: str, mode: str, selector: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"mtls": {"mode": mode}}
    if selector:
        spec["selector"] = {"matchLabels": selector}
    return {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}  # fmt: skip


def test_strict_mtls_mesh_wide_warns_about_the_old_controller(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    fake.seed([peer_auth("default", "istio-system", "STRICT")])
    finding = only(preflight(kubeconfig), "PREFLIGHT_PEER_AUTH_STRICT")
    assert finding.severity is Severity.WARNING
    assert (
        "mTLS is STRICT for namespace shop (PeerAuthentication istio-system/default (mesh-wide))"
        in finding.message
    )
    assert "old ingress controller" in finding.message


def test_namespace_permissive_overrides_mesh_strict(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    fake.seed([peer_auth("default", "istio-system", "STRICT"), peer_auth("default", "shop", "PERMISSIVE")])
    assert "PREFLIGHT_PEER_AUTH_STRICT" not in codes(preflight(kubeconfig))


def test_workload_strict_mtls_is_reported(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    fake.seed([peer_auth("web-strict", "shop", "STRICT", {"app": "web"})])
    assert (
        "PeerAuthentication shop/web-strict"
        in only(preflight(kubeconfig, None), "PREFLIGHT_PEER_AUTH_STRICT").message
    )


def istio_object(
    kind: str, ns: str, name: str, spec: dict[str, Any], managed: bool = False
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if managed:
        meta["labels"] = {"app.kubernetes.io/managed-by": "kubectl-meshify"}
    return {"apiVersion": "networking.istio.io/v1", "kind": kind, "metadata": meta, "spec": spec}


GATEWAY_SPEC = {
    "selector": {"istio": "ingressgateway"},
    "servers": [
        {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["*/web.shop.example.com"]}
    ],
}


def test_existing_virtual_service_and_gateway_claiming_the_host_are_conflicts(
    fake: FakeApi, kubeconfig: Path
):
    install_istio(fake)
    shop(fake)
    vs_spec = {"hosts": ["web.shop.example.com"], "gateways": ["istio-system/public"]}
    fake.seed(
        [
            istio_object("VirtualService", "legacy", "old-web", vs_spec),
            istio_object("Gateway", "istio-system", "public", {**GATEWAY_SPEC, "servers": [
                {"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                 "hosts": ["*.shop.example.com"]}]}),
            istio_object("VirtualService", "shop", "web", vs_spec, managed=True),  # applied by an earlier run
        ]
    )  # fmt: skip
    result = preflight(kubeconfig)
    emitted = [
        istio_object("VirtualService", "shop", "web", vs_spec),
        istio_object("Gateway", "istio-system", "shop-gateway", GATEWAY_SPEC),
    ]
    findings = conflict_findings(result.facts, emitted)
    assert [f.code for f in findings] == ["PREFLIGHT_VIRTUALSERVICE_CONFLICT", "PREFLIGHT_GATEWAY_CONFLICT"]
    assert (
        "VirtualService legacy/old-web already binds web.shop.example.com on gateway istio-system/public"
        in (findings[0].message)
    )
    assert (
        "Gateway istio-system/public already claims web.shop.example.com on port 443" in findings[1].message
    )
    # Different host, port or gateway workload: no conflict.
    elsewhere = {**GATEWAY_SPEC, "selector": {"istio": "other"}}
    assert conflict_findings(result.facts, [istio_object("Gateway", "istio-system", "x", elsewhere)]) == []
    other_host = {"hosts": ["api.example.com"], "gateways": ["istio-system/public"]}
    assert conflict_findings(result.facts, [istio_object("VirtualService", "shop", "api", other_host)]) == []
    # A wildcard host of a live VirtualService covers the emitted host.
    wildcard = {"hosts": ["*.shop.example.com"], "gateways": ["istio-system/public"]}
    facts = {
        **result.facts,
        "existing_istio": {"VirtualService": [istio_object("VirtualService", "x", "w", wildcard)]},
    }
    found = conflict_findings(facts, [istio_object("VirtualService", "shop", "web", vs_spec)])
    assert [f.message.split(" already")[0] for f in found] == ["VirtualService x/w"]


def test_all_namespaces_preflight_uses_cluster_wide_lists(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake, "shop", tls=True)
    shop(fake, "blog", tls=True)
    fake.seed([deployment("shop", "x", {"app": "x"})])
    result = preflight(kubeconfig, scope=None)
    assert result.facts["tls_secrets"] == {"blog": [], "istio-system": [], "shop": []}
    assert [f.message.split()[1] for f in result.findings if f.code == "PREFLIGHT_INJECTION"] == [
        "blog",
        "shop",
    ]
    secret_paths = {r["path"] for r in fake.requests() if r["resource"] == "secrets"}
    assert secret_paths == {"/api/v1/secrets"}
