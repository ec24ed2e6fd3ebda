"""Cluster access is chosen like kubectl chooses it: --kubeconfig, $KUBECONFIG lists, contexts, in-cluster."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fakeapi.control import FakeApi, FakeApiProcess

from kubectl_meshify.cluster.kubeapi import Target
from kubectl_meshify.cluster.kubeconfig import parse_request_timeout, resolve_kubeconfig
from kubectl_meshify.cluster.source import NAMESPACES, connect
from kubectl_meshify.errors import ClusterError, UsageError


def two_kubeconfigs(server: FakeApiProcess, tmp_path: Path) -> tuple[Path, Path]:
    first = server.write_kubeconfig(tmp_path / "first", context="ctx1")
    second = server.write_kubeconfig(tmp_path / "second", context="ctx2")
    return first, second


def test_first_file_of_kubeconfig_list_that_sets_current_context_wins(
    fake_server: FakeApiProcess, tmp_path: Path
):
    first, second = two_kubeconfigs(fake_server, tmp_path)
    env = {"KUBECONFIG": f"{first}:{second}"}
    assert resolve_kubeconfig(None, None, env).context == "ctx1"
    assert resolve_kubeconfig(None, None, {"KUBECONFIG": f"{second}:{first}"}).context == "ctx2"
    # A file without current-context does not reset the choice; a missing file is skipped.
    third = fake_server.write_kubeconfig(tmp_path / "third", context="ctx3", current_context=None)
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{third}:{second}"}
    choice = resolve_kubeconfig(None, None, env)
    assert choice.context == "ctx2" and choice.files == (str(third), str(second))
    # --context picks a context defined in a later file.
    assert resolve_kubeconfig(None, "ctx3", env).context == "ctx3"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_context_matches_kubectls_choice(fake_server: FakeApiProcess, tmp_path: Path):
    first, second = two_kubeconfigs(fake_server, tmp_path)
    for order in (f"{first}:{second}", f"{second}:{first}"):
        env = {"KUBECONFIG": order, "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        kubectl = subprocess.run(
            ["kubectl", "config", "current-context"], capture_output=True, text=True, env=env
        )
        assert resolve_kubeconfig(None, None, env).context == kubectl.stdout.strip()


def test_kubeconfig_flag_replaces_the_environment(fake_server: FakeApiProcess, tmp_path: Path):
    first, second = two_kubeconfigs(fake_server, tmp_path)
    choice = resolve_kubeconfig(str(second), None, {"KUBECONFIG": str(first)})
    assert choice.files == (str(second),) and choice.context == "ctx2"
    assert choice.server == fake_server.url


def test_default_location_is_home_kube_config(fake_server: FakeApiProcess, tmp_path: Path):
    (tmp_path / ".kube").mkdir()
    fake_server.write_kubeconfig(tmp_path / ".kube" / "config", context="home")
    assert resolve_kubeconfig(None, None, {"HOME": str(tmp_path)}).context == "home"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("none", "no kubeconfig found at ~/.kube/config: pass --kubeconfig or set $KUBECONFIG"),
        ("missing-flag", "does not exist"),
        ("unknown-context", 'context "prod" not found in the kubeconfig (contexts: fake)'),
        ("no-current", "the kubeconfig sets no current context: pass --context (contexts: fake)"),
        ("bad-yaml", "is not valid YAML (line 2)"),
    ],
)
def test_kubeconfig_problems_are_one_clear_line(
    fake_server: FakeApiProcess, tmp_path: Path, setup: str, message: str
):
    env = {"HOME": str(tmp_path)}
    kubeconfig, context = None, None
    if setup == "missing-flag":
        kubeconfig = str(tmp_path / "nope")
    elif setup == "unknown-context":
        kubeconfig, context = str(fake_server.write_kubeconfig(tmp_path / "kc")), "prod"
    elif setup == "no-current":
        kubeconfig = str(fake_server.write_kubeconfig(tmp_path / "kc", current_context=None))
    elif setup == "bad-yaml":
        (tmp_path / "kc").write_text("apiVersion: v1\n- clusters\n", encoding="utf-8")
        kubeconfig = str(tmp_path / "kc")
    with pytest.raises(ClusterError) as err:
        resolve_kubeconfig(kubeconfig, context, env)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_in_cluster_service_account_is_used_without_a_kubeconfig(
    tls_server: FakeApiProcess, tls_files: tuple[Path, Path, Path], tmp_path: Path
):
    tls_server.api.reset()
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(str(tls_server.token), encoding="utf-8")
    shutil.copy(tls_files[0], account / "ca.crt")
    host, port = tls_server.url.removeprefix("https://").split(":")
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}
    api = connect(environ=env, service_account_dir=account)
    assert api.get(NAMESPACES.path(name="default"), Target("get"))["metadata"]["name"] == "default"
    assert api.where == "in-cluster service account"
    requests = tls_server.api.requests()
    assert requests[-1]["path"] == "/api/v1/namespaces/default" and requests[-1]["status"] == 200


def test_kubeconfig_with_a_token_authenticates(fake: FakeApi, kubeconfig: Path):
    api = connect(str(kubeconfig), environ={})
    assert api.get("/api/v1/namespaces/kube-system", Target("get"))["metadata"]["name"] == "kube-system"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (None, 30.0),
        ("0", None),
        ("5", 5.0),
        ("2.5", 2.5),
        ("1s", 1.0),
        ("500ms", 0.5),
        ("1m30s", 90.0),
        ("1h", 3600),
    ],
)
def test_request_timeout_takes_kubectls_formats(text: str | None, seconds: float | None):
    assert parse_request_timeout(text) == seconds


def test_request_timeout_rejects_nonsense():
    with pytest.raises(UsageError, match="invalid --request-timeout 'soon'"):
        parse_request_timeout("soon")
