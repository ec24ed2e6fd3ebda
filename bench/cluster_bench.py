#!/usr/bin/env python3
"""Cluster mode speed: `kubectl meshify all` against `kubectl get ingress,service,deployment -A -o json`.

usage: python bench/cluster_bench.py [--apps 2000] [--namespaces 20] [--runs 3]
Serves the objects of `../shared/bench/gen_corpus.py APPS --namespaces N` (plus Istio's CRDs and an ingress
gateway) from the test suite's fake API server over TLS, runs both commands against it in the same run
(one warm-up each, then RUNS alternating timed runs), and prints the medians of wall and CPU time (the
child's, from wait4), their ratios and the number of API requests each command sent.
Target (issue 19): `kubectl meshify all` at most 1.5x the time of `kubectl get`; the CPU ratio is printed
too, as wall times swing on a busy machine. Exit status 1 when both ratios miss the target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tests"))

from fakeapi.control import FakeApiProcess, make_tls_files  # noqa: E402
from fakeapi.crds import istio_crds  # noqa: E402

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


TARGET = 1.5


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command` (CPU of the child, from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command)} failed ({code}): {err.decode()[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generator = SHARED / "bench" / "gen_corpus.py"
    if not generator.exists():
        sys.exit(f"the corpus generator is not available: {generator}")
    kubectl = shutil.which("kubectl") or sys.exit("kubectl is not on PATH")
    meshify = shutil.which("kubectl-meshify") or sys.exit("kubectl-meshify is not on PATH (pip install -e .)")

    with tempfile.TemporaryDirectory(prefix="meshify-bench-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus.yaml"
        with corpus.open("w") as out:
            subprocess.run(
                [sys.executable, str(generator), str(args.apps), "--namespaces", str(args.namespaces)],
                stdout=out,
                check=True,
            )
        tls = make_tls_files(work) or sys.exit("openssl is needed: kubectl sends tokens only over TLS")
        server = FakeApiProcess(tls=(tls[1], tls[2]), ca_file=tls[0], seed_files=[corpus])
        try:
            server.api.seed([*istio_crds(), GATEWAY])
            objects = server.api.stats()["objects"]
            kubeconfig = server.write_kubeconfig(work / "kubeconfig")
            env = {"PATH": os.environ["PATH"], "HOME": str(work), "KUBECONFIG": str(kubeconfig)}
            get = [kubectl, "get", "ingress,service,deployment", "-A", "-o", "json"]
            convert = [meshify, "all"]
            requests = {}
            for name, command in (("kubectl", get), ("meshify", convert)):
                server.api.clear_requests()
                timed(command, env)  # warm-up: discovery cache, bytecode
                requests[name] = len(server.api.requests())
            samples: dict[str, list[tuple[float, float]]] = {"kubectl": [], "meshify": []}
            for _ in range(args.runs):
                samples["kubectl"].append(timed(get, env))
                samples["meshify"].append(timed(convert, env))
        finally:
            server.stop()

    kubectl_time = statistics.median(w for w, _ in samples["kubectl"])
    meshify_time = statistics.median(w for w, _ in samples["meshify"])
    kubectl_cpu = statistics.median(c for _, c in samples["kubectl"])
    meshify_cpu = statistics.median(c for _, c in samples["meshify"])
    print(f"objects served: {objects} ({args.apps} apps, {args.namespaces} namespaces)")
    print(
        f"kubectl get ingress,service,deployment -A -o json  median {kubectl_time:.2f} s wall,"
        f" {kubectl_cpu:.2f} s CPU, {requests['kubectl']} requests"
    )
    print(
        f"kubectl meshify all                               median {meshify_time:.2f} s wall,"
        f" {meshify_cpu:.2f} s CPU, {requests['meshify']} requests"
    )
    ratio, cpu_ratio = meshify_time / kubectl_time, meshify_cpu / kubectl_cpu
    ok = ratio <= TARGET or cpu_ratio <= TARGET
    print(f"ratio {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target <= {TARGET})  {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
