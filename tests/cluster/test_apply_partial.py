"""`--apply` applies what is ready: partial Ingresses only with `--allow-partial`; a no-op re-apply is "unchanged".

Against the fake API server process. "unchanged" follows the API server: a write that changes nothing is
skipped and keeps the object's resourceVersion (k8s.io/apiserver storage/etcd3 `GuaranteedUpdate` returns
early when the new data equals the stored data), and kubectl reports such an apply as "unchanged"
(kubectl pkg/cmd/apply/apply.go, `applyOneObject`: an empty patch prints "unchanged").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clusterdata import ingress, install_istio, service, shop
from fakeapi.control import FakeApi
from test_cluster_cli import meshify, writes

SNIPPET = {"nginx.ingress.kubernetes.io/configuration-snippet": "lua_need_request_body on;"}


def _seed(fake: FakeApi) -> None:
    """shop: `web` (ready) shares its host's VirtualService with `admin` (partial: a snippet Istio cannot
    run); `blog` is ready and on its own host. All three share the namespace's Gateway."""
    install_istio(fake)
    shop(fake, "shop")
    admin = ingress("shop", "admin", "web.shop.example.com", annotations=SNIPPET)
    admin["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/admin"
    fake.seed(
        [admin, service("shop", "blog"), ingress("shop", "blog", "blog.shop.example.com", service="blog")]
    )


def _stored(fake: FakeApi) -> dict[str, dict[str, Any]]:
    found = {}
    for resource in ("destinationrules", "gateways", "virtualservices"):
        for obj in fake.objects(resource, "networking.istio.io"):
            found[f"{obj['kind']}/{obj['metadata']['namespace']}/{obj['metadata']['name']}"] = obj
    return found


def _hosts(fake: FakeApi) -> list[str]:
    return sorted(
        h for k, o in _stored(fake).items() if k.startswith("VirtualService/") for h in o["spec"]["hosts"]
    )


def test_partial_ingresses_and_those_sharing_their_objects_are_left_out(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    _seed(fake)
    report = tmp_path / "report.json"
    run = meshify(
        "ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), "--report-json", str(report), home=tmp_path
    )
    assert run.returncode == 1, run.stderr  # asked to apply, and not everything was
    assert "not applied: Ingress shop/admin: it is partial" in run.stderr
    shared = next(
        line for line in run.stderr.splitlines() if line.startswith("not applied: Ingress shop/web: ")
    )
    assert shared.endswith("with partial Ingress shop/admin")
    assert "2 Ingresses left out of the apply" in run.stderr and "--allow-partial" in run.stderr
    # Only blog's host is routed; the Gateway (hosts and ports only) is applied for it.
    assert _hosts(fake) == ["blog.shop.example.com"]
    assert any(k.startswith("Gateway/") for k in _stored(fake))
    data = json.loads(report.read_text())
    left_out = {
        i["name"]: f
        for i in data["ingresses"]
        for f in i["findings"]
        if f["code"] == "APPLY_PARTIAL_LEFT_OUT"
    }
    assert sorted(left_out) == ["admin", "web"]
    assert left_out["admin"]["verdict"] == "unsupported" and "--allow-partial" in left_out["admin"]["action"]
    # The review on stdout is complete either way.
    assert "web.shop.example.com" in run.stdout


def test_allow_partial_applies_everything(fake: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    _seed(fake)
    run = meshify("all", "--apply", "--allow-partial", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "not applied" not in run.stderr
    assert _hosts(fake) == ["blog.shop.example.com", "web.shop.example.com"]


def test_dry_run_leaves_out_the_same_and_stores_nothing(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    _seed(fake)
    run = meshify("all", "--apply", "--dry-run", "server", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "not applied: Ingress shop/admin: it is partial" in run.stderr
    assert _stored(fake) == {}


def test_allow_partial_needs_apply(fake: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    run = meshify("ns", "shop", "--allow-partial", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert run.returncode == 2 and "error: --allow-partial needs --apply" in run.stderr


def test_reapply_reports_unchanged_and_writes_nothing_new(
    fake: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    install_istio(fake)
    shop(fake, "shop")
    first = meshify("ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert first.returncode == 0, first.stderr
    versions = {k: o["metadata"]["resourceVersion"] for k, o in _stored(fake).items()}
    for extra in ((), ("--dry-run", "server")):
        again = meshify("ns", "shop", "--apply", *extra, "--kubeconfig", str(kubeconfig), home=tmp_path)
        assert again.returncode == 0, again.stderr
        actions = [line for line in again.stderr.splitlines() if ".networking.istio.io/" in line]
        assert actions and all(" unchanged" in line for line in actions), again.stderr
        assert f"applied {len(versions)} objects: {len(versions)} unchanged" in again.stderr
        assert {k: o["metadata"]["resourceVersion"] for k, o in _stored(fake).items()} == versions
    # A changed Ingress: the dry run says "configured" and stores nothing; the apply stores it.
    fake.seed([ingress("shop", "web", "www.shop.example.com")])
    fake.clear_requests()
    preview = meshify(
        "ns", "shop", "--apply", "--dry-run", "server", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert preview.returncode == 0, preview.stderr
    assert any(" configured (server dry run)" in line for line in preview.stderr.splitlines())
    assert all(r["query"].get("dryRun") == "All" for r in writes(fake))
    assert {k: o["metadata"]["resourceVersion"] for k, o in _stored(fake).items()} == versions
