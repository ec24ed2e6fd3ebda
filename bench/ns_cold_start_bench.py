#!/usr/bin/env python3
"""Cold start of `kubectl meshify ns shop` from the installed Krew archive against `kubectl get` of the
same objects, in CPU time (user + system of the process and everything it waited for).

Target (issue: performance): at most 6x the CPU time of
`kubectl get ingress,service,deployment,statefulset -n shop -o json`.

    .venv/bin/python bench/ns_cold_start_bench.py [--archive dist/kubectl-meshify-vX.tar.gz] [--runs 15]

The archive (built with scripts/build-krew unless given) is installed the way Krew does (see
krew_help_time.py); the shipped examples/shop.yaml, Istio's CRDs and an ingress gateway are served by the
test suite's fake API server over TLS (kubectl sends bearer tokens only over TLS). Each command runs once
to warm up (kubectl's discovery cache, the launcher's bytecode), then RUNS times, alternating, so load
changes hit both alike. Also prints the unpacked size of the archive and its kubernetes model modules.
Exit 1 when the CPU ratio misses.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeapi.control import FakeApiProcess, make_tls_files  # noqa: E402
from fakeapi.crds import istio_crds  # noqa: E402
from krew_help_time import KUBECTL, build_archive, install  # noqa: E402

EXAMPLE = ROOT / "examples" / "shop.yaml"
NAMESPACE = "shop"
GATEWAY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "istio-ingressgateway",
        "namespace": "istio-system",
        "labels": {"istio": "ingressgateway"},
    },
    "spec": {
        "template": {"metadata": {"labels": {"istio": "ingressgateway", "app": "istio-ingressgateway"}}}
    },
}


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run; exits when the command fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {err.decode()[-800:]}")
    return usage.ru_utime + usage.ru_stime, wall


def archive_facts(archive: Path) -> str:
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isreg()]
    size = sum(m.size for m in members)
    models = [
        m.name
        for m in members
        if m.name.startswith("lib/kubernetes/client/models/") and not m.name.endswith("/__init__.py")
    ]
    return (
        f"archive {archive.name}: {archive.stat().st_size / 1e6:.2f} MB packed, {size / 1e6:.2f} MB unpacked,"
        f" {len(members)} files, {len(models)} kubernetes model modules"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, help="archive to install (default: build one)")
    parser.add_argument("--python", type=Path, default=Path("/usr/bin/python3"), help="the plugin's python3")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--max-ratio", type=float, default=6.0)
    args = parser.parse_args()
    if not Path(KUBECTL).exists():
        sys.exit(f"{KUBECTL} is not installed")

    with tempfile.TemporaryDirectory(prefix="ns-cold-start-") as tmp:
        work = Path(tmp)
        archive = args.archive or build_archive(work / "dist")
        env = install(archive, work / "krew", args.python)
        tls = make_tls_files(work) or sys.exit("openssl is needed: kubectl sends tokens only over TLS")
        server = FakeApiProcess(tls=(tls[1], tls[2]), ca_file=tls[0])
        try:
            server.api.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}])
            server.api.seed_file(EXAMPLE)
            server.api.seed([*istio_crds(), GATEWAY])
            env["KUBECONFIG"] = str(server.write_kubeconfig(work / "kubeconfig"))
            get = [KUBECTL, "get", "ingress,service,deployment,statefulset", "-n", NAMESPACE, "-o", "json"]
            meshify = [KUBECTL, "meshify", "ns", NAMESPACE]
            commands = {"kubectl get": get, "kubectl meshify ns": meshify}
            requests = {}
            for name, command in commands.items():
                server.api.clear_requests()
                run_measured(command, env)  # warm-up
                requests[name] = len(server.api.requests())
            cpu: dict[str, list[float]] = {name: [] for name in commands}
            wall: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, command in commands.items():
                    used, took = run_measured(command, env)
                    cpu[name].append(used)
                    wall[name].append(took)
        finally:
            server.stop()

    print(archive_facts(archive))
    for name in commands:
        print(
            f"{name + ' ' + NAMESPACE:<24} CPU median {statistics.median(cpu[name]):.3f} s"
            f" (min {min(cpu[name]):.3f}), wall median {statistics.median(wall[name]):.3f} s,"
            f" {requests[name]} requests"
        )
    ratio = statistics.median(cpu["kubectl meshify ns"]) / statistics.median(cpu["kubectl get"])
    print(f"CPU ratio {ratio:.2f} (target <= {args.max_ratio:g})")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
