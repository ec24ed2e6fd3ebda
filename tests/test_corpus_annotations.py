"""The reference corpus (../shared/bench/gen_corpus.py 300 --namespaces 3): every Ingress converts,
every annotation key gets exactly one finding, and the report's verdict counts add up to the keys."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from kubectl_meshify.finding_codes import CODES
from tests.conftest import istio_errors, shared_path
from tests.test_finding_codes import annotation_codes

PREFIX = "nginx.ingress.kubernetes.io/"
# The C loader reads the 0.6 MB corpus in under a second; the pure one takes ten times longer.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.shared
def test_corpus_annotations_are_all_accounted_for(tmp_path: Path) -> None:
    generator = shared_path("bench", "gen_corpus.py")
    corpus = tmp_path / "corpus.yaml"
    generated = subprocess.run(
        [sys.executable, str(generator), "300", "--namespaces", "3"],
        capture_output=True,
        text=True,
        check=True,
    )
    corpus.write_text(generated.stdout)
    keys: dict[str, set[str]] = {}
    for doc in yaml.load_all(generated.stdout, Loader=LOADER):
        if doc and doc.get("kind") == "Ingress":
            meta = doc["metadata"]
            names = {k for k in (meta.get("annotations") or {}) if k.startswith(PREFIX)}
            keys[f"{meta['namespace']}/{meta['name']}"] = names
    assert sum(len(v) for v in keys.values()) > 300, "the corpus should carry annotations"

    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["file", str(corpus), "--report-json", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())

    statuses = Counter(ing["status"] for ing in data["ingresses"])
    assert set(statuses) <= {"converted", "partial"}, statuses
    assert sum(statuses.values()) == len(keys)
    for ing in data["ingresses"]:
        named = [f["annotation"] for f in ing["findings"] if f["annotation"]]
        assert sorted(named) == sorted(keys[f"{ing['namespace']}/{ing['name']}"])
    assert sum(data["summary"]["verdicts"].values()) == sum(len(v) for v in keys.values())
    known = set(CODES) | annotation_codes()
    assert sorted({f["code"] for ing in data["ingresses"] for f in ing["findings"]} - known) == []

    assert "&id0" not in result.stdout, "shared objects were written as YAML aliases"
    objects = [o for o in yaml.load_all(result.stdout, Loader=LOADER) if o]
    assert istio_errors(objects) == []
