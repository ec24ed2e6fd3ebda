"""plugin.yaml passes Krew's validation rules and agrees with the package and the archive it describes."""

from __future__ import annotations

import copy
import hashlib
import importlib.machinery
import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from krew_rules import archive_errors, matched_platforms, validate_plugin
from krew_support import BUILD_KREW, MANIFEST, ROOT
from packaging.requirements import Requirement

from kubectl_meshify import __version__

HOMEPAGE = "https://github.com/kubectl-meshify/kubectl-meshify"


def load_build_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_krew", str(BUILD_KREW))
    spec = importlib.util.spec_from_loader("build_krew", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_plugin_yaml_passes_krew_validation(manifest: dict) -> None:
    # krew-index names the file plugins/meshify.yaml and takes the plugin name from the file name.
    assert validate_plugin(manifest, "meshify") == []


def test_plugin_yaml_covers_linux_and_macos_only(manifest: dict) -> None:
    pairs = {pair for p in manifest["spec"]["platforms"] for pair in matched_platforms(p["selector"])}
    # A Python launcher cannot run on Windows under Krew (only .exe entrypoints do).
    assert {os_ for os_, _ in pairs} == {"linux", "darwin"}
    assert len(pairs) == 8


def test_plugin_yaml_documents_python_requirement(manifest: dict) -> None:
    spec = manifest["spec"]
    assert "python3 3.11" in spec["caveats"]
    assert "kubectl_complete-meshify" in spec["caveats"]
    assert spec["homepage"] == HOMEPAGE
    assert len(spec["shortDescription"]) <= 60
    assert spec["description"].strip() and "--" not in spec["description"]  # high level: no flags listed


def test_plugin_yaml_version_and_uri_follow_package_version(manifest: dict) -> None:
    version = f"v{__version__}"
    assert manifest["spec"]["version"] == version, (
        f"plugin.yaml says {manifest['spec']['version']}, the package is {__version__}: "
        "run scripts/build-krew --update-manifest"
    )
    [platform] = manifest["spec"]["platforms"]
    assert platform["uri"] == f"{HOMEPAGE}/releases/download/{version}/kubectl-meshify-{version}.tar.gz"
    assert platform["bin"] == "kubectl-meshify"
    assert "files" not in platform  # Krew's default {from: "*", to: "."} keeps the archive's layout


def test_plugin_yaml_sha256_is_the_archive_this_tree_builds(manifest: dict, krew_archive: Path) -> None:
    built = hashlib.sha256(krew_archive.read_bytes()).hexdigest()
    assert manifest["spec"]["platforms"][0]["sha256"] == built, (
        "plugin.yaml's sha256 is not the archive this tree builds (the archive holds the package, so "
        "every change to kubectl_meshify/ changes it): run scripts/build-krew --update-manifest and "
        "commit plugin.yaml"
    )


def test_archive_passes_krew_install_rules(manifest: dict, krew_archive: Path) -> None:
    assert archive_errors(krew_archive, manifest["spec"]["platforms"][0]["bin"]) == []


def test_update_manifest_rewrites_only_version_uri_and_sha(tmp_path: Path) -> None:
    build = load_build_script()
    stale = MANIFEST.read_text(encoding="utf-8").replace(f"v{__version__}", "v0.0.9")
    stale = re.sub(r'sha256: "[0-9a-f]{64}"', 'sha256: "' + "ab" * 32 + '"', stale)
    target = tmp_path / "plugin.yaml"
    target.write_text(stale, encoding="utf-8")

    build.update_manifest(target, "1.2.3", "cd" * 32)

    before, after = stale.splitlines(), target.read_text(encoding="utf-8").splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        ("  version: v0.0.9", "  version: v1.2.3"),
        (
            f"    uri: {HOMEPAGE}/releases/download/v0.0.9/kubectl-meshify-v0.0.9.tar.gz",
            f"    uri: {HOMEPAGE}/releases/download/v1.2.3/kubectl-meshify-v1.2.3.tar.gz",
        ),
        ('    sha256: "' + "ab" * 32 + '"', '    sha256: "' + "cd" * 32 + '"'),
    ]
    assert validate_plugin(yaml.safe_load(target.read_text(encoding="utf-8")), "meshify") == []


