"""The archive installed the way Krew installs it, driven through the real kubectl with a clean HOME and
the machine's python3 (and pyenv's 3.12 / 3.13 when present), never the development venv."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from krew_support import ROOT, KrewInstall, PluginRunner, pyenv_pythons

from kubectl_meshify import __version__

EXAMPLE = ROOT / "examples" / "shop.yaml"


def completion(result: subprocess.CompletedProcess[str]) -> tuple[list[str], str]:
    """Candidates (values only) and the directive line of a `kubectl __complete` answer."""
    assert result.returncode == 0, result.stderr
    *lines, directive = result.stdout.splitlines()
    return [line.split("\t")[0] for line in lines], directive


def has_command(plugin: PluginRunner, name: str) -> bool:
    return plugin.kubectl("meshify", name, "--help").returncode == 0


def test_kubectl_plugin_list_finds_it(plugin: PluginRunner) -> None:
    result = plugin.kubectl("plugin", "list")
    # kubectl exits 1 when it has warnings (not executable, shadowing a built-in): none allowed.
    assert result.returncode == 0, result.stderr
    assert str(plugin.install.bin_dir / "kubectl-meshify") in result.stdout.splitlines()


def test_version_through_kubectl(plugin: PluginRunner) -> None:
    for args in (["version"], ["--version"]):
        result = plugin.kubectl("meshify", *args)
        assert (result.returncode, result.stdout) == (0, f"kubectl-meshify {__version__}\n"), result.stderr


def test_help_through_kubectl_says_kubectl_meshify(plugin: PluginRunner) -> None:
    for flag in ("--help", "-h"):
        result = plugin.kubectl("meshify", flag)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Usage: kubectl meshify "), result.stdout
        assert "version" in result.stdout


def test_usage_errors_exit_2_without_traceback(plugin: PluginRunner) -> None:
    for args in (["--no-such-flag"], ["no-such-command"]):
        result = plugin.kubectl("meshify", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Usage: kubectl meshify" in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_file_conversion_through_kubectl(plugin: PluginRunner) -> None:
    if not has_command(plugin, "file") or not EXAMPLE.exists():
        pytest.skip(f"`kubectl meshify file` or {EXAMPLE.relative_to(ROOT)} is not on this branch yet")
    result = plugin.kubectl("meshify", "file", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "kind: VirtualService" in result.stdout
    # The installed archive (pure-Python PyYAML, system python) must convert exactly like the dev install.
    dev = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", "file", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (dev.returncode, dev.stdout) == (0, result.stdout)


def unreachable_kubeconfig(directory: Path) -> Path:
    """A kubeconfig whose only cluster is a closed loopback port: every request is refused at once."""
    path = directory / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", [["ns", "default"], ["all"]], ids=["ns", "all"])
def test_kube_flags_after_the_subcommand(command: list[str], plugin: PluginRunner, tmp_path: Path) -> None:
    """kubectl rejects global flags before a plugin name, so the plugin takes them after its command."""
    if not has_command(plugin, command[0]):
        pytest.skip(f"`kubectl meshify {command[0]}` is not on this branch yet")
    kubeconfig = unreachable_kubeconfig(tmp_path)
    flags = ["--kubeconfig", str(kubeconfig), "--context", "c", "--request-timeout", "5"]
    result = plugin.kubectl("meshify", *command, *flags, *(["-n", "default"] if command[0] == "ns" else []))
    # Accepted flags, then an unreachable cluster: exit 2 with a message, not a usage error or traceback.
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "No such option" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""


# --- completion ---------------------------------------------------------------------------------


def caveat_completion_link(plugin: PluginRunner, manifest: dict) -> None:
    """Run the completion step exactly as plugin.yaml's caveats tell the user to."""
    [command] = [line.strip() for line in manifest["spec"]["caveats"].splitlines() if "ln -sf" in line]
    link = plugin.install.bin_dir / "kubectl_complete-meshify"
    if not link.is_symlink():
        env = plugin.env(KREW_ROOT=str(plugin.install.root))
        subprocess.run(["bash", "-c", command], env=env, check=True)
    assert link.is_symlink()


