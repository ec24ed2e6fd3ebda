"""kubectl's habits in `ns` and `all`, checked by what the fake API server saw: the context's namespace,
`=` forms of flags, --as/--as-group, -l, -v request logging, the User-Agent, and colour on stderr.

Expectations come from kubectl and client-go: the namespace of the current context, else `default`
(client-go tools/clientcmd/client_config.go, DirectClientConfig.Namespace; in a pod,
inClusterClientConfig.Namespace: $POD_NAMESPACE, then the service account's namespace file); impersonation
headers `Impersonate-User` and one `Impersonate-Group` line per group (client-go transport/round_trippers.go,
impersonatingRoundTripper.RoundTrip); `-v=6` logs each request's method, URL, status and milliseconds
(client-go transport/round_trippers.go, debuggingRoundTripper); boolean flags take `=true`/`=false` and
valued short flags `-o=yaml` (spf13/pflag flag.go, parseSingleShortArg / parseLongArg).
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clusterdata import ingress, install_istio, namespace, secret, shop
from fakeapi.control import FakeApi, FakeApiProcess
from plugin_env import pythonpath
from test_cluster_cli import documents, meshify

from kubectl_meshify import __version__
from kubectl_meshify.cluster.kubeconfig import resolve_kubeconfig


@pytest.fixture
def cluster(fake: FakeApi) -> FakeApi:
    install_istio(fake)
    fake.seed([namespace("shop"), namespace("blog")])
    shop(fake, "shop", tls=True)
    shop(fake, "blog")
    return fake


def api_requests(fake: FakeApi) -> list[dict]:
    return [r for r in fake.requests() if r["path"].startswith(("/api", "/apis"))]


def namespaces_read(fake: FakeApi) -> set[str]:
    return {r["namespace"] for r in api_requests(fake) if r["resource"] == "ingresses"}


# --- the context's namespace ----------------------------------------------------------------------


def test_ns_without_a_namespace_uses_the_contexts(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", context="work", namespace="blog")
    result = meshify("ns", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'kubectl-meshify: namespace "blog" (from context "work")' in result.stderr.splitlines()
    hosts = {h for o in documents(result.stdout) if o["kind"] == "VirtualService" for h in o["spec"]["hosts"]}
    assert hosts == {"web.blog.example.com"}
    assert namespaces_read(cluster) == {"blog"}
    # The same as naming it: only the stderr line differs.
    named = meshify("ns", "blog", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert named.stdout == result.stdout and "(from context" not in named.stderr


def test_ns_with_a_context_that_names_no_namespace_uses_default(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    cluster.seed([ingress("default", "home", "home.example.com")])
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc", context="work")
    cluster.clear_requests()
    result = meshify("ns", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert 'kubectl-meshify: namespace "default" (context "work" names none)' in result.stderr.splitlines()
    assert namespaces_read(cluster) == {"default"}


def test_ns_takes_the_namespace_of_the_context_given_with_dash_dash_context(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    first = fake_server.write_kubeconfig(tmp_path / "a", context="a", namespace="shop")
    second = fake_server.write_kubeconfig(tmp_path / "b", context="b", namespace="blog", current_context=None)
    env = {"KUBECONFIG": f"{first}{os.pathsep}{second}"}
    result = meshify("ns", "--context", "b", home=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert 'namespace "blog" (from context "b")' in result.stderr
    assert namespaces_read(cluster) == {"blog"}


def test_in_cluster_namespace_follows_client_go(tmp_path: Path) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("t", encoding="utf-8")
    env = {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    assert resolve_kubeconfig(None, None, env, account).namespace is None  # then `default`
    (account / "namespace").write_text("team-a\n", encoding="utf-8")
    assert resolve_kubeconfig(None, None, env, account).namespace == "team-a"
    pod = resolve_kubeconfig(None, None, {**env, "POD_NAMESPACE": "team-b"}, account)
    assert pod.namespace == "team-b"


def test_dash_a_and_a_namespace_still_exclude_each_other(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    result = meshify("ns", "shop", "-A", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 2 and "give NAMESPACE or -A" in result.stderr


# --- `=` forms ------------------------------------------------------------------------------------


def test_equals_forms_of_short_and_long_flags(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    kc = ["--kubeconfig", str(kubeconfig)]
    spaced = meshify("ns", "-n", "shop", "-o", "json", *kc, home=tmp_path)
    assert spaced.returncode == 0, spaced.stderr
    assert json.loads(spaced.stdout)["kind"] == "List"
    for args in (
        ["ns", "-n=shop", "-o=json", f"--kubeconfig={kubeconfig}"],
        ["ns", "--namespace=shop", "--output=json", *kc],
        ["ns", "shop", "-ojson", *kc],
        ["ns", "shop", "-o=json", "--strict=false", "--no-verify=false", *kc],
    ):
        result = meshify(*args, home=tmp_path)
        assert (result.returncode, result.stdout) == (0, spaced.stdout), (args, result.stderr)
    everything = meshify("ns", "-A", *kc, home=tmp_path)
    assert meshify("ns", "-A=true", *kc, home=tmp_path).stdout == everything.stdout
    assert meshify("ns", "--all-namespaces=true", *kc, home=tmp_path).stdout == everything.stdout


def test_equals_forms_in_file_mode(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "shop.yaml"
    spaced = meshify("file", str(example), "-o", "json", "-n", "x", home=tmp_path)
    assert spaced.returncode == 0, spaced.stderr
    equals = meshify("file", str(example), "-o=json", "-n=x", home=tmp_path)
    assert (equals.returncode, equals.stdout) == (0, spaced.stdout)


def test_a_boolean_flag_with_a_value_that_is_not_a_boolean_is_a_usage_error(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    result = meshify("ns", "shop", "--strict=maybe", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 2 and "invalid argument 'maybe' for --strict" in result.stderr
    assert api_requests(cluster) == []


def test_a_value_that_looks_like_a_flag_stays_a_value(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    # pflag and click both take the word after a valued option as its value, whatever it looks like.
    result = meshify(
        "ns", "shop", "--cluster-domain", "-o=json", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    objects = documents(result.stdout)  # still the YAML stream: -o=json was the domain
    hosts = {
        d["destination"]["host"]
        for o in objects
        if o["kind"] == "VirtualService"
        for route in o["spec"]["http"]
        for d in route.get("route", [])
    }
    assert hosts == {"web.shop.svc.-o=json"}


# --- impersonation --------------------------------------------------------------------------------


def test_as_and_as_group_send_impersonation_headers_on_every_request(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    result = meshify(
        "ns", "shop", "--as", "jane", "--as-group=devs", "--as-group", "system:authenticated",
        "--kubeconfig", str(kubeconfig), home=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = api_requests(cluster)
    assert seen
    for request in seen:
        assert request["impersonate_user"] == "jane", request["path"]
        assert request["impersonate_groups"] == ["devs", "system:authenticated"], request["path"]


def test_impersonation_reaches_writes_too(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    result = meshify(
        "ns", "shop", "--apply", "--dry-run=server", "--as=jane", "--kubeconfig", str(kubeconfig), home=tmp_path
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    patches = [r for r in api_requests(cluster) if r["method"] == "PATCH"]
    assert patches and {(r["impersonate_user"], tuple(r["impersonate_groups"])) for r in patches} == {
        ("jane", ())
    }


def test_without_as_nothing_is_impersonated(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    assert meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path).returncode == 0
    assert {(r["impersonate_user"], tuple(r["impersonate_groups"])) for r in api_requests(cluster)} == {
        ("", ())
    }


def test_as_group_without_as_is_refused_before_any_request(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    result = meshify("ns", "shop", "--as-group", "devs", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 2 and "--as-group needs --as" in result.stderr
    assert api_requests(cluster) == []


def test_kubeconfig_as_and_as_groups_are_used_and_flags_override_each(
    cluster: FakeApi, fake_server: FakeApiProcess, tmp_path: Path
) -> None:
    # client-go tools/clientcmd/api/types.go, AuthInfo: `as`, `as-groups`; client_config.go getAuthInfo
    # merges the command-line overrides over the kubeconfig's, field by field.
    kubeconfig = fake_server.write_kubeconfig(tmp_path / "kc")
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    config["users"][0]["user"].update({"as": "jane", "as-groups": ["devs", "ops"]})
    kubeconfig.write_text(yaml.safe_dump(config), encoding="utf-8")

    def identities() -> set[tuple[str, tuple[str, ...]]]:
        seen = {(r["impersonate_user"], tuple(r["impersonate_groups"])) for r in api_requests(cluster)}
        cluster.clear_requests()
        return seen

    assert meshify("ns", "shop", "--kubeconfig", str(kubeconfig), home=tmp_path).returncode == 0
    assert identities() == {("jane", ("devs", "ops"))}
    assert (
        meshify("ns", "shop", "--as", "bob", "--kubeconfig", str(kubeconfig), home=tmp_path).returncode == 0
    )
    assert identities() == {("bob", ("devs", "ops"))}
    result = meshify("ns", "shop", "--as-group=qa", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert identities() == {("jane", ("qa",))}


# --- label selector -------------------------------------------------------------------------------


def test_selector_narrows_ingresses_only(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    chosen = ingress("shop", "api", "api.shop.example.com")
    chosen["metadata"]["labels"] = {"team": "api", "tier": "edge"}
    cluster.seed([chosen])
    cluster.clear_requests()
    result = meshify("ns", "shop", "-l", "team=api,tier=edge", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    hosts = {h for o in documents(result.stdout) if o["kind"] == "VirtualService" for h in o["spec"]["hosts"]}
    assert hosts == {"api.shop.example.com"}  # web.shop.example.com's Ingress has no such labels
    # Its backend Service `web` was still read and resolved: the route names the service host.
    vs = next(o for o in documents(result.stdout) if o["kind"] == "VirtualService")
    assert vs["spec"]["http"][0]["route"][0]["destination"]["host"] == "web.shop.svc.cluster.local"
    selectors = {
        r["resource"]: r["query"].get("labelSelector")
        for r in api_requests(cluster)
        if r["verb"] == "list" and r["namespace"] == "shop"  # the read of the namespace, not preflight's
    }
    assert selectors["ingresses"] == "team=api,tier=edge"
    assert selectors["services"] is None and selectors["deployments"] is None
    long_form = meshify(
        "ns", "shop", "--selector=team=api,tier=edge", "--kubeconfig", str(kubeconfig), home=tmp_path
    )
    assert long_form.stdout == result.stdout


def test_selector_on_all_namespaces(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    result = meshify("all", "-l", "team=none", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 Ingresses" in result.stderr
    lists = [r for r in api_requests(cluster) if r["resource"] == "ingresses"]
    assert lists and all(r["query"].get("labelSelector") == "team=none" for r in lists)


# --- request logging ------------------------------------------------------------------------------

LOG_LINE = re.compile(
    r"^(GET|PATCH) (http://127\.0\.0\.1:\d+/\S+) (\d{3} [A-Za-z ]+|\(no response\)) in (\d+) milliseconds$"
)


def test_v6_logs_every_request_and_never_a_body_or_a_token(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    cluster.seed([secret("shop", "web-tls")])
    cluster.clear_requests()
    result = meshify("ns", "shop", "-v=6", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    logged = [m for line in result.stderr.splitlines() if (m := LOG_LINE.match(line))]
    seen = api_requests(cluster)
    assert len(logged) == len(seen)
    for match, request in zip(logged, seen, strict=True):
        assert match.group(1) == request["method"]
        assert match.group(2).split("?")[0].endswith(request["path"])
        assert match.group(3).startswith(str(request["status"]))
    for secret_text in ("Q0VSVElGSUNBVEU=", "UFJJVkFURSBLRVk=", "fake-token", "Bearer"):
        assert secret_text not in result.stderr


@pytest.mark.parametrize("flag", [[], ["-v", "5"], ["--v=2"]])
def test_below_v6_no_request_is_logged(flag: list[str], cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    result = meshify("ns", "shop", *flag, "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not any(LOG_LINE.match(line) for line in result.stderr.splitlines())


def test_v6_logs_the_failed_request_too(cluster: FakeApi, kubeconfig: Path, tmp_path: Path) -> None:
    result = meshify("ns", "nowhere", "--v", "6", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 2
    assert re.search(
        r"^GET \S+/api/v1/namespaces/nowhere 404 Not Found in \d+ milliseconds$", result.stderr, re.M
    )


# --- identity -------------------------------------------------------------------------------------


def test_user_agent_names_the_plugin_on_every_request_and_apply_keeps_its_field_manager(
    cluster: FakeApi, kubeconfig: Path, tmp_path: Path
) -> None:
    result = meshify("ns", "shop", "--apply", "--kubeconfig", str(kubeconfig), home=tmp_path)
    assert result.returncode == 0, result.stderr
    agent = re.compile(rf"^kubectl-meshify/{re.escape(__version__)} \((linux|darwin)/[a-z0-9]+\)$")
    seen = api_requests(cluster)
    assert seen and all(agent.match(r["user_agent"]) for r in seen), {r["user_agent"] for r in seen}
    patches = [r for r in seen if r["method"] == "PATCH"]
    assert patches and {r["query"].get("fieldManager") for r in patches} == {"kubectl-meshify"}


# --- colour on stderr -----------------------------------------------------------------------------


SGR = re.compile(rb"\x1b\[[0-9;]*m")


def stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    controller, terminal = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": pythonpath(), **env},
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
    assert process.returncode == 2
    return shown


def test_errors_are_red_on_a_terminal_unless_no_color(cluster: FakeApi, kubeconfig: Path, tmp_path: Path):
    args = ["ns", "nowhere", "--kubeconfig", str(kubeconfig)]
    env = {"HOME": str(tmp_path)}
    assert b"\x1b[31;1merror:\x1b[0m namespace" in stderr_on_a_terminal(args, env)
    plain = stderr_on_a_terminal(args, {**env, "NO_COLOR": "1"})
    assert b"error: namespace" in plain and not SGR.search(plain)  # the progress line's \x1b[K is no colour
    piped = meshify(*args, home=tmp_path)
    assert piped.stderr.startswith("error: namespace") and "\x1b" not in piped.stderr


def test_preflight_warnings_are_yellow_on_a_terminal(fake: FakeApi, kubeconfig: Path, tmp_path: Path):
    shop(fake, "shop")  # no Istio: a preflight warning
    controller, terminal = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", "ns", "shop", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": pythonpath(), "HOME": str(tmp_path)},
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
    assert process.returncode == 0 and b"\x1b" not in process.stdout
    assert b"\x1b[33mpreflight warning:\x1b[0m Istio is not installed" in shown
