"""Golden cases: `tests/golden/<family>/<case>/input.yaml` through the real CLI.

Each case compares the YAML stream with `expected.yaml` as text (so lost comments or reordered routes
fail) and the findings with `expected-findings.yaml`; every expected output is validated against Istio's
CRD schemas. `args.txt` (optional) holds extra command-line arguments, one per line.
Regenerate with `pytest tests/test_golden.py --update-golden` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kubectl_meshify.cli import app
from kubectl_meshify.verify import UNEXPLAINED_CODE
from tests.conftest import istio_errors

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/*/input.yaml"))


def run_case(case: Path, tmp_path: Path) -> tuple[str, list[dict[str, object]], int]:
    args_file = case / "args.txt"
    extra = [a for a in args_file.read_text().splitlines() if a.strip()] if args_file.exists() else []
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["file", str(case / "input.yaml"), "--report-json", str(report), *extra])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(report.read_text())
    findings = [
        {
            "ingress": f"{ing['namespace']}/{ing['name']}",
            "status": ing["status"],
            "findings": sorted(
                [
                    {"code": f["code"], "verdict": f["verdict"], "annotation": f["annotation"]}
                    for f in ing["findings"]
                ],
                key=lambda f: (str(f["annotation"]), str(f["code"])),
            ),
        }
        for ing in data["ingresses"]
    ]
    return result.stdout, findings, result.exit_code


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path, tmp_path: Path, update_golden: bool) -> None:
    stream, findings, _ = run_case(case, tmp_path)
    expected_yaml = case / "expected.yaml"
    expected_findings = case / "expected-findings.yaml"
    if update_golden:
        expected_yaml.write_text(stream)
        expected_findings.write_text(yaml.safe_dump(findings, sort_keys=False))
    assert stream == expected_yaml.read_text()
    assert findings == yaml.safe_load(expected_findings.read_text())
    # Proof of equivalence: every behaviour difference the check finds is explained by a finding.
    unexplained = [
        f["ingress"] for f in findings if any(c["code"] == UNEXPLAINED_CODE for c in f["findings"])
    ]
    assert unexplained == []


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden_output_is_valid_istio(case: Path) -> None:
    objects = [o for o in yaml.safe_load_all((case / "expected.yaml").read_text()) if o]
    assert objects, "a golden case must emit something"
    assert istio_errors(objects) == []


def test_every_family_has_golden_cases() -> None:
    """Each annotation family module has at least one golden case folder named after it."""
    from kubectl_meshify.annotations import CERT_MANAGER_FAMILIES, NGINX_FAMILIES

    families = {m.__name__.rsplit(".", 1)[1] for m in NGINX_FAMILIES + CERT_MANAGER_FAMILIES}
    have = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    assert families <= have, f"families without golden cases: {sorted(families - have)}"