@pytest.fixture(params=["caveat-link", "store-on-path"])
def completing(request: pytest.FixtureRequest, plugin: PluginRunner, manifest: dict) -> PluginRunner:
    """kubectl finds kubectl_complete-meshify either through the link the caveats suggest, or because the
    user put the install directory (which ships the file) on PATH."""
    if request.param == "caveat-link":
        caveat_completion_link(plugin, manifest)
        return plugin
    bare = plugin.install.root / "bare-bin"
    if not bare.exists():
        bare.mkdir()
        (bare / "kubectl-meshify").symlink_to(plugin.install.store / "kubectl-meshify")
    install = KrewInstall(plugin.install.root, plugin.install.store, bare, plugin.install.home)
    return _StorePathRunner(install, plugin.python)


class _StorePathRunner(PluginRunner):
    def env(self, extra_path: Path | None = None, **extra: str) -> dict[str, str]:
        return super().env(extra_path or self.install.store, **extra)


def test_completion_of_commands(completing: PluginRunner) -> None:
    values, directive = completion(completing.kubectl("__complete", "meshify", ""))
    assert "version" in values and directive == ":4"
    assert values == [v for v in values if not v.startswith("-")], "options only when a dash is typed"


def test_completion_of_a_partial_word(completing: PluginRunner) -> None:
    assert completion(completing.kubectl("__complete", "meshify", "vers")) == (["version"], ":4")
    values, directive = completion(completing.kubectl("__complete", "meshify", "--"))
    assert {"--version", "--help"} <= set(values) and directive == ":4"


def test_completion_lines_carry_descriptions(plugin: PluginRunner, manifest: dict) -> None:
    caveat_completion_link(plugin, manifest)
    result = plugin.kubectl("__complete", "meshify", "vers")
    assert result.stdout == "version\tPrint the version of the plugin.\n:4\n"
    assert "ShellCompDirectiveNoFileComp" in result.stderr


def test_completion_of_file_options_and_paths(plugin: PluginRunner, manifest: dict) -> None:
    caveat_completion_link(plugin, manifest)
    if not has_command(plugin, "file"):
        pytest.skip("`kubectl meshify file` is not on this branch yet")
    values, directive = completion(plugin.kubectl("__complete", "meshify", "file", "--rep"))
    assert (values, directive) == (["--report", "--report-json", "--report-html"], ":4")
    assert completion(plugin.kubectl("__complete", "meshify", "file", "-o", "")) == (["yaml", "json"], ":4")
    # A path goes here: no candidates, directive 0, so the shell completes file names.
    assert completion(plugin.kubectl("__complete", "meshify", "file", "")) == ([], ":0")
    assert completion(plugin.kubectl("__complete", "meshify", "file", "--report", "")) == ([], ":0")
    # Nothing follows `version`: no file names either.
    assert completion(plugin.kubectl("__complete", "meshify", "version", "")) == ([], ":4")


# --- other interpreters -------------------------------------------------------------------------

PYENV = pyenv_pythons()


@pytest.mark.parametrize("minor", [12, 13], ids=["py3.12", "py3.13"])
def test_runs_under_newer_pythons(minor: int, krew_install: KrewInstall, kubectl: Path) -> None:
    python = PYENV.get((3, minor))
    if python is None:
        pytest.skip(f"no Python 3.{minor} installed with pyenv")
    runner = PluginRunner(krew_install, python)
    version = runner.kubectl("meshify", "version")
    assert (version.returncode, version.stdout) == (0, f"kubectl-meshify {__version__}\n"), version.stderr
    assert runner.kubectl("meshify", "--help").stdout.startswith("Usage: kubectl meshify ")
    probe = runner.run(str(krew_install.bin_dir / "kubectl-meshify"), "version", PYTHONVERBOSE="1")
    assert re.search(rf"python3\.{minor}", probe.stderr), "the launcher did not run on the chosen interpreter"
    if has_command(runner, "file") and EXAMPLE.exists():
        converted = runner.kubectl("meshify", "file", str(EXAMPLE))
        assert converted.returncode == 0 and "kind: VirtualService" in converted.stdout, converted.stderr


def test_old_python_gets_a_clear_message(krew_install: KrewInstall, kubectl: Path) -> None:
    old = [python for (major, minor), python in sorted(PYENV.items()) if major == 3 and 6 <= minor < 11]
    if not old:
        pytest.skip("no python3 older than 3.11 installed with pyenv")
    runner = PluginRunner(krew_install, old[-1])
    result = runner.kubectl("meshify", "version")
    assert result.returncode == 2
    assert "kubectl-meshify needs Python 3.11 or newer, but python3 on PATH is 3." in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
