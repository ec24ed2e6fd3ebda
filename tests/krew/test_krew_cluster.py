"""The cluster tests, run again against the installed Krew archive: its pruned kubernetes client, typer
without rich and pure-Python PyYAML must do everything the development install does."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from krew_support import ROOT, KrewInstall


def test_cluster_suite_passes_against_the_installed_archive(krew_install: KrewInstall) -> None:
    lib = krew_install.store / "lib"
    env = {
        **os.environ,
        "PYTHONPATH": str(lib),  # before site-packages: the archive's modules win over the venv's
        "MESHIFY_TEST_VENDOR_LIB": str(lib),  # tests/cluster/conftest.py checks that they did
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/cluster", "-x", "-p", "no:cacheprovider", "-o", "addopts=-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"^\d+ passed", result.stdout.splitlines()[-1]), result.stdout[-500:]
