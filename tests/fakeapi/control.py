"""Start the fake API server process and steer it from tests (reset, seed, faults, request log)."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

TESTS_DIR = Path(__file__).resolve().parents[1]
TOKEN = "fake-token-0123456789"


class FakeApiProcess:
    """The fake server running as its own process, listening on 127.0.0.1 on a free port."""

    def __init__(
        self,
        token: str | None = TOKEN,
        tls: tuple[Path, Path] | None = None,
        seed_files: Iterable[Path] = (),
        ca_file: Path | None = None,
    ) -> None:
        cmd = [sys.executable, "-m", "fakeapi"]
        if token:
            cmd += ["--token", token]
        if tls:
            cmd += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
        cmd += [str(p) for p in seed_files]
        env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
        self.token = token
        self.ca_file = ca_file  # the CA that signed the TLS certificate, for kubeconfigs
        self.process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 120)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"fake API server did not start: {line!r}")
        self.url = line.split()[1]
        self.api = FakeApi(self.url, tls is not None, token)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def write_kubeconfig(
        self,
        path: Path,
        *,
        token: str | None = None,
        context: str = "fake",
        namespace: str | None = None,
        ca_file: Path | None = None,
        server: str | None = None,
        current_context: str | None = "",
    ) -> Path:
        """A kubeconfig with one cluster/user/context pointing at this server."""
        cluster: dict[str, Any] = {"server": server or self.url}
        ca_file = ca_file or self.ca_file
        if ca_file is not None:
            cluster["certificate-authority"] = str(ca_file)
        ctx: dict[str, Any] = {"cluster": f"{context}-cluster", "user": f"{context}-user"}
        if namespace:
            ctx["namespace"] = namespace
        config: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
            "users": [{"name": f"{context}-user", "user": {"token": token or self.token or "none"}}],
            "contexts": [{"name": context, "context": ctx}],
            "preferences": {},
        }
        if current_context is not None:
            config["current-context"] = current_context or context
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path


class FakeApi:
    """The fake server's control endpoints (not part of the Kubernetes API; never logged)."""

    def __init__(self, url: str, tls: bool = False, token: str | None = TOKEN) -> None:
        self.url = url
        self.token = token
        self._context = None
        if tls:
            import ssl

            self._context = (
                ssl._create_unverified_context()
            )  # control calls only; the tests check TLS elsewhere

    def _call(self, method: str, path: str, body: bytes | None = None) -> Any:
        request = urllib.request.Request(self.url + path, data=body, method=method)
        with urllib.request.urlopen(request, timeout=60, context=self._context) as response:
            return json.loads(response.read())

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        token: str | None = "",
    ) -> tuple[int, dict[str, Any]]:
        """A Kubernetes API request as another client would send it (logged like any other)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", accept)
        request.add_header("Content-Type", content_type)
        token = self.token if token == "" else token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._context) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def reset(self) -> None:
        self._call("POST", "/_fake/reset")

    def seed(self, objects: Iterable[dict[str, Any]] | str) -> int:
        text = objects if isinstance(objects, str) else yaml.safe_dump_all(list(objects), sort_keys=False)
        return int(self._call("POST", "/_fake/seed", text.encode())["seeded"])

    def seed_file(self, path: Path) -> int:
        return self.seed(path.read_text(encoding="utf-8"))

    def faults(self, *rules: dict[str, Any]) -> None:
        self._call("POST", "/_fake/faults", json.dumps(list(rules)).encode())

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_fake/requests"))

    def clear_requests(self) -> None:
        self._call("DELETE", "/_fake/requests")

    def objects(self, resource: str, group: str = "", namespace: str | None = None) -> list[dict[str, Any]]:
        query = f"?resource={resource}&group={group}" + (f"&namespace={namespace}" if namespace else "")
        return list(self._call("GET", "/_fake/objects" + query))

    def stats(self) -> dict[str, int]:
        return dict(self._call("GET", "/_fake/stats"))


def make_tls_files(directory: Path) -> tuple[Path, Path, Path] | None:
    """A CA and a server certificate for 127.0.0.1 made with openssl; None when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "server.key", directory / "server.csr", directory / "server.crt"
    ext = directory / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=fake-ca",
        "-keyout", str(ca_key), "-out", str(ca_crt))  # fmt: skip
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        str(key),
        "-out",
        str(csr),
    )
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-days", "2", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return ca_crt, crt, key
