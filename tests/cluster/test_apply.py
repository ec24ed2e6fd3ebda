"""--apply: server-side apply against the fake API server, with its dry run, ownership and idempotence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clusterdata import ingress, install_istio, shop
from fakeapi.control import FakeApi

from kubectl_meshify.cluster.apply import ApplyResult, apply_objects
from kubectl_meshify.cluster.source import connect, discover
from kubectl_meshify.errors import ClusterError

GROUP = "networking.istio.io"


def emitted() -> list[dict[str, Any]]:
    """What a conversion of shop/web emits, in the emitter's order (not the apply order)."""
    meta = {"namespace": "shop", "labels": {"app.kubernetes.io/managed-by": "kubectl-meshify"}}
    return [
        {"apiVersion": f"{GROUP}/v1", "kind": "VirtualService", "metadata": {"name": "web", **meta},
         "spec": {"hosts": ["web.shop.example.com"], "gateways": ["shop/web"],
                  "http": [{"route": [{"destination": {"host": "web.shop.svc.cluster.local",
                                                       "subset": "v1"}}]}]}},
        {"apiVersion": f"{GROUP}/v1", "kind": "Gateway", "metadata": {"name": "web", **meta},
         "spec": {"selector": {"istio": "ingressgateway"},
                  "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                               "hosts": ["web.shop.example.com"]}]}},
        {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
         "metadata": {"name": "web", **meta},
         "spec": {"action": "ALLOW", "rules": [{"from": [{"source": {"ipBlocks": ["10.0.0.0/8"]}}]}]}},
        {"apiVersion": f"{GROUP}/v1", "kind": "DestinationRule", "metadata": {"name": "web", **meta},
         "spec": {"host": "web.shop.svc.cluster.local",
                  "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}},
        ingress("shop", "web", "web.shop.example.com"),  # --keep-ingress output: never applied
    ]  # fmt: skip


def run_apply(kubeconfig: Path, objects: list[dict[str, Any]], **kwargs: bool) -> ApplyResult:
    api = connect(str(kubeconfig), environ={})
    return apply_objects(api, discover(api), objects, **kwargs)


def stored(fake: FakeApi) -> dict[str, dict[str, Any]]:
    out = {}
    for group, resource in ((GROUP, "virtualservices"), (GROUP, "gateways"), (GROUP, "destinationrules"),
                            ("security.istio.io", "authorizationpolicies")):  # fmt: skip
        for obj in fake.objects(resource, group):
            out[f"{obj['kind']}/{obj['metadata']['namespace']}/{obj['metadata']['name']}"] = obj
    return out


def writes(fake: FakeApi) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if r["method"] in ("POST", "PUT", "PATCH", "DELETE")]


def test_apply_creates_in_a_safe_order_with_the_field_manager(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    result = run_apply(kubeconfig, emitted())
    assert [(a.kind, a.action) for a in result.applied] == [
        ("DestinationRule", "created"),
        ("Gateway", "created"),
        ("VirtualService", "created"),
        ("AuthorizationPolicy", "created"),
    ]
    assert result.skipped == ["Ingress shop/web"]
    assert str(result.applied[0]) == "destinationrule.networking.istio.io/web -n shop created"
    sent = writes(fake)
    assert [r["resource"] for r in sent] == [
        "destinationrules",
        "gateways",
        "virtualservices",
        "authorizationpolicies",
    ]
    assert all(r["method"] == "PATCH" and r["content_type"] == "application/apply-patch+yaml" for r in sent)
    assert all(r["query"] == {"fieldManager": "kubectl-meshify"} for r in sent)
    objects = stored(fake)
    assert objects["VirtualService/shop/web"]["spec"]["hosts"] == ["web.shop.example.com"]
    assert objects["VirtualService/shop/web"]["metadata"]["managedFields"][0]["manager"] == "kubectl-meshify"
    assert not any(r["resource"] == "ingresses" for r in fake.requests())  # Ingresses are never touched


def test_apply_adds_the_managed_by_label(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    unlabelled = emitted()[3]
    unlabelled["metadata"].pop("labels")
    run_apply(kubeconfig, [unlabelled])
    labels = stored(fake)["DestinationRule/shop/web"]["metadata"]["labels"]
    assert labels == {"app.kubernetes.io/managed-by": "kubectl-meshify"}


def test_apply_is_idempotent(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    run_apply(kubeconfig, emitted())
    before = {k: v["metadata"]["resourceVersion"] for k, v in stored(fake).items()}
    revision = fake.stats()["revision"]
    again = run_apply(kubeconfig, emitted())
    assert {a.action for a in again.applied} == {"unchanged"}
    assert {k: v["metadata"]["resourceVersion"] for k, v in stored(fake).items()} == before
    assert fake.stats()["revision"] == revision

    changed = emitted()
    changed[0]["spec"]["hosts"] = ["www.shop.example.com"]
    third = run_apply(kubeconfig, changed)
    assert [(a.kind, a.action) for a in third.applied if a.action != "unchanged"] == [
        ("VirtualService", "configured")
    ]
    assert stored(fake)["VirtualService/shop/web"]["spec"]["hosts"] == ["www.shop.example.com"]


def test_server_dry_run_stores_nothing_and_reports_what_the_server_said(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    before = fake.stats()
    result = run_apply(kubeconfig, emitted(), dry_run=True)
    assert [a.action for a in result.applied] == ["created"] * 4
    assert str(result.applied[2]) == "virtualservice.networking.istio.io/web -n shop created (server dry run)"
    assert all(r["query"].get("dryRun") == "All" for r in writes(fake)) and len(writes(fake)) == 4
    assert fake.stats() == before and stored(fake) == {}

    run_apply(kubeconfig, emitted())
    changed = emitted()
    changed[0]["spec"]["hosts"] = ["www.shop.example.com"]
    preview = run_apply(kubeconfig, changed, dry_run=True)
    assert [(a.kind, a.action) for a in preview.applied if a.action != "unchanged"] == [
        ("VirtualService", "configured")
    ]
    assert stored(fake)["VirtualService/shop/web"]["spec"]["hosts"] == ["web.shop.example.com"]


def test_objects_not_managed_by_the_plugin_are_not_taken_over(fake: FakeApi, kubeconfig: Path):
    install_istio(fake)
    shop(fake)
    theirs = emitted()[0]
    theirs["metadata"] = {"name": "web", "namespace": "shop"}
    theirs["spec"]["hosts"] = ["legacy.example.com"]
    fake.seed([theirs])
    with pytest.raises(ClusterError) as err:
        run_apply(kubeconfig, emitted())
    assert str(err.value) == (
        "refusing to take over 1 existing object that kubectl-meshify does not manage "
        "(app.kubernetes.io/managed-by is not kubectl-meshify): VirtualService shop/web; "
        "nothing was applied; rename them, delete them, or pass --force-conflicts to take them over"
    )
    assert writes(fake) == []
    assert stored(fake)["VirtualService/shop/web"]["spec"]["hosts"] == ["legacy.example.com"]

    result = run_apply(kubeconfig, emitted(), force_conflicts=True)
    assert ("VirtualService", "configured") in [(a.kind, a.action) for a in result.applied]
    taken = stored(fake)["VirtualService/shop/web"]
    assert taken["spec"]["hosts"] == ["web.shop.example.com"]
    assert taken["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kubectl-meshify"
    assert all(r["query"].get("force") == "true" for r in writes(fake))


def test_fields_another_manager_changed_stop_the_apply_with_the_servers_conflict(
    fake: FakeApi, kubeconfig: Path
):
    install_istio(fake)
    shop(fake)
    run_apply(kubeconfig, emitted())
    # Someone edits the generated VirtualService with another tool, through the API.
    path = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web?fieldManager=kubectl-edit"
    edit = {"spec": {"hosts": ["hand-edited.example.com"]}}
    assert fake.call("PATCH", path, edit, content_type="application/merge-patch+json")[0] == 200

    with pytest.raises(ClusterError) as err:
        run_apply(kubeconfig, emitted())
    message = str(err.value)
    assert message.startswith("apply stopped at VirtualService shop/web: conflict: cannot patch")
    assert 'conflict with "kubectl-edit"' in message and ".spec.hosts" in message
    assert "2 of 4 objects were applied before it" in message and "--force-conflicts" in message
    assert "\n" not in message


def test_apply_without_istio_or_namespace_refuses_before_writing(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    with pytest.raises(
        ClusterError, match=r"the cluster does not serve networking.istio.io/v1 \(is Istio installed\?\)"
    ):
        run_apply(kubeconfig, emitted())
    install_istio(fake)
    elsewhere = emitted()[3]
    elsewhere["metadata"]["namespace"] = "gone"
    with pytest.raises(ClusterError, match='namespace "gone" does not exist'):
        run_apply(kubeconfig, [elsewhere])
    assert writes(fake) == []
