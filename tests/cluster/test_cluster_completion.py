"""Completion of values from the cluster and the kubeconfig, through the real kubectl binary: kubectl
(>= 1.26) runs `kubectl_complete-meshify` from PATH with the words after `meshify` and prints Cobra's
protocol (`kubectl __complete meshify ...`: one candidate per line, then `:<directive>`; 4 = no file names).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clusterdata import install_istio, namespace
from fakeapi.control import FakeApi, FakeApiProcess
from plugin_env import pythonpath

KUBECTL = shutil.which("kubectl")
BIN = Path(sys.executable).parent  # where pip put kubectl-meshify and kubectl_complete-meshify

pytestmark = [
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
    pytest.mark.skipif(
        not (BIN / "kubectl_complete-meshify").exists(), reason="kubectl_complete-meshify is not installed"
    ),
]


def complete(*words: str, kubeconfig: Path, home: Path) -> tuple[list[str], str, float]:
    """Candidates, the directive line, and how long kubectl took."""
    assert KUBECTL is not None
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "KUBECONFIG": str(kubeconfig),
        "PYTHONPATH": pythonpath(),
    }
    started = time.monotonic()
    result = subprocess.run(
        [KUBECTL, "__complete", "meshify", *words], capture_output=True, text=True, env=env, timeout=60
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    *lines, directive = result.stdout.splitlines()
    return [line.split("\t")[0] for line in lines], directive, took


@pytest.fixture
def cluster(fake: FakeApi) -> FakeApi:
    install_istio(fake)
    gateway = {"selector": {"istio": "ingressgateway"}, "servers": []}
    fake.seed(
        [
            namespace("shop"),
            namespace("blog"),
            {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
             "metadata": {"name": "public", "namespace": "istio-system"}, "spec": gateway},
            {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
             "metadata": {"name": "internal", "namespace": "shop"}, "spec": gateway},
        ]
    )  # fmt: skip
    return fake


def test_ns_offers_the_clusters_namespaces(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    values, directive, _ = complete("ns", "", kubeconfig=kubeconfig, home=tmp_path)
    assert directive == ":4"
    assert {"blog", "default", "istio-system", "shop"} <= set(values)
    assert complete("ns", "sh", kubeconfig=kubeconfig, home=tmp_path)[:2] == (["shop"], ":4")
    assert any(r["resource"] == "namespaces" and r["verb"] == "list" for r in cluster.requests())


def test_namespace_flags_offer_namespaces(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    for words in (["ns", "-n", "b"], ["ns", "--namespace", "b"], ["file", "x.yaml", "--namespace", "b"]):
        assert complete(*words, kubeconfig=kubeconfig, home=tmp_path)[:2] == (["blog"], ":4"), words


def test_context_offers_the_kubeconfigs_contexts(
    fake: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    first = fake_server.write_kubeconfig(tmp_path / "a", context="prod")
    second = fake_server.write_kubeconfig(tmp_path / "b", context="staging", current_context=None)
    env_kubeconfig = Path(f"{first}{os.pathsep}{second}")
    values, directive, _ = complete("ns", "--context", "", kubeconfig=env_kubeconfig, home=tmp_path)
    assert (sorted(values), directive) == (["prod", "staging"], ":4")
    # --kubeconfig on the command line replaces $KUBECONFIG, as kubectl does.
    given = complete("all", "--kubeconfig", str(second), "--context", "", kubeconfig=first, home=tmp_path)
    assert given[:2] == (["staging"], ":4")
    # Contexts come from the files alone (kubectl itself may ask for /version).
    assert [r for r in fake.requests() if r["user_agent"].startswith("kubectl-meshify/")] == []


def test_gateway_offers_namespace_slash_name(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    values, directive, _ = complete("ns", "shop", "--gateway", "", kubeconfig=kubeconfig, home=tmp_path)
    assert (values, directive) == (["istio-system/public", "shop/internal"], ":4")
    assert complete("file", "--gateway", "istio", kubeconfig=kubeconfig, home=tmp_path)[:2] == (
        ["istio-system/public"],
        ":4",
    )


def test_unreachable_or_hanging_cluster_offers_nothing_within_the_budget(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    closed = fake_server.write_kubeconfig(tmp_path / "closed", server="http://127.0.0.1:9")
    values, directive, _ = complete("ns", "", kubeconfig=closed, home=tmp_path)
    assert (values, directive) == ([], ":4")  # nothing, and no file names either
    cluster.faults({"hang": True, "resource": "namespaces"})
    hanging = fake_server.write_kubeconfig(tmp_path / "hanging")
    values, directive, took = complete("ns", "", kubeconfig=hanging, home=tmp_path)
    assert (values, directive) == ([], ":4")
    assert took < 6, took  # the 2 s budget plus kubectl and Python start-up on a loaded machine


def test_forbidden_namespace_list_offers_nothing(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    cluster.faults({"status": 403, "resource": "namespaces"})
    result = complete("ns", "", kubeconfig=kubeconfig, home=tmp_path)
    assert result[:2] == ([], ":4")
