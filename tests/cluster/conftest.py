"""Fixtures for cluster tests: the fake API server process, reset per test, and kubeconfigs for it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, where the fakeapi package lives

from fakeapi.control import FakeApi, FakeApiProcess, make_tls_files  # noqa: E402
from plugin_env import VENDOR_LIB  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def code_under_test() -> None:
    """When run against the Krew archive, make sure its vendored libraries are what the tests import
    (the plugin's own package is the same source either way: tests/krew/test_krew_archive.py)."""
    if VENDOR_LIB is None:
        return
    import kubernetes
    import typer
    import yaml

    for module in (kubernetes, typer, yaml):
        assert str(module.__file__).startswith(VENDOR_LIB), f"{module.__name__} from {module.__file__}"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeApiProcess]:
    server = FakeApiProcess()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeApiProcess) -> FakeApi:
    """The fake API server, emptied (default namespaces only, no faults, empty request log)."""
    fake_server.api.reset()
    return fake_server.api


@pytest.fixture
def kubeconfig(fake_server: FakeApiProcess, tmp_path: Path) -> Path:
    return fake_server.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    files = make_tls_files(tmp_path_factory.mktemp("tls"))
    if files is None:
        pytest.skip("openssl is not installed")
    return files


@pytest.fixture(scope="session")
def tls_server(tls_files: tuple[Path, Path, Path]) -> Iterator[FakeApiProcess]:
    """The fake server over HTTPS (kubectl sends bearer tokens only over TLS)."""
    server = FakeApiProcess(tls=(tls_files[1], tls_files[2]), ca_file=tls_files[0])
    yield server
    server.stop()
