"""Every finding in the JSON report carries one of the five verdicts (the report contract in
../shared/design/CLI.md: "Every finding carries one of the five verdicts (never null)").

Checked on every golden input (with its own arguments) and on the reference workload
`gen_corpus.py 2000 --namespaces 20`, whose behaviour check must also leave no difference unexplained.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kubectl_meshify.cli import app
from kubectl_meshify.findings import Verdict
from kubectl_meshify.verify import UNEXPLAINED_CODE
from tests.conftest import shared_path
from tests.test_golden import CASES

VERDICTS = {v.value for v in Verdict}


def _report(args: list[str], tmp_path: Path) -> dict[str, Any]:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, [*args, "--report-json", str(report)])
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def _without_verdict(data: dict[str, Any]) -> list[str]:
    findings = [(None, f) for f in data.get("findings") or []]
    findings += [(f"{i['namespace']}/{i['name']}", f) for i in data["ingresses"] for f in i["findings"]]
    return [f"{where}: {f['code']} {f['verdict']!r}" for where, f in findings if f["verdict"] not in VERDICTS]


def test_every_golden_finding_has_a_verdict(tmp_path: Path) -> None:
    missing = []
    for case in CASES:
        args_file = case / "args.txt"
        extra = [a for a in args_file.read_text().splitlines() if a.strip()] if args_file.exists() else []
        data = _report(["file", str(case / "input.yaml"), *extra], tmp_path)
        missing += [f"{case.parent.name}/{case.name} {m}" for m in _without_verdict(data)]
    assert missing == []


def test_reference_workload_has_verdicts_and_no_unexplained_difference(tmp_path: Path) -> None:
    generator = shared_path("bench", "gen_corpus.py")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text(
        subprocess.run(
            [sys.executable, str(generator), "2000", "--namespaces", "20"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    data = _report(["file", str(corpus)], tmp_path)
    assert _without_verdict(data) == []
    totals = data["summary"]["verification"]
    assert totals["probes"] == totals["same"] + totals["different"]
    assert totals["probes"] >= 10 * len(data["ingresses"]) == 22_000
    unexplained = [d for i in data["ingresses"] for d in i["verification"]["different"] if not d["finding"]]
    assert unexplained == []
    assert not [i for i in data["ingresses"] if any(f["code"] == UNEXPLAINED_CODE for f in i["findings"])]
