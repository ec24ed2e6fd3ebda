"""The smoke test on the reference corpus (`../shared/bench/gen_corpus.py 200`): a stand-in gateway that reads
the emitted objects on its own (tests/smoke/standin.py) answers every probe as the Istio model expects, over
HTTP and HTTPS, within the request limits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.smoke.conftest import documents, meshify
from tests.smoke.standin import StandIn


@pytest.mark.shared
def test_every_corpus_probe_passes_against_an_independent_gateway(
    gateway: Callable[..., StandIn], certificates: dict[str, str], tmp_path: Path
) -> None:
    generator = shared_path("bench", "gen_corpus.py")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text(
        subprocess.run(
            [sys.executable, str(generator), "200"], capture_output=True, text=True, check=True
        ).stdout
    )
    converted = meshify("file", str(corpus), "--trace-routes")
    assert converted.returncode == 0, converted.stderr
    objects = documents(converted.stdout)
    http = gateway(objects)
    https = gateway(objects, tls=(certificates["gw.crt"], certificates["gw.key"]))
    report = tmp_path / "r.json"
    result = meshify(
        "file", str(corpus), "--trace-routes", "--smoke", http.url, "--smoke-https", https.url,
        "--smoke-insecure", "--report-json", str(report),
    )  # fmt: skip
    failed = [line for line in result.stderr.splitlines() if line.startswith("smoke FAIL")]
    assert failed == []
    assert result.returncode == 0, result.stderr
    summary = json.loads(report.read_text())["smoke"]["summary"]
    assert summary["sent"] == summary["passed"] == len(http.seen) + len(https.seen) > 2000
    assert summary["not_sent"] == 0
    assert max(http.max_in_flight, https.max_in_flight) <= 8
