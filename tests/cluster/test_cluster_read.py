"""Reading a cluster: list calls per kind, pagination, flat request counts, errors, retries, timeouts."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from clusterdata import deployment, ingress, install_istio, service, shop
from fakeapi.control import FakeApi, FakeApiProcess

from kubectl_meshify.cluster.source import Scope, connect, discover, read_cluster
from kubectl_meshify.errors import ClusterError


def read(kubeconfig: Path, namespace: str | None, timeout: str | None = "5s"):
    api = connect(str(kubeconfig), request_timeout=timeout, environ={})
    resources, findings = read_cluster(api, Scope(namespace), discover(api))
    return api, resources, findings


def test_one_namespace_reads_its_objects_only(fake: FakeApi, kubeconfig: Path):
    shop(fake, "shop")
    shop(fake, "other")
    fake.seed([deployment("shop", "db", {"app": "db"}) | {"kind": "StatefulSet"}])
    _, resources, findings = read(kubeconfig, "shop")
    assert [i.key for i in resources.ingresses] == ["shop/web"]
    assert set(resources.services) == {("shop", "web")}
    assert sorted((w.kind, w.name) for w in resources.workloads) == [
        ("Deployment", "web-v1"),
        ("StatefulSet", "db"),
    ]
    assert list(resources.namespaces) == ["shop"]
    assert findings == []
    ingress_obj = resources.ingresses[0]
    assert ingress_obj.origin.path is None and str(ingress_obj.origin) == "cluster"
    assert ingress_obj.body["apiVersion"] == "networking.k8s.io/v1" and ingress_obj.kind == "Ingress"
    paths = [r["path"] for r in fake.requests()]
    assert "/apis/networking.k8s.io/v1/namespaces/shop/ingresses" in paths
    assert not any("/namespaces/other/" in p for p in paths)


def test_all_namespaces_reads_everything_with_cluster_wide_lists(fake: FakeApi, kubeconfig: Path):
    shop(fake, "shop")
    shop(fake, "other")
    fake.seed(
        [
            {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
             "spec": {"controller": "k8s.io/ingress-nginx"}},
        ]
    )  # fmt: skip
    _, resources, _ = read(kubeconfig, None)
    assert [i.key for i in resources.ingresses] == ["other/web", "shop/web"]
    assert set(resources.services) == {("other", "web"), ("shop", "web")}
    assert "nginx" in resources.ingress_classes and {"shop", "other", "default"} <= set(resources.namespaces)
    lists = [r["path"] for r in fake.requests() if r["verb"] == "list"]
    assert "/apis/networking.k8s.io/v1/ingresses" in lists and "/api/v1/services" in lists


def test_pagination_follows_continue_across_pages(fake: FakeApi, kubeconfig: Path):
    fake.seed(
        [service("big", f"svc-{i:04d}") for i in range(1203)] + [ingress("big", "web", "a.example.com")]
    )
    _, resources, _ = read(kubeconfig, "big")
    assert len(resources.services) == 1203
    pages = [r for r in fake.requests() if r["path"] == "/api/v1/namespaces/big/services"]
    assert [p["query"].get("limit") for p in pages] == ["500", "500", "500"]
    assert "continue" not in pages[0]["query"] and all("continue" in p["query"] for p in pages[1:])


def test_cert_manager_certificates_and_custom_header_config_maps_are_read(fake: FakeApi, kubeconfig: Path):
    install_istio(fake, cert_manager=True)
    headers = {"nginx.ingress.kubernetes.io/custom-headers": "shared/headers"}
    fake.seed(
        [
            ingress("shop", "web", "a.example.com", annotations=headers),
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "headers", "namespace": "shared"},
             "data": {"X-Frame-Options": "DENY"}},
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "unrelated", "namespace": "shared"}},
            {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
             "metadata": {"name": "web", "namespace": "shop"}, "spec": {"secretName": "web-tls"}},
        ]
    )  # fmt: skip
    _, resources, _ = read(kubeconfig, "shop")
    assert list(resources.config_maps) == [("shared", "headers")]
    assert [c.key for c in resources.certificates] == ["shop/web"]


def request_count(fake: FakeApi, kubeconfig: Path, apps: int) -> int:
    fake.reset()
    install_istio(fake)
    objects = []
    for i in range(apps):
        ns = f"team-{i % 4}"
        objects += [service(ns, f"app{i}"), deployment(ns, f"app{i}", {"app": f"app{i}"})]
        objects.append(
            ingress(ns, f"app{i}", f"app{i}.example.com", service=f"app{i}", tls_secret=f"app{i}-tls")
        )
    fake.seed(objects)
    api = connect(str(kubeconfig), environ={})
    discovery = discover(api)
    resources, _ = read_cluster(api, Scope(None), discovery)
    from kubectl_meshify.cluster.preflight import Overrides, run_preflight

    run_preflight(api, Scope(None), discovery, resources, Overrides())
    assert len(resources.ingresses) == apps
    assert api.requests == len(fake.requests())
    return api.requests


def test_request_count_does_not_grow_with_objects_beyond_pagination(fake: FakeApi, kubeconfig: Path):
    small = request_count(fake, kubeconfig, 20)
    large = request_count(fake, kubeconfig, 480)  # still one page per list
    assert large == small
    paged = request_count(fake, kubeconfig, 1100)  # three pages of Ingresses, Services, Deployments, Secrets
    extra_pages = 2 * 3  # Ingresses, Services, Deployments: 3 pages instead of 1
    assert paged == small + extra_pages


# --- errors ----------------------------------------------------------------------------------------


def error_of(kubeconfig: Path, namespace: str | None = "shop", timeout: str | None = "5s") -> str:
    with pytest.raises(ClusterError) as err:
        read(kubeconfig, namespace, timeout)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_missing_namespace_is_reported(fake: FakeApi, kubeconfig: Path):
    assert error_of(kubeconfig, "nowhere") == 'namespace "nowhere" not found'


def test_bad_credentials_are_reported(fake: FakeApi, fake_server: FakeApiProcess, tmp_path: Path):
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", token="expired")
    message = error_of(kubeconfig)
    assert 'rejected the credentials of context "fake" (401 Unauthorized)' in message


def test_forbidden_names_the_verb_and_resource(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    fake.faults({"status": 403, "verb": "list", "resource": "ingresses"})
    message = error_of(kubeconfig)
    assert message == (
        'forbidden for user "system:serviceaccount:ci:reviewer": cannot list ingresses.networking.k8s.io '
        'in namespace "shop" (see docs/rbac.md for the permissions needed)'
    )


def test_forbidden_optional_reads_become_findings(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    fake.faults({"status": 403, "verb": "list", "resource": "ingressclasses"})
    _, resources, findings = read(kubeconfig, "shop")
    assert len(resources.ingresses) == 1
    assert [f.code for f in findings] == ["PREFLIGHT_FORBIDDEN"]
    assert "cannot list ingressclasses.networking.k8s.io" in findings[0].message


def test_unreachable_server_is_reported(fake_server: FakeApiProcess, tmp_path: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", server=f"http://127.0.0.1:{port}")
    message = error_of(kubeconfig)
    assert (
        message
        == f'cannot reach the API server at http://127.0.0.1:{port} (context "fake"): connection refused'
    )


def test_untrusted_tls_certificate_is_reported(tls_server: FakeApiProcess, tmp_path: Path):
    kubeconfig = tls_server.write_kubeconfig(tmp_path / "kc")
    other_ca = tmp_path / "other-ca.crt"
    from fakeapi.control import make_tls_files

    files = make_tls_files(tmp_path)
    assert files is not None
    other_ca.write_bytes(files[0].read_bytes())
    kubeconfig = tls_server.write_kubeconfig(tmp_path / "kc", ca_file=other_ca)
    message = error_of(kubeconfig)
    assert message.startswith(f"TLS verification of the API server at {tls_server.url} failed")
    assert "certificate-authority" in message


def test_transient_errors_are_retried_with_backoff(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    fake.faults(
        {"status": 503, "resource": "ingresses", "times": 2},
        {"status": 429, "resource": "services", "times": 1, "retry_after": 1},
    )
    started = time.monotonic()
    _, resources, _ = read(kubeconfig, "shop")
    elapsed = time.monotonic() - started
    assert len(resources.ingresses) == 1
    statuses = [
        (r["resource"], r["status"]) for r in fake.requests() if r["resource"] in ("ingresses", "services")
    ]
    assert statuses == [
        ("ingresses", 503),
        ("ingresses", 503),
        ("ingresses", 200),
        ("services", 429),
        ("services", 200),
    ]
    assert elapsed >= 0.2 + 0.4 + 1.0  # two backoffs, then the server's Retry-After


def test_retries_are_bounded(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    fake.faults({"status": 500, "resource": "ingresses"})
    message = error_of(kubeconfig)
    assert "kept failing (500 InternalError) after 5 attempts to: list ingresses.networking.k8s.io" in message
    assert sum(1 for r in fake.requests() if r["resource"] == "ingresses") == 5


def test_a_server_that_never_answers_is_bounded_by_the_request_timeout(fake: FakeApi, kubeconfig: Path):
    shop(fake)
    fake.faults({"hang": True, "resource": "ingresses"})
    started = time.monotonic()
    message = error_of(kubeconfig, timeout="1s")
    assert time.monotonic() - started < 4
    assert message.endswith(
        "did not answer within 1s (--request-timeout) to: "
        'list ingresses.networking.k8s.io in namespace "shop"'
    )
    # One request: neither urllib3 (its retries are off) nor the plugin retries a timeout.
    assert sum(1 for r in fake.requests() if r["resource"] == "ingresses") == 1
