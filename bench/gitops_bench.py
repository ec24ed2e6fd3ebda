#!/usr/bin/env python3
"""GitOps mode (`kubectl meshify file CORPUS --out-dir DIR`) against the floor of loading the same file.

usage: python bench/gitops_bench.py [--apps 2000] [--small 500] [--namespaces 20] [--runs 3] [--keep DIR]

Generates the reference corpus with ../shared/bench/gen_corpus.py (skips when it is absent), then measures,
each as the median of --runs child processes:
- floor: `list(yaml.load_all(text, Loader=yaml.CSafeLoader))` on the corpus (timed inside the child);
- the whole `kubectl meshify file CORPUS --out-dir DIR` command (wall time of the child, startup included),
  its CPU time and its peak memory (ru_maxrss from wait4);
- the same command on the --small corpus, for the scaling ratio.
Targets (issue 4): wall ≤ 4× floor, peak memory ≤ 400 MB, big/small wall ≤ 4.5 (linear growth).
Exit status 1 when a target is missed. CPU times are printed too: on a busy machine they vary less.
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
GEN = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
FLOOR = (
    "import sys, time, yaml\n"
    "text = open(sys.argv[1], encoding='utf-8').read()\n"
    "start, cpu = time.perf_counter(), time.process_time()\n"
    "docs = list(yaml.load_all(text, Loader=yaml.CSafeLoader))\n"
    "print(time.perf_counter() - start, time.process_time() - cpu)\n"
)


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall time, CPU time and peak RSS (KB) of one child, from wait4."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        sys.exit(f"command failed ({child.returncode}): {' '.join(command)}\n{err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def floor_time(corpus: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the C loader on the corpus, timed inside a child process."""
    out = subprocess.run(
        [sys.executable, "-c", FLOOR, str(corpus)], capture_output=True, text=True, check=True
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def meshify(corpus: Path, out_dir: Path) -> list[str]:
    exe = shutil.which("kubectl-meshify", path=os.path.dirname(sys.executable)) or shutil.which(
        "kubectl-meshify"
    )
    if exe is None:
        sys.exit("kubectl-meshify is not installed next to this Python (pip install -e .)")
    return [exe, "file", str(corpus), "--out-dir", str(out_dir)]


def generate(apps: int, namespaces: int, path: Path) -> None:
    with path.open("w", encoding="utf-8") as stream:
        subprocess.run(
            [sys.executable, str(GEN), str(apps), "--namespaces", str(namespaces)], stdout=stream, check=True
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="keep the corpora and outputs in DIR")
    args = parser.parse_args()
    if not GEN.exists():
        print(f"skipped: corpus generator not found at {GEN}")
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="meshify-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        big, small = work / f"corpus-{args.apps}.yaml", work / f"corpus-{args.small}.yaml"
        generate(args.apps, args.namespaces, big)
        generate(args.small, args.namespaces, small)
        docs = big.read_text(encoding="utf-8").count("\n---\n") + 1
        print(f"corpus: {args.apps} apps, {big.stat().st_size / 1e6:.2f} MB, {docs} documents")

        floors, floor_cpus, walls, cpus, peaks, small_walls, small_cpus = [], [], [], [], [], [], []
        for run in range(args.runs):
            floor_wall, floor_cpu = floor_time(big)
            floors.append(floor_wall)
            floor_cpus.append(floor_cpu)
            wall, cpu, peak = measure(meshify(big, work / f"out-{args.apps}-{run}"))
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            small_wall, small_cpu, _ = measure(meshify(small, work / f"out-{args.small}-{run}"))
            small_walls.append(small_wall)
            small_cpus.append(small_cpu)
        floor, wall, cpu = statistics.median(floors), statistics.median(walls), statistics.median(cpus)
        floor_cpu = statistics.median(floor_cpus)
        peak_mb = max(peaks) / 1024
        small_wall, small_cpu = statistics.median(small_walls), statistics.median(small_cpus)
        ratio, scaling = wall / floor, wall / small_wall
        print(f"C loader floor (load_all)   median {floor:6.2f} s wall, {floor_cpu:6.2f} s CPU")
        print(f"file --out-dir, {args.apps} apps  median {wall:6.2f} s wall, {cpu:6.2f} s CPU")
        print(f"file --out-dir, {args.small} apps   median {small_wall:6.2f} s wall, {small_cpu:6.2f} s CPU")
        print(f"ratio to floor              {ratio:6.2f}   (target <= 4; CPU ratio {cpu / floor_cpu:.2f})")
        print(f"peak memory                 {peak_mb:6.0f} MB (target <= 400)")
        limit = args.apps / args.small * 1.125
        print(
            f"scaling {args.apps}/{args.small}          {scaling:6.2f}   (target <= {limit:.2f};"
            f" CPU scaling {cpu / small_cpu:.2f})"
        )
        ok = ratio <= 4 and peak_mb <= 400 and scaling <= limit
        print("targets met" if ok else "TARGETS MISSED")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
