#!/usr/bin/env python3
"""Time `kubectl meshify --help` from the installed Krew archive against importing typer and ruamel.yaml.

Target (issue 6): the plugin's --help through kubectl under 1.6x the bare import of its two main libraries.

    .venv/bin/python bench/krew_help_time.py [--archive dist/kubectl-meshify-vX.tar.gz] [--runs 30]
        [--convert examples/basic/ingress.yaml]

The archive (built with scripts/build-krew unless given) is installed the way Krew does: extracted into a
store directory, `bin/kubectl-meshify` symlinked onto PATH, clean HOME, the machine's python3. The baseline
runs with the interpreter running this script, which must have typer and ruamel.yaml (the dev venv).
Both sides run warm: pip compiled the baseline's bytecode at install time, and the launcher caches the
plugin's in the store directory on its first run, which is timed separately (bytecode removed before each).
Exit 1 when the ratio misses.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KUBECTL = "/usr/bin/kubectl"


def build_archive(out: Path) -> Path:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build-krew"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def install(archive: Path, root: Path, python: Path) -> dict[str, str]:
    """Extract like Krew, link the launcher into bin/, and return the environment a Krew user has."""
    store = root / "store" / "meshify" / archive.name.removesuffix(".tar.gz").removeprefix("kubectl-meshify-")
    store.mkdir(parents=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(store, filter="tar")
    (root / "bin").mkdir()
    (root / "bin" / "kubectl-meshify").symlink_to(store / "kubectl-meshify")
    (root / "python").mkdir()
    (root / "python" / "python3").symlink_to(python)
    (root / "home").mkdir()
    path = os.pathsep.join([str(root / "bin"), str(root / "python"), "/usr/bin", "/bin"])
    return {"HOME": str(root / "home"), "PATH": path, "LANG": "C.UTF-8"}


def timed(cmd: list[str], env: dict[str, str] | None, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def describe(label: str, times: list[float]) -> str:
    return f"{label:<48} median {statistics.median(times) * 1000:6.0f} ms  min {min(times) * 1000:6.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, help="archive to install (default: build one)")
    parser.add_argument("--python", type=Path, default=Path("/usr/bin/python3"), help="the plugin's python3")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--max-ratio", type=float, default=1.6)
    parser.add_argument("--first-runs", type=int, default=3, help="samples of the first run after install")
    parser.add_argument("--convert", type=Path, help="also time `kubectl meshify file PATH`")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="krew-bench-") as tmp:
        archive = args.archive or build_archive(Path(tmp) / "dist")
        env = install(archive, Path(tmp) / "krew", args.python)
        env.update({k: v for k, v in os.environ.items() if k == "PYTHONDONTWRITEBYTECODE"})
        help_cmd = [KUBECTL, "meshify", "--help"]
        baseline_cmd = [sys.executable, "-c", "import typer, ruamel.yaml"]
        first = []
        for _ in range(args.first_runs):
            for cache in list((Path(tmp) / "krew" / "store").rglob("__pycache__")):
                shutil.rmtree(cache)
            first += timed(help_cmd, env, 1)
        timed(baseline_cmd, None, 2)
        plugin, baseline = [], []
        for _ in range(args.runs):  # interleaved, so load changes hit both sides alike
            plugin += timed(help_cmd, env, 1)
            baseline += timed(baseline_cmd, None, 1)
        ratio = statistics.median(plugin) / statistics.median(baseline)
        print(f"archive {archive.name}: {archive.stat().st_size / 1e6:.2f} MB, python {args.python}")
        print(describe("kubectl meshify --help, first run after install", first))
        print(describe("kubectl meshify --help (installed archive)", plugin))
        print(describe('python3 -c "import typer, ruamel.yaml"', baseline))
        print(f"ratio {ratio:.2f} (target < {args.max_ratio})")
        if args.convert:
            convert_cmd = [KUBECTL, "meshify", "file", str(args.convert.resolve())]
            timed(convert_cmd, env, 1)
            print(describe(f"kubectl meshify file {args.convert.name}", timed(convert_cmd, env, args.runs)))
    return 0 if ratio < args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
