#!/usr/bin/env python3
"""Startup cost of `kubectl meshify --help` against the floor of importing its two CLI libraries.

usage: python bench/startup_bench.py [--runs N]
Prints the median wall time of each command over N runs (after one warm-up) and their ratio.
Target (issue: core): --help within 1.5x of `python -c "import typer, ruamel.yaml"`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def median_wall(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("kubectl-meshify") or sys.exit("kubectl-meshify is not on PATH (pip install -e .)")
    help_time = median_wall([exe, "--help"], args.runs)
    floor = median_wall([sys.executable, "-c", "import typer, ruamel.yaml"], args.runs)
    print(f"kubectl meshify --help          median {help_time * 1000:.0f} ms")
    print(f"import typer, ruamel.yaml floor median {floor * 1000:.0f} ms")
    print(f"ratio {help_time / floor:.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
