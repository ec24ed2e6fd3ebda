"""The archive scripts/build-krew makes: reproducible, and shaped the way Krew and the launcher need."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest
from krew_support import ROOT, build_archive

from kubectl_meshify import __version__

LAUNCHERS = ("kubectl-meshify", "kubectl_complete-meshify")


@pytest.fixture(scope="module")
def members(krew_archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(krew_archive, "r:gz") as tar:
        return tar.getmembers()


def test_archive_is_named_after_the_release_asset(krew_archive: Path) -> None:
    assert krew_archive.name == f"kubectl-meshify-v{__version__}.tar.gz"


def test_two_builds_give_the_same_bytes(krew_archive: Path, tmp_path: Path) -> None:
    again = build_archive(tmp_path)
    assert (
        hashlib.sha256(again.read_bytes()).hexdigest()
        == hashlib.sha256(krew_archive.read_bytes()).hexdigest()
    )


def test_entries_are_normalised(members: list[tarfile.TarInfo]) -> None:
    names = [m.name for m in members]
    assert names == sorted(names, key=lambda n: n.split("/")), "entries must come in a fixed, sorted order"
    for m in members:
        assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (0, 0, 0, "", ""), m.name
        assert m.isreg() or m.isdir(), f"{m.name}: Krew extracts only files and directories"
        expected = 0o755 if m.isdir() or m.name in LAUNCHERS else 0o644
        assert m.mode == expected, f"{m.name}: mode {m.mode:o}"


def test_gzip_header_carries_no_time_or_name(krew_archive: Path) -> None:
    header = krew_archive.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate: Krew detects tar.gz by content
    assert header[3] & 0x08 == 0, "no file name in the gzip header"
    assert header[4:8] == b"\0\0\0\0", "gzip mtime must be 0"


def test_top_level_layout(members: list[tarfile.TarInfo]) -> None:
    top = sorted({m.name.split("/")[0] for m in members})
    assert top == ["LICENSE", "kubectl-meshify", "kubectl_complete-meshify", "lib"]


def test_carries_our_package_and_license_as_in_the_tree(
    krew_archive: Path, members: list[tarfile.TarInfo]
) -> None:
    ours = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "kubectl_meshify").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    shipped = sorted(
        m.name.removeprefix("lib/")
        for m in members
        if m.isreg() and m.name.startswith("lib/kubectl_meshify/")
    )
    assert shipped == [name for name in ours if not name.endswith((".pyc", ".pyo"))]
    with tarfile.open(krew_archive, "r:gz") as tar:
        for name, source in (("LICENSE", ROOT / "LICENSE"), ("lib/kubectl_meshify/__init__.py", None)):
            data = tar.extractfile(name)
            assert data is not None
            assert data.read() == (source or ROOT / "kubectl_meshify" / "__init__.py").read_bytes()


def test_no_compiled_code_bytecode_or_build_host_traces(members: list[tarfile.TarInfo]) -> None:
    bad = [
        m.name
        for m in members
        if m.name.endswith((".so", ".pyd", ".dylib", ".pyc", ".pyo"))
        or ".so." in m.name
        or "__pycache__" in m.name
        or m.name.startswith("lib/bin/")
        or m.name.endswith(("/RECORD", "/INSTALLER", "/direct_url.json"))
    ]
    assert bad == []


def test_vendors_the_runtime_dependencies(members: list[tarfile.TarInfo]) -> None:
    names = {m.name for m in members}
    for package in ("typer", "yaml", "kubernetes", "kubernetes/client"):
        assert f"lib/{package}/__init__.py" in names, package


# Issue "behave like kubectl": ship only what runs.
MAX_UNPACKED_BYTES = 20_000_000
MAX_MODEL_MODULES = 50
NEVER_IMPORTED = ("rich", "pygments", "markdown_it", "mdurl", "websocket", "durationpy")


def test_lean_vendor_tree(members: list[tarfile.TarInfo]) -> None:
    files = [m for m in members if m.isreg()]
    assert sum(m.size for m in files) <= MAX_UNPACKED_BYTES
    tops = {m.name.split("/")[1] for m in files if m.name.startswith("lib/")}
    assert not [t for t in tops if t.split("-")[0].lower().replace("_", "-") in {"rich", "pygments", "mdurl"}]
    for package in NEVER_IMPORTED:
        assert f"lib/{package}/__init__.py" not in {m.name for m in files}, package
    models = [
        m.name
        for m in files
        if m.name.startswith("lib/kubernetes/client/models/") and not m.name.endswith("/__init__.py")
    ]
    assert len(models) <= MAX_MODEL_MODULES, len(models)
    # The official client's transport and every kubeconfig authentication path stay.
    names = {m.name for m in files}
    for module in ("client/api_client", "client/rest", "config/kube_config", "config/exec_provider",
                   "config/incluster_config"):  # fmt: skip
        assert f"lib/kubernetes/{module}.py" in names, module


def test_launchers_are_one_script_that_checks_python_first(krew_archive: Path) -> None:
    with tarfile.open(krew_archive, "r:gz") as tar:
        texts = []
        for name in LAUNCHERS:
            data = tar.extractfile(name)
            assert data is not None
            texts.append(data.read().decode())
    assert texts[0] == texts[1]
    text = texts[0]
    assert text.startswith("#!/usr/bin/env python3\n")
    assert text.index("sys.version_info < (3, 11)") < text.index("from kubectl_meshify")
    assert "os.path.realpath(__file__)" in text
    compile(text, "kubectl-meshify", "exec")
