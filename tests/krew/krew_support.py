"""Helpers of the Krew tests: build the archive with scripts/build-krew, install it the way Krew does,
find interpreters, and run commands as a Krew user would (clean HOME, a python3 that is not the venv's)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_KREW = ROOT / "scripts" / "build-krew"
MANIFEST = ROOT / "plugin.yaml"
KUBECTL = Path("/usr/bin/kubectl")
MIN_PYTHON = (3, 11)


def build_archive(out_dir: Path) -> Path:
    """Run scripts/build-krew into out_dir (the wheel cache under build/ is shared across builds)."""
    result = subprocess.run(
        [sys.executable, str(BUILD_KREW), "--out", str(out_dir)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, f"scripts/build-krew failed:\n{result.stdout}{result.stderr}"
    archive = Path(result.stdout.strip().splitlines()[-1])
    assert archive.is_file() and archive.parent == out_dir, result.stdout
    return archive


@dataclass
class KrewInstall:
    root: Path  # plays ~/.krew
    store: Path  # ~/.krew/store/meshify/<version>: the extracted archive
    bin_dir: Path  # ~/.krew/bin, on PATH
    home: Path  # an empty HOME


def install_like_krew(doc: dict, archive: Path, root: Path) -> KrewInstall:
    """What `kubectl krew install --manifest=plugin.yaml --archive=...` does: extract files and directories
    only (any other entry is an error), keep the archive's modes, then symlink bin/kubectl-<name> to `bin`."""
    name, version = doc["metadata"]["name"], doc["spec"]["version"]
    platform = doc["spec"]["platforms"][0]
    store = root / "store" / name / version
    store.mkdir(parents=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            target = store / member.name
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isreg():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
                target.chmod(member.mode & 0o777)
            else:
                raise AssertionError(f"{member.name}: Krew cannot handle tar entry type {member.type!r}")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / f"kubectl-{name.replace('-', '_')}").symlink_to(store / platform["bin"])
    home = root / "home"
    home.mkdir()
    return KrewInstall(root=root, store=store, bin_dir=bin_dir, home=home)


def python_version(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def system_python() -> Path | None:
    """The machine's own python3 (never the venv running the tests), if it is new enough."""
    for candidate in (Path("/usr/bin/python3"), Path("/usr/local/bin/python3")):
        version = python_version(candidate) if candidate.exists() else None
        if version and version >= MIN_PYTHON:
            return candidate
    return None


def pyenv_pythons() -> dict[tuple[int, int], Path]:
    """One interpreter per minor version installed with pyenv (`pyenv root`, else ~/.pyenv)."""
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        out = ""
    versions = Path(out or "~/.pyenv").expanduser() / "versions"
    found: dict[tuple[int, int], Path] = {}
    for entry in sorted(versions.iterdir()) if versions.is_dir() else []:
        match = re.fullmatch(r"(\d+)\.(\d+)\.\d+", entry.name)
        python = entry / "bin" / "python3"
        if match and python.exists():
            found[(int(match.group(1)), int(match.group(2)))] = python
    return found


@dataclass
class PluginRunner:
    """Runs commands as a Krew user would: PATH = krew bin, the chosen python3, system dirs; clean HOME."""

    install: KrewInstall
    python: Path

    def env(self, extra_path: Path | None = None, **extra: str) -> dict[str, str]:
        # A directory holding only `python3`, so PATH picks exactly this interpreter.
        pybin = self.install.root / "python" / "-".join(self.python.parts[1:])
        if not pybin.exists():
            pybin.mkdir(parents=True)
            (pybin / "python3").symlink_to(self.python)
        path = [
            str(self.install.bin_dir),
            *([str(extra_path)] if extra_path else []),
            str(pybin),
            "/usr/bin",
            "/bin",
        ]
        return {"HOME": str(self.install.home), "PATH": os.pathsep.join(path), "LANG": "C.UTF-8", **extra}

    def run(
        self, *args: str, extra_path: Path | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            env=self.env(extra_path, **extra),
            cwd=ROOT,
            timeout=120,
        )

    def kubectl(
        self, *args: str, extra_path: Path | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return self.run(str(KUBECTL), *args, extra_path=extra_path, **extra)
