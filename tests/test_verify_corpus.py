"""Acceptance of the behaviour check on the reference corpus (`../shared/bench/gen_corpus.py 300`):
probes run for every Ingress, differences exist (the corpus uses approximated features), and a finding
explains every one of them, so no Ingress is `partial` because of the check."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from kubectl_meshify.verify import UNEXPLAINED_CODE
from tests.conftest import shared_path


@pytest.mark.shared
def test_every_difference_on_the_corpus_is_explained(tmp_path: Path) -> None:
    generator = shared_path("bench", "gen_corpus.py")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text(
        subprocess.run(
            [sys.executable, str(generator), "300"], capture_output=True, text=True, check=True
        ).stdout
    )
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["file", str(corpus), "--report-json", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())

    totals = data["summary"]["verification"]
    ingresses = data["ingresses"]
    assert totals["probes"] >= 10 * len(ingresses)
    assert totals["probes"] == sum(i["verification"]["probes"] for i in ingresses)
    assert totals["different"] == sum(len(i["verification"]["different"]) for i in ingresses) > 0
    unexplained = [
        (i["name"], d["request"])
        for i in ingresses
        for d in i["verification"]["different"]
        if not d["finding"]
    ]
    assert unexplained == []
    assert not [i["name"] for i in ingresses if any(f["code"] == UNEXPLAINED_CODE for f in i["findings"])]
    assert Counter(i["status"] for i in ingresses) == {"converted": len(ingresses)}
