"""Fixtures for the smoke tests: the real CLI as a process, stand-in gateways, a throwaway CA and certificate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.smoke.standin import Faults, StandIn

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("shop.example.com", "*.example.com", "example.com")


def meshify(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m kubectl_meshify ARGS` in the repository, with a clean trust-store environment."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=timeout,
    )


def documents(stream: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(stream) if d]


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A throwaway CA and a server certificate for the test hosts, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("certs")
    files = {
        name: str(directory / name) for name in ("ca.key", "ca.crt", "gw.key", "gw.csr", "gw.crt", "ext")
    }
    Path(files["ext"]).write_text("subjectAltName=" + ",".join(f"DNS:{h}" for h in HOSTS) + "\n")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=smoke-ca",
        "-keyout", files["ca.key"], "-out", files["ca.crt"])  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=shop.example.com",
        "-keyout", files["gw.key"], "-out", files["gw.csr"])  # fmt: skip
    run("x509", "-req", "-in", files["gw.csr"], "-CA", files["ca.crt"], "-CAkey", files["ca.key"],
        "-CAcreateserial", "-days", "2", "-extfile", files["ext"], "-out", files["gw.crt"])  # fmt: skip
    return files


@pytest.fixture
def gateway() -> Iterator[Callable[..., StandIn]]:
    """Start stand-in gateways (`gateway(objects, tls=..., faults=...)`); all are stopped after the test."""
    started: list[StandIn] = []

    def start(
        objects: list[dict[str, Any]], tls: tuple[str, str] | None = None, faults: Faults | None = None
    ) -> StandIn:
        server = StandIn(objects, tls=tls, faults=faults)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
