"""The fake API server behaves like kube-apiserver where kubectl-meshify and kubectl depend on it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clusterdata import install_istio, secret, service
from fakeapi.control import FakeApi, FakeApiProcess

METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


def vs(name: str, hosts: list[str], namespace: str = "shop", version: str = "v1") -> dict[str, Any]:
    return {
        "apiVersion": f"networking.istio.io/{version}",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"hosts": hosts},
    }


VS_PATH = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices"


def test_discovery_lists_builtin_groups_and_the_versions_crds_serve(fake: FakeApi):
    _, groups = fake.call("GET", "/apis")
    names = [g["name"] for g in groups["groups"]]
    assert names == ["apps", "networking.k8s.io", "apiextensions.k8s.io"]
    install_istio(fake, versions=("v1beta1", "v1alpha3"))
    _, groups = fake.call("GET", "/apis")
    istio = next(g for g in groups["groups"] if g["name"] == "networking.istio.io")
    assert [v["version"] for v in istio["versions"]] == ["v1beta1", "v1alpha3"]
    assert istio["preferredVersion"]["version"] == "v1beta1"
    status, resources = fake.call("GET", "/apis/networking.istio.io/v1beta1")
    assert status == 200 and "virtualservices" in {r["name"] for r in resources["resources"]}
    assert fake.call("GET", "/apis/networking.istio.io/v1")[0] == 404
    assert fake.call("GET", "/api")[1]["versions"] == ["v1"]
    assert fake.call("GET", "/version")[1]["major"] == "1"
    _, crds = fake.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
    assert "virtualservices.networking.istio.io" in {c["metadata"]["name"] for c in crds["items"]}


def test_requests_without_the_token_get_a_401_status(fake: FakeApi):
    status, body = fake.call("GET", "/api/v1/namespaces", token="wrong")
    assert status == 401
    assert body["kind"] == "Status" and body["reason"] == "Unauthorized" and body["code"] == 401


def test_list_paginates_in_key_order_with_limit_and_continue(fake: FakeApi):
    fake.seed([service(f"ns{i % 3}", f"svc{i:02d}") for i in range(7)])
    seen, token, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&continue={token}" if token else "")
        status, page = fake.call("GET", "/api/v1/services" + query)
        assert status == 200 and page["kind"] == "ServiceList"
        pages += 1
        seen += [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in page["items"]]
        assert all(
            "kind" not in i and "apiVersion" not in i for i in page["items"]
        )  # as the API server sends them
        token = page["metadata"].get("continue")
        if not token:
            break
        assert page["metadata"]["remainingItemCount"] == 7 - len(seen)
    assert pages == 3 and seen == sorted(seen) and len(seen) == 7
    assert fake.call("GET", "/api/v1/services?limit=3&continue=garbage")[0] == 400


def test_label_selectors_filter_lists(fake: FakeApi):
    fake.seed([service("a", "web"), service("a", "api"), service("b", "web")])
    _, page = fake.call("GET", "/api/v1/services?labelSelector=app%3Dweb")
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in page["items"]] == [
        ("a", "web"),
        ("b", "web"),
    ]
    _, page = fake.call("GET", "/api/v1/namespaces/a/services?labelSelector=app+in+(api,x)")
    assert [i["metadata"]["name"] for i in page["items"]] == ["api"]
    _, page = fake.call("GET", "/api/v1/services?labelSelector=app!%3Dweb,!version")
    assert [i["metadata"]["name"] for i in page["items"]] == ["api"]


def test_create_is_201_then_409_already_exists_and_404_without_the_namespace(fake: FakeApi):
    install_istio(fake)
    fake.seed([service("shop")])
    status, created = fake.call("POST", VS_PATH, vs("web", ["a.example.com"]))
    assert status == 201 and created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    status, body = fake.call("POST", VS_PATH, vs("web", ["a.example.com"]))
    assert (status, body["reason"], body["kind"]) == (409, "AlreadyExists", "Status")
    assert body["message"] == 'virtualservices.networking.istio.io "web" already exists'
    path = "/apis/networking.istio.io/v1/namespaces/nowhere/virtualservices"
    status, body = fake.call("POST", path, vs("web", ["a"], namespace="nowhere"))
    assert (status, body["message"]) == (404, 'namespaces "nowhere" not found')
    status, body = fake.call("GET", VS_PATH + "/missing")
    assert (status, body["reason"]) == (404, "NotFound")


def test_custom_resources_are_served_in_every_version_the_crd_serves(fake: FakeApi):
    install_istio(fake)
    fake.seed([service("shop")])
    fake.call("POST", VS_PATH, vs("web", ["a.example.com"]))
    _, old = fake.call("GET", "/apis/networking.istio.io/v1alpha3/namespaces/shop/virtualservices/web")
    assert old["apiVersion"] == "networking.istio.io/v1alpha3" and old["spec"]["hosts"] == ["a.example.com"]
    _, page = fake.call("GET", "/apis/networking.istio.io/v1beta1/virtualservices")
    assert page["items"][0]["kind"] == "VirtualService"  # custom resource lists keep TypeMeta


def apply(fake: FakeApi, body: dict[str, Any], query: str) -> tuple[int, dict[str, Any]]:
    name = body["metadata"]["name"]
    return fake.call("PATCH", f"{VS_PATH}/{name}?{query}", body, "application/apply-patch+yaml")


def test_server_side_apply_creates_updates_and_refuses_other_managers_fields(fake: FakeApi):
    install_istio(fake)
    fake.seed([service("shop")])
    status, first = apply(fake, vs("web", ["a.example.com"]), "fieldManager=kubectl-meshify")
    assert status == 201
    assert [m["manager"] for m in first["metadata"]["managedFields"]] == ["kubectl-meshify"]
    assert first["metadata"]["managedFields"][0]["fieldsV1"] == {"f:spec": {"f:hosts": {}}}
    status, again = apply(fake, vs("web", ["a.example.com"]), "fieldManager=kubectl-meshify")
    assert status == 200 and again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]

    status, body = apply(fake, vs("web", ["b.example.com"]), "fieldManager=someone-else")
    assert (status, body["reason"]) == (409, "Conflict")
    assert body["details"]["causes"][0]["field"] == ".spec.hosts"
    assert 'conflict with "kubectl-meshify"' in body["message"]
    status, forced = apply(fake, vs("web", ["b.example.com"]), "fieldManager=someone-else&force=true")
    assert status == 200 and forced["spec"]["hosts"] == ["b.example.com"]
    assert [m["manager"] for m in forced["metadata"]["managedFields"]] == ["someone-else"]
    assert apply(fake, vs("web", ["c"]), "")[0] == 400  # fieldManager is required


def test_dry_run_all_answers_like_a_write_and_stores_nothing(fake: FakeApi):
    install_istio(fake)
    fake.seed([service("shop")])
    before = fake.stats()
    status, body = apply(fake, vs("web", ["a.example.com"]), "fieldManager=m&dryRun=All")
    assert status == 201 and body["spec"]["hosts"] == ["a.example.com"]
    status, body = fake.call("POST", VS_PATH + "?dryRun=All", vs("api", ["b"]))
    assert status == 201
    assert fake.stats() == before
    assert fake.objects("virtualservices", "networking.istio.io") == []
    assert fake.call("POST", VS_PATH + "?dryRun=Yes", vs("api", ["b"]))[0] == 400


def test_metadata_only_responses_never_carry_secret_data(fake: FakeApi):
    fake.seed([secret("istio-system", "web-tls")])
    path = "/api/v1/namespaces/istio-system/secrets"
    _, page = fake.call("GET", path, accept=METADATA_LIST)
    assert page["kind"] == "PartialObjectMetadataList"
    assert page["items"][0]["metadata"]["name"] == "web-tls" and "data" not in page["items"][0]
    _, one = fake.call("GET", path + "/web-tls", accept=METADATA)
    assert one["kind"] == "PartialObjectMetadata" and "data" not in one
    _, full = fake.call("GET", path + "/web-tls")
    assert full["kind"] == "Secret" and "tls.key" in full["data"]
    kinds = [r["response_kind"] for r in fake.requests()]
    assert kinds == ["PartialObjectMetadataList", "PartialObjectMetadata", "Secret"]
    assert fake.call("GET", path, accept="application/json;as=Table;v=v1;g=meta.k8s.io")[0] == 406


def test_faults_match_verb_and_resource_and_can_be_transient(fake: FakeApi):
    fake.faults(
        {"status": 403, "verb": "list", "resource": "secrets"},
        {"status": 503, "resource": "services", "times": 2},
    )
    status, body = fake.call("GET", "/api/v1/namespaces/shop/secrets")
    assert status == 403 and body["reason"] == "Forbidden"
    assert 'cannot list resource "secrets" in API group "" in the namespace "shop"' in body["message"]
    assert fake.call("GET", "/api/v1/namespaces/shop/secrets/x")[0] == 404  # get is allowed
    assert [fake.call("GET", "/api/v1/services")[0] for _ in range(3)] == [503, 503, 200]


@pytest.mark.skipif(not Path("/usr/bin/kubectl").exists(), reason="kubectl is not installed")
def test_kubectl_lists_ingresses_and_applies_against_the_fake(tls_server: FakeApiProcess, tmp_path: Path):
    from clusterdata import ingress

    tls_server.api.reset()
    install_istio(tls_server.api)
    tls_server.api.seed([ingress("shop", "web", "a.example.com"), ingress("team", "api", "b.example.com")])
    kubeconfig = tls_server.write_kubeconfig(tmp_path / "kubeconfig")
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], "KUBECONFIG": str(kubeconfig)}
    result = subprocess.run(
        ["/usr/bin/kubectl", "get", "ingress", "-A", "-o", "json"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("shop", "web"),
        ("team", "api"),
    ]
    assert listed["items"][0]["kind"] == "Ingress"
    manifest = json.dumps(vs("web", ["a.example.com"]))
    result = subprocess.run(
        ["/usr/bin/kubectl", "apply", "--server-side", "--validate=false", "-f", "-"],
        input=manifest,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "virtualservice.networking.istio.io/web serverside-applied" in result.stdout
    stored = tls_server.api.objects("virtualservices", "networking.istio.io")
    assert [m["manager"] for m in stored[0]["metadata"]["managedFields"]] == ["kubectl"]
