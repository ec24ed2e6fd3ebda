"""The batch scripts of a cluster run, run for real: the secret-copy script, executed with kubectl against the
fake API server, copies each secret's data under fresh metadata into the gateway namespace without printing
key material; reports of a cluster run name the kubeconfig context and the API server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clusterdata import ingress, install_istio, secret, service
from fakeapi.control import FakeApiProcess
from test_cluster_cli import meshify

SECRET_DATA = ("Q0VSVElGSUNBVEU=", "UFJJVkFURSBLRVk=")  # what clusterdata.secret() stores
# ...and decoded, in case anything printed the data as text.
SECRET_TEXT = ("CERTIFICATE", "PRIVATE KEY")

KUBECTL = shutil.which("kubectl")


def seed_two_tls_apps(api: object) -> None:
    install_istio(api)  # type: ignore[arg-type]
    objects = []
    for ns in ("shop", "blog"):
        objects += [
            service(ns),
            secret(ns, "web-tls"),
            ingress(ns, "web", f"web.{ns}.example.com", tls_secret="web-tls"),
        ]
    api.seed(objects)  # type: ignore[attr-defined]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_secret_copy_script_copies_metadata_and_data_silently(tls_server: FakeApiProcess, tmp_path: Path):
    api = tls_server.api
    api.reset()
    seed_two_tls_apps(api)
    kubeconfig = tls_server.write_kubeconfig(tmp_path / "kc", context="prod")
    out = tmp_path / "out"
    result = meshify("all", "--kubeconfig", str(kubeconfig), "--out-dir", str(out), home=tmp_path)
    assert result.returncode == 0, result.stderr
    script = out / "copy-tls-secrets.sh"
    assert f"script written to {script}" in result.stderr
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert "copy_secret shop web-tls istio-system shop-web-tls" in text
    assert "copy_secret blog web-tls istio-system blog-web-tls" in text

    # The fake server serves no OpenAPI document, which `kubectl apply` downloads to validate the object on
    # the client; a real API server serves it. This wrapper only turns that download off for `apply`.
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "kubectl").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = apply ]; then shift; exec {KUBECTL} apply --validate=false "$@"; fi\n'
        f'exec {KUBECTL} "$@"\n'
    )
    (shim / "kubectl").chmod(0o755)
    env = {"PATH": f"{shim}:{os.environ['PATH']}", "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)}
    run = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=180)
    assert run.returncode == 0, run.stderr
    for shown in (run.stdout, run.stderr):
        assert not any(s in shown for s in SECRET_DATA + SECRET_TEXT), shown

    copies = {s["metadata"]["name"]: s for s in api.objects("secrets", namespace="istio-system")}
    for ns in ("shop", "blog"):
        copy = copies[f"{ns}-web-tls"]
        # tls/copy_command.py: the copy carries these labels and annotation, and the source's data and type.
        assert copy["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "kubectl-meshify"}
        assert copy["metadata"]["annotations"] == {"kubectl-meshify/copied-from": f"{ns}/web-tls"}
        assert copy["data"] == secret(ns, "web-tls")["data"]
        assert copy["type"] == "kubernetes.io/tls"

    # The copies now exist: a second review finds the credentials present and writes no script.
    again = meshify(
        "all", "--kubeconfig", str(kubeconfig), "--report-json", str(tmp_path / "again.json"), home=tmp_path
    )
    assert again.returncode == 0, again.stderr
    plan = json.loads((tmp_path / "again.json").read_text())["plan"]
    assert [s["name"] for s in plan["scripts"]] == []


def test_cluster_reports_name_the_context_and_server(fake_server: FakeApiProcess, tmp_path: Path):
    api = fake_server.api
    api.reset()
    seed_two_tls_apps(api)
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", context="staging-eu")
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    result = meshify(
        "all", "--kubeconfig", str(kubeconfig), "--report", str(md), "--report-json", str(js), home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(js.read_text())
    assert report["run"]["cluster"] == {"context": "staging-eu", "server": fake_server.url}
    assert report["run"]["sources"] == []
    assert f"Cluster: context `staging-eu`, server {fake_server.url}." in md.read_text()
    # Without --out-dir the script is printed in the Markdown report, in a fenced block.
    assert "```bash\n#!/usr/bin/env bash" in md.read_text()
    assert "copy_secret shop web-tls istio-system shop-web-tls" in md.read_text()
