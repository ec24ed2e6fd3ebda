#!/usr/bin/env python3
"""Cost of the behaviour check: `kubectl meshify file` on the reference corpus with and without it.

usage: python bench/verify_bench.py [--apps 2000] [--namespaces 20] [--runs 12] [--instructions]
Generates the corpus with ../shared/bench/gen_corpus.py, then times the real command both ways
(wall and CPU time, N runs of each alternated after one warm-up: minimum and median of each side, and
the median of the pair-by-pair ratios; report files written to a temporary directory) and prints the
verification share (the package is byte-compiled first, as a wheel install does). Target (issue: proof
of equivalence): verification adds under 20%.

Wall time on a shared machine varies by up to 2x from one run to the next, so two more measures are
printed. In-run share: the command runs in a driver process that times the behaviour check (importing
it and running it) apart from the rest of the same run, so both parts see the same machine; the share is
check / rest, per run. `--instructions`: both commands run once under valgrind's callgrind and the
instructions they executed are compared, a count that does not vary (needs valgrind; minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
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


def _timed(command: list[str]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), _child_cpu()
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return time.perf_counter() - start, _child_cpu() - cpu


def paired_times(
    without: list[str], with_check: list[str], runs: int
) -> dict[str, list[tuple[float, float]]]:
    """Wall and CPU seconds of both commands, alternated run by run after one warm-up each, so a busy
    spell on the shared machine hits both sides alike."""
    _timed(without), _timed(with_check)
    times: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for _ in range(runs):
        times["without"].append(_timed(without))
        times["with"].append(_timed(with_check))
    return times


def in_run_shares(command_args: list[str], runs: int) -> list[float]:
    """The behaviour check's time over the rest of the same run, for each of `runs` runs."""
    shares = []
    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, __file__, "--driver", str(timings), *command_args],
                capture_output=True,
                check=False,
            )
            if done.returncode not in (0, 1):
                sys.exit(f"driver failed:\n{done.stderr.decode()}")
            spent = json.loads(timings.read_text())
            shares.append(spent["check"] / (spent["total"] - spent["check"]))
    return shares


def driver(timings: str, command_args: list[str]) -> None:
    """Run `kubectl-meshify <command_args>` in this process, timing the behaviour check apart."""
    start = time.perf_counter()
    from kubectl_meshify import cli, pipeline  # noqa: F401  (what every run imports)

    check_start = time.perf_counter()
    from kubectl_meshify.verify import attach  # what only a run with the check imports

    spent = time.perf_counter() - check_start
    original = attach.attach_verification

    def timed(result: pipeline.MigrationResult) -> object:
        nonlocal spent
        began = time.perf_counter()
        try:
            return original(result)
        finally:
            spent += time.perf_counter() - began

    # The pipeline imports attach_verification when it runs, so it picks up the timed one.
    attach.attach_verification = timed  # type: ignore[assignment]
    sys.argv = ["kubectl-meshify", *command_args]
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (the converted YAML is not needed)
    with contextlib.suppress(SystemExit):  # the CLI exits with its exit code
        cli.main()
    Path(timings).write_text(json.dumps({"check": spent, "total": time.perf_counter() - start}))


def main() -> int:
    if sys.argv[1:2] == ["--driver"]:
        driver(sys.argv[2], sys.argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    if not GEN_CORPUS.exists():
        sys.exit(f"{GEN_CORPUS} not found (the shared reference material is needed)")
    exe = shutil.which("kubectl-meshify") or sys.exit("kubectl-meshify is not on PATH (pip install -e .)")
    # Only the run with verification imports kubectl_meshify.verify: compile the package first, as a
    # wheel install does, so neither side pays for bytecode compilation (PYTHONDONTWRITEBYTECODE, -e).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kubectl_meshify")], check=True)
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
        times = paired_times([*base, "--no-verify"], base, args.runs)
        shares = in_run_shares(base[1:], args.runs)
        totals = json.loads(report.read_text())["summary"].get("verification", {})
        counts = instructions([*base, "--no-verify"], base) if args.instructions else None
    print(
        f"corpus: gen_corpus.py {args.apps} --namespaces {args.namespaces}, {args.runs} alternated runs each"
    )
    print(f"probes: {totals.get('probes')}  same: {totals.get('same')}  different: {totals.get('different')}")
    # The minimum is the least disturbed run (noise only ever adds time); the median is shown beside it.
    for label, index in (("wall", 0), ("CPU", 1)):
        for stat_name, stat in (("min", min), ("median", statistics.median)):
            without = stat(t[index] for t in times["without"])
            with_check = stat(t[index] for t in times["with"])
            share = (with_check - without) / without
            print(
                f"{label:4} {stat_name:6}: without verification {without:.2f} s, with {with_check:.2f} s:"
                f" verification adds {share * 100:.1f}% (target < 20%)"
            )
    # Pair by pair: each run with the check over the run without it just before, so a slow spell of
    # the machine that lasts a pair hits both sides; the median pair is the figure to quote.
    for label, index in (("wall", 0), ("CPU", 1)):
        ratios = [w[index] / wo[index] - 1 for wo, w in zip(times["without"], times["with"], strict=True)]
        print(
            f"{label:4} pairs : verification adds {statistics.median(ratios) * 100:.1f}% (median of"
            f" {len(ratios)} pairs; min {min(ratios) * 100:.1f}%, max {max(ratios) * 100:.1f}%) (target < 20%)"
        )
    print(
        f"in-run : the check takes {statistics.median(shares) * 100:.1f}% of the rest of the run (median;"
        f" min {min(shares) * 100:.1f}%, max {max(shares) * 100:.1f}%, {len(shares)} runs) (target < 20%)"
    )
    if counts is not None:
        without, with_check = counts
        share = (with_check - without) / without
        print(
            f"instructions: without verification {without / 1e9:.2f} G, with {with_check / 1e9:.2f} G:"
            f" verification adds {share * 100:.1f}% (target < 20%)"
        )
    return 0


def instructions(without: list[str], with_check: list[str]) -> tuple[int, int]:
    """Instructions each command executes, counted by callgrind (both run at once: two cores)."""
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            subprocess.Popen(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/{i}.out", *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i, command in enumerate((without, with_check))
        ]
        counts = []
        for run in runs:
            found = re.search(r"Collected : (\d+)", run.communicate()[1])
            if found is None:
                sys.exit("callgrind printed no instruction count")
            counts.append(int(found.group(1)))
    return counts[0], counts[1]


if __name__ == "__main__":
    sys.exit(main())
