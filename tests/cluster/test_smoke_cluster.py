"""`ns` and `all` with `--smoke` against the fake API server, the gateway stood in by a local server that
answers from the objects the run emits (tests/smoke/standin.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clusterdata import install_istio, namespace, secret, shop
from fakeapi.control import FakeApi
from test_cluster_cli import documents, meshify, writes

from tests.smoke.conftest import free_port
from tests.smoke.standin import Faults, StandIn


@pytest.fixture
def cluster(fake: FakeApi) -> FakeApi:
    install_istio(fake)
    fake.seed([namespace("shop"), secret("istio-system", "web-tls")])
    shop(fake, "shop")
    shop(fake, "blog")
    return fake


@pytest.fixture
def standins() -> Iterator[list[StandIn]]:
    started: list[StandIn] = []
    yield started
    for server in started:
        server.stop()


def emitted(kubeconfig: Path, home: Path, *args: str) -> list[dict[str, Any]]:
    result = meshify(*args, "--kubeconfig", str(kubeconfig), "--trace-routes", home=home)
    assert result.returncode == 0, result.stderr
    return documents(result.stdout)


def test_ns_smoke_passes_and_the_runbook_names_this_namespace(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path, standins: list[StandIn]
) -> None:
    gateway = StandIn(emitted(kubeconfig, tmp_path, "ns", "shop"))
    standins.append(gateway)
    report = tmp_path / "r.json"
    result = meshify(
        "ns", "shop", "--kubeconfig", str(kubeconfig), "--trace-routes", "--smoke", gateway.url,
        "--report-json", str(report), home=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text())
    summary = data["smoke"]["summary"]
    assert summary["failed"] == 0 and summary["sent"] == len(gateway.seen) > 0
    assert {s.host for s in gateway.seen} == {"web.shop.example.com", "no-rule.meshify.invalid"}
    steps = data["cutover"]["steps"]
    titles = [s["title"] for s in steps]
    assert (
        titles.index("Apply the Istio objects, with route tracing, while the Ingresses stay")
        < titles.index("Smoke test against the live Istio gateway")
        < titles.index("Move DNS or the load balancer to the Istio gateway")
        < titles.index("Delete the Ingresses")
    )
    commands = [c for s in steps for c in s["commands"]]
    kubeconfig_words = f"--kubeconfig {kubeconfig}"
    assert f"kubectl meshify ns shop {kubeconfig_words} --trace-routes --apply" in commands
    assert (
        f"kubectl meshify ns shop {kubeconfig_words} --trace-routes --smoke {gateway.url} > /dev/null"
        in commands
    )
    assert "kubectl delete ingress -n shop web" in commands
    assert writes(cluster) == []  # no --apply: nothing written


def test_all_apply_then_smoke_fails_on_a_wrong_gateway(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path, standins: list[StandIn]
) -> None:
    objects = emitted(kubeconfig, tmp_path, "all")
    gateway = StandIn(objects, faults=Faults(override={("web.blog.example.com", "/"): 404}))
    standins.append(gateway)
    result = meshify(
        "all",
        "--kubeconfig",
        str(kubeconfig),
        "--trace-routes",
        "--apply",
        "--smoke",
        gateway.url,
        home=tmp_path,
    )
    assert result.returncode == 1
    assert writes(cluster)  # applied first, then probed
    fails = [line for line in result.stderr.splitlines() if line.startswith("smoke FAIL")]
    route = next(
        r["headers"]["response"]["set"]["x-meshify-route"]
        for o in objects
        if o["kind"] == "VirtualService" and o["spec"]["hosts"] == ["web.blog.example.com"]
        for r in o["spec"]["http"]
    )
    assert fails == [
        "smoke FAIL GET http://web.blog.example.com/: expected blog/web:80 (path /, Host web.blog.example.com)"
        f" via route {route}; got 404 (404 from the gateway, expected a backend's answer)"
    ]


def test_unreachable_gateway_stops_before_the_cluster_is_read(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    port = free_port()
    cluster.clear_requests()
    result = meshify(
        "all",
        "--kubeconfig",
        str(kubeconfig),
        "--apply",
        "--smoke",
        f"http://127.0.0.1:{port}",
        home=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: --smoke http://127.0.0.1:{port}: cannot connect to 127.0.0.1:{port}: connection refused"
    )
    assert cluster.requests() == []
