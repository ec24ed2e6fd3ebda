"""Fixtures of the Krew tests: the archive built once per session, installed once the way Krew does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from krew_support import (
    KUBECTL,
    MANIFEST,
    KrewInstall,
    PluginRunner,
    build_archive,
    install_like_krew,
    system_python,
)


@pytest.fixture(scope="session")
def krew_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("krew-dist"))


@pytest.fixture(scope="session")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def krew_install(krew_archive: Path, manifest: dict, tmp_path_factory: pytest.TempPathFactory) -> KrewInstall:
    return install_like_krew(manifest, krew_archive, tmp_path_factory.mktemp("krew-root"))


@pytest.fixture(scope="session")
def system_python3() -> Path:
    python = system_python()
    if python is None:
        pytest.skip("no system python3 >= 3.11 (/usr/bin/python3) to run the installed plugin with")
    return python


@pytest.fixture(scope="session")
def kubectl() -> Path:
    if not KUBECTL.exists():
        pytest.skip(f"{KUBECTL} is not installed")
    return KUBECTL


@pytest.fixture(scope="session")
def plugin(krew_install: KrewInstall, system_python3: Path, kubectl: Path) -> PluginRunner:
    return PluginRunner(krew_install, system_python3)
