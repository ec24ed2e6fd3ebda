#!/usr/bin/env python3
"""Cost of the behaviour check: `kubectl meshify file` on the reference corpus with and without it.

usage: python bench/verify_bench.py [--apps 2000] [--namespaces 20] [--runs 5]
Generates the corpus with ../shared/bench/gen_corpus.py, then times the real command both ways
(median wall and CPU time over N runs after one warm-up, report files written to a temporary directory) and
prints the verification share. Target (issue: proof of equivalence): verification adds under 20%.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEN_CORPUS = ROOT.parent / "shared" / "bench" / "gen_corpus.py"


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_times(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the command (CPU is steadier on a shared machine)."""
    subprocess.run(command, capture_output=True, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), _child_cpu()
        done = subprocess.run(command, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not GEN_CORPUS.exists():
        sys.exit(f"{GEN_CORPUS} not found (the shared reference material is needed)")
    exe = shutil.which("kubectl-meshify") or sys.exit("kubectl-meshify is not on PATH (pip install -e .)")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.yaml"
        with corpus.open("w") as out:
            subprocess.run(
                [sys.executable, str(GEN_CORPUS), str(args.apps), "--namespaces", str(args.namespaces)],
                stdout=out,
                check=True,
            )
        report = Path(tmp) / "report.json"
        base = [exe, "file", str(corpus), "--report-json", str(report)]
        without = median_times([*base, "--no-verify"], args.runs)
        with_check = median_times(base, args.runs)
        totals = json.loads(report.read_text())["summary"].get("verification", {})
    print(f"corpus: gen_corpus.py {args.apps} --namespaces {args.namespaces}, {args.runs} runs each")
    print(f"probes: {totals.get('probes')}  same: {totals.get('same')}  different: {totals.get('different')}")
    for label, index in (("wall", 0), ("CPU", 1)):
        share = (with_check[index] - without[index]) / without[index]
        print(
            f"{label:4}: without verification {without[index]:.2f} s, with {with_check[index]:.2f} s:"
            f" verification adds {share * 100:.1f}% (target < 20%)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