def test_update_manifest_refuses_an_unexpected_layout(tmp_path: Path) -> None:
    build = load_build_script()
    target = tmp_path / "plugin.yaml"
    shutil.copyfile(MANIFEST, target)
    target.write_text(
        target.read_text(encoding="utf-8").replace("    sha256:", "    sha256sum:"), encoding="utf-8"
    )
    with pytest.raises(build.BuildError, match="sha256"):
        build.update_manifest(target, "1.2.3", "cd" * 32)


def test_lock_pins_every_project_dependency_within_its_range() -> None:
    build = load_build_script()
    pins: dict[str, str] = {}
    for line in (ROOT / "scripts" / "krew-requirements.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+) --hash=sha256:[0-9a-f]{64}(  # .*)?", line)
            assert match, f"not an exact hash-pinned requirement: {line!r}"
            pins[match.group(1).lower().replace("_", "-").replace(".", "-")] = match.group(2)
    for dependency in build.project_dependencies():
        requirement = Requirement(dependency)
        key = requirement.name.lower().replace("_", "-").replace(".", "-")
        assert key in pins, f"{requirement.name} is missing from the lock: run scripts/build-krew --lock"
        assert requirement.specifier.contains(pins[key]), (
            f"lock pins {requirement.name}=={pins[key]}, outside {requirement.specifier}: "
            "run scripts/build-krew --lock"
        )


# Each Krew rule, broken on purpose, must be caught by the mirror (so the checks above can fail).
BROKEN: dict[str, tuple[str, Any, str]] = {
    "apiVersion": ("apiVersion", "krew.googlecontainertools.github.com/v1alpha1", "apiVersion="),
    "kind": ("kind", "Plugins", "kind="),
    "unsafe name": ("metadata.name", "mesh ify", "is not allowed"),
    "reserved name": ("metadata.name", "CON", "is not allowed"),
    "version without v": ("spec.version", "0.1.0", "failed to parse plugin version"),
    "version not semver": ("spec.version", "v0.1", "failed to parse plugin version"),
    "no version": ("spec.version", None, "should have a version"),
    "multi-line short description": ("spec.shortDescription", "Convert\nIngresses", "line breaks"),
    "no short description": ("spec.shortDescription", "", "should have a short description"),
    "no platforms": ("spec.platforms", [], "should have a platform"),
    "upper-case sha256": ("spec.platforms.0.sha256", "AB" * 32, "is not valid"),
    "short sha256": ("spec.platforms.0.sha256", "ab" * 31, "is not valid"),
    "no sha256": ("spec.platforms.0.sha256", "", "sum has to be set"),
    "no uri": ("spec.platforms.0.uri", "", "`uri` has to be set"),
    "no bin": ("spec.platforms.0.bin", None, "`bin` has to be set"),
    "empty files": ("spec.platforms.0.files", [], "must be omitted or non-empty"),
    "file op without to": ("spec.platforms.0.files", [{"from": "*"}], "must set `from` and `to`"),
    "no selector": ("spec.platforms.0.selector", None, "selector has to be set"),
    "empty matchLabels": (
        "spec.platforms.0.selector",
        {"matchLabels": {}},
        "`matchLabels` specified but empty",
    ),
    "empty matchExpressions": (
        "spec.platforms.0.selector",
        {"matchLabels": {"os": "linux"}, "matchExpressions": []},
        "`matchExpressions` specified but empty",
    ),
    "selector key": (
        "spec.platforms.0.selector",
        {"matchLabels": {"os": "linux", "distro": "x"}},
        "'distro' not allowed",
    ),
    "matches nothing": (
        "spec.platforms.0.selector",
        {"matchLabels": {"os": "plan9"}},
        "matches no supported",
    ),
    "overlap": (
        "spec.platforms.1",
        {
            "selector": {"matchLabels": {"os": "linux", "arch": "amd64"}},
            "uri": "u",
            "sha256": "a" * 64,
            "bin": "b",
        },
        "both match linux/amd64",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_validator_mirror_rejects(case: str, manifest: dict) -> None:
    path, value, expected = BROKEN[case]
    doc = copy.deepcopy(manifest)
    *parents, last = path.split(".")
    node: Any = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node.insert(int(last), value)
    else:
        node[last] = value
    errors = validate_plugin(doc, doc["metadata"]["name"])
    assert any(expected in error for error in errors), errors


def test_validator_mirror_takes_the_name_from_the_file(manifest: dict) -> None:
    # `validate-krew-manifest plugin.yaml` fails: the index copy must be plugins/meshify.yaml.
    assert validate_plugin(manifest, "plugin") == ["plugin should be named 'meshify', not 'plugin'"]
