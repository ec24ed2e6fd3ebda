"""The CI gate and what a run says on stderr (issue 16): `--fail-on LIST` (codes, severities, verdicts)
exits 1 and prints each match as Ingress, code, one line; `--strict` does the same for approximated,
unsupported and unknown findings and partial Ingresses; file mode prints warning counts like cluster mode;
paths in reports and messages are as typed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_report_html import INPUT

ROOT = Path(__file__).resolve().parents[1]

# Only the plain Ingress and the one whose secret must be copied (no partial Ingress).
CLEAN = INPUT.split("---\n")[0] + "---\n" + INPUT.split("---\n")[1]


def meshify(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def gate_lines(stderr: str, label: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{label}: ") and " match" not in line]


def test_fail_on_a_verdict_prints_each_match(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(INPUT)
    result = meshify(tmp_path, "file", "in.yaml", "--fail-on", "unsupported")
    assert result.returncode == 1
    assert result.stdout  # the conversion is still printed
    [line] = gate_lines(result.stderr, "fail-on")
    assert line.startswith("fail-on: media/web BACKEND_RESOURCE: ")
    assert "fail-on: 1 match; exit 1" in result.stderr


def test_fail_on_codes_and_severities(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(INPUT)
    result = meshify(tmp_path, "file", "in.yaml", "--fail-on", "TLS_SECRET_LOCATION,error")
    assert result.returncode == 1
    lines = gate_lines(result.stderr, "fail-on")
    assert any(line.startswith("fail-on: shop/web TLS_SECRET_LOCATION: ") for line in lines)
    assert any(line.startswith("fail-on: media/web BACKEND_RESOURCE: ") for line in lines)
    assert all(len(line) < 260 for line in lines)  # one line each


def test_fail_on_nothing_matching_exits_0(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(CLEAN)
    result = meshify(tmp_path, "file", "in.yaml", "--fail-on", "unsupported,unknown,error")
    assert result.returncode == 0, result.stderr
    assert gate_lines(result.stderr, "fail-on") == []


def test_fail_on_a_word_it_does_not_know_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(CLEAN)
    result = meshify(tmp_path, "file", "in.yaml", "--fail-on", "unsuported", "--report", "r.md")
    assert result.returncode == 2
    assert "--fail-on 'unsuported'" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == "" and not (tmp_path / "r.md").exists()


def test_strict_prints_what_tripped_it(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(CLEAN)
    result = meshify(tmp_path, "file", "in.yaml", "--strict")
    assert result.returncode == 1
    # The copied secret is an approximation (TLS_SECRET_LOCATION, approximated in the catalogue).
    lines = gate_lines(result.stderr, "strict")
    assert any(line.startswith("strict: shop/web TLS_SECRET_LOCATION: ") for line in lines)
    assert not any("blog/web" in line for line in lines)


def test_file_mode_prints_warning_counts(tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(INPUT)
    result = meshify(tmp_path, "file", "in.yaml")
    assert result.returncode == 0, result.stderr
    assert "plan: 1 blocked, 1 needs steps, 1 ready." in result.stderr
    assert "warning: 1 × TLS_SECRET_LOCATION: shop/web: " in result.stderr
    assert "error: 1 × BACKEND_RESOURCE: media/web: " in result.stderr


def test_paths_as_typed(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "apps.yaml").write_text(CLEAN)
    result = meshify(tmp_path, "file", "./k8s", "--out-dir", "./out")
    assert result.returncode == 0, result.stderr
    for name in ("report.md", "report.json", "report.html"):
        assert f"report written to ./out/{name}" in result.stderr
    assert "script written to ./out/copy-tls-secrets.sh" in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["run"] == {"sources": ["./k8s"], "cluster": None}
    assert {i["source"] for i in report["ingresses"]} == {"./k8s/apps.yaml#0", "./k8s/apps.yaml#1"}
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "Sources: `./k8s`." in markdown and "`./out/copy-tls-secrets.sh`" in markdown
