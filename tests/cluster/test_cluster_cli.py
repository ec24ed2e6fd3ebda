"""`kubectl meshify ns NAMESPACE` and `kubectl meshify all`, run as a process against the fake API server."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from clusterdata import ingress, install_istio, namespace, secret, shop
from fakeapi.control import FakeApi, FakeApiProcess
from plugin_env import pythonpath

from tests.conftest import istio_errors

ROOT = Path(__file__).resolve().parents[2]


def meshify(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": pythonpath(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


def documents(stream: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(stream) if d]


def writes(fake: FakeApi) -> list[dict[str, Any]]:
    return [r for r in fake.requests() if r["method"] != "GET"]


@pytest.fixture
def cluster(fake: FakeApi) -> FakeApi:
    """Istio (istioctl install), two namespaces with one app each, shop with TLS."""
    install_istio(fake)
    fake.seed([namespace("shop", **{"istio-injection": "enabled"}), secret("istio-system", "web-tls")])
    shop(fake, "shop", tls=True)
    shop(fake, "blog")
    return fake


def test_ns_prints_valid_istio_yaml_and_changes_nothing(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    result = meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    objects = documents(result.stdout)
    kinds = sorted({o["kind"] for o in objects})
    assert kinds == ["DestinationRule", "Gateway", "VirtualService"]
    assert {o["metadata"]["namespace"] for o in objects if o["kind"] == "VirtualService"} == {"shop"}
    vs = next(o for o in objects if o["kind"] == "VirtualService")
    assert vs["apiVersion"] == "networking.istio.io/v1" and vs["spec"]["hosts"] == ["web.shop.example.com"]
    gateway = next(o for o in objects if o["kind"] == "Gateway")
    assert gateway["spec"]["selector"] == {"istio": "ingressgateway"}
    assert istio_errors(objects) == []
    assert "1 Ingress (1 converted)" in result.stderr
    assert "API requests to " + cluster.url in result.stderr
    assert writes(cluster) == []  # a review never writes
    assert "Traceback" not in result.stderr


def test_flags_after_the_subcommand_and_kubeconfig_lists(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
):
    good = fake_server.write_kubeconfig(tmp_path / "good", context="work")
    bad = fake_server.write_kubeconfig(tmp_path / "bad", context="broken", server="http://127.0.0.1:9")
    env = {"KUBECONFIG": f"{good}{os.pathsep}{bad}"}  # kubectl: the first current-context wins
    result = meshify("ns", "blog", "--request-timeout", "5s", home=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    dash_n = meshify("ns", "-n", "blog", home=tmp_path, env=env)  # kubectl's habit
    assert dash_n.returncode == 0 and dash_n.stdout == result.stdout
    result = meshify("ns", "blog", "--context", "broken", "--request-timeout", "2s", home=tmp_path, env=env)
    assert result.returncode == 2 and "cannot reach the API server at http://127.0.0.1:9" in result.stderr
    result = meshify("ns", "blog", "--context", "nope", home=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == 'error: context "nope" not found in the kubeconfig (contexts: broken, work)\n'


def test_all_and_ns_dash_a_read_every_namespace_deterministically(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
):
    first = meshify("all", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert first.returncode == 0, first.stderr
    namespaces = {
        o["metadata"]["namespace"] for o in documents(first.stdout) if o["kind"] == "VirtualService"
    }
    assert namespaces == {"blog", "shop"}
    again = meshify("ns", "-A", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert again.returncode == 0 and again.stdout == first.stdout
    both = meshify("ns", "shop", "-A", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert both.returncode == 2 and "give NAMESPACE or -A" in both.stderr


def test_out_dir_writes_one_file_per_namespace_and_the_reports(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
):
    out = tmp_path / "out"
    result = meshify("all", "--kubeconfig", str(kubeconfig), "--out-dir", str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    # Issue 16: report.html under --out-dir, and the batch script (shop's TLS secret copy) next to the reports.
    assert sorted(p.name for p in out.iterdir()) == [
        "blog.yaml",
        "copy-tls-secrets.sh",
        "report.html",
        "report.json",
        "report.md",
        "shop.yaml",
    ]
    blog = documents((out / "blog.yaml").read_text())
    assert blog and {o["metadata"]["namespace"] for o in blog} == {"blog"}
    report = json.loads((out / "report.json").read_text())
    codes = {f["code"] for f in report["findings"]}
    assert {"PREFLIGHT_ISTIO", "PREFLIGHT_GATEWAY", "PREFLIGHT_INJECTION"} <= codes
    assert {i["source"] for i in report["ingresses"]} == {"cluster"}
    markdown = (out / "report.md").read_text()
    assert "### Cluster preflight" in markdown and "namespace shop has sidecar injection enabled" in markdown


def test_cluster_facts_fill_unset_options(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    install_istio(
        fake, versions=("v1beta1", "v1alpha3"), gateway_label="ingress", gateway_namespace="istio-ingress"
    )
    shop(fake, "shop")
    result = meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    objects = documents(result.stdout)
    assert {o["apiVersion"] for o in objects} == {"networking.istio.io/v1beta1"}
    gateway = next(o for o in objects if o["kind"] == "Gateway")
    assert gateway["spec"]["selector"] == {"istio": "ingress"}
    # The user's options win over what the cluster says.
    given = meshify(
        "ns", "shop", "--kubeconfig", str(kubeconfig), "--api-version", "v1alpha3",
        "--gateway-selector", "app=edge", home=tmp_path,
    )  # fmt: skip
    objects = documents(given.stdout)
    assert {o["apiVersion"] for o in objects} == {"networking.istio.io/v1alpha3"}
    assert next(o for o in objects if o["kind"] == "Gateway")["spec"]["selector"] == {"app": "edge"}


def test_missing_tls_secret_is_reported_on_stderr_and_in_the_report(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
):
    cluster.seed([ingress("blog", "secure", "secure.blog.example.com", tls_secret="secure-tls")])
    report = tmp_path / "report.json"
    result = meshify(
        "ns", "blog", "--kubeconfig", str(kubeconfig), "--report-json", str(report), home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert 'preflight warning: TLS credential "blog-secure-tls" for secure.blog.example.com' in result.stderr
    data = json.loads(report.read_text())
    findings = {f["code"]: f for i in data["ingresses"] for f in i["findings"]}
    assert "PREFLIGHT_TLS_CREDENTIAL_MISSING" in {f["code"] for f in data["findings"]}
    # The cluster was asked (metadata only): neither the copy nor its source exists.
    assert "(istio-system/blog-secure-tls does not exist yet)" in findings["TLS_SECRET_LOCATION"]["message"]
    assert "TLS_SECRET_MISSING" in findings


def test_no_istio_still_prints_the_conversion(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    shop(fake, "shop")
    result = meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0
    assert any(o["kind"] == "VirtualService" for o in documents(result.stdout))
    assert "preflight warning: Istio is not installed in this cluster" in result.stderr


def stored(fake: FakeApi) -> list[str]:
    out = []
    for resource in ("destinationrules", "gateways", "virtualservices"):
        out += [f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}"
                for o in fake.objects(resource, "networking.istio.io")]  # fmt: skip
    return sorted(out)


def test_apply_dry_run_then_apply_then_rerun(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    dry = meshify(
        "ns", "shop", "--apply", "--dry-run", "server", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert dry.returncode == 0, dry.stderr
    assert "(server dry run: nothing was stored)" in dry.stderr
    assert stored(cluster) == []
    assert writes(cluster) and all(r["query"].get("dryRun") == "All" for r in writes(cluster))

    applied = meshify("ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "virtualservice.networking.istio.io/" in applied.stderr and " created" in applied.stderr
    names = stored(cluster)
    assert any(n.startswith("VirtualService/shop/") for n in names)
    assert applied.stdout == dry.stdout  # the review is printed either way

    rerun = meshify("ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert rerun.returncode == 0 and " created" not in rerun.stderr and "unchanged" in rerun.stderr
    assert stored(cluster) == names
    assert not any(r["resource"] == "ingresses" and r["method"] != "GET" for r in cluster.requests())


def test_apply_refuses_foreign_objects_and_writes_nothing(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    review = documents(meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path).stdout)
    vs = next(o for o in review if o["kind"] == "VirtualService")
    theirs = {**vs, "metadata": {"name": vs["metadata"]["name"], "namespace": "shop"}}
    cluster.seed([theirs])
    cluster.clear_requests()
    report = tmp_path / "report.md"
    result = meshify(
        "ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), "--report", str(report), home=tmp_path
    )
    assert result.returncode == 2
    assert result.stdout == "" and not report.exists()
    assert result.stderr.startswith("error: refusing to take over 1 existing object")
    assert len(result.stderr.splitlines()) == 1
    assert writes(cluster) == []
    forced = meshify(
        "ns", "shop", "--apply", "--force-conflicts", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert forced.returncode == 0, forced.stderr


def test_usage_errors(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    for args, message in (
        (["ns", "shop", "--dry-run", "server"], "--dry-run server needs --apply"),
        (["ns", "shop", "--force-conflicts"], "--force-conflicts needs --apply"),
        (["ns", "shop", "-n", "blog"], "namespace 'shop' and -n 'blog' differ: give one"),
        (["ns", "shop", "--request-timeout", "soon"], "invalid --request-timeout 'soon'"),
    ):
        result = meshify(*args, "--kubeconfig", str(kubeconfig), home=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert writes(cluster) == []


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing-namespace", 'error: namespace "nowhere" not found'),
        ("forbidden", "error: forbidden for user"),
        ("no-kubeconfig", "error: no kubeconfig found at ~/.kube/config"),
        ("unauthorized", "(401 Unauthorized)"),
    ],
)
def test_cluster_errors_are_one_line_exit_2(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path, setup: str, expected: str
):
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc")
    args = ["ns", "nowhere" if setup == "missing-namespace" else "shop"]
    if setup == "forbidden":
        cluster.faults({"status": 403, "verb": "list", "resource": "services"})
    if setup == "unauthorized":
        kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", token="wrong")
    if setup != "no-kubeconfig":
        args += ["--kubeconfig", str(kubeconfig)]
    result = meshify(*args, home=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert expected in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_hanging_server_is_bounded_by_request_timeout(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    cluster.faults({"hang": True, "resource": "services"})
    started = time.monotonic()
    result = meshify("all", "--kubeconfig", str(kubeconfig), "--request-timeout", "1s", home=tmp_path)
    assert time.monotonic() - started < 10
    assert result.returncode == 2 and "did not answer within 1s (--request-timeout)" in result.stderr


def test_progress_shows_only_on_a_terminal(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    quiet = meshify("all", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert "reading" not in quiet.stderr and "\x1b" not in quiet.stderr
    controller, terminal = pty.openpty()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": pythonpath()}
    process = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", "all", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.returncode == 0
    assert b"reading ingresses (all namespaces)" in shown and b"\r\x1b[K" in shown
    assert b"reading" not in process.stdout


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_runs_the_plugin(tls_server: FakeApiProcess, tmp_path: Path):
    tls_server.api.reset()
    install_istio(tls_server.api)
    shop(tls_server.api, "shop")
    kubeconfig = tls_server.write_kubeconfig(tmp_path / "kc")
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "kubectl-meshify").exists():
        pytest.skip("kubectl-meshify is not installed next to this Python")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "KUBECONFIG": str(kubeconfig),
    }
    result = subprocess.run(
        ["kubectl", "meshify", "ns", "shop", "--request-timeout", "10s"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert any(o["kind"] == "VirtualService" for o in documents(result.stdout))
