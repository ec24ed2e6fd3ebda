"""The real `kubectl-meshify` executable on real files: streams, exit codes, error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop.yaml"


def meshify(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""


def test_help_reads_kubectl_meshify() -> None:
    result = meshify("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: kubectl meshify ")
    for command in ("file", "version"):
        assert command in result.stdout
    sub = meshify("file", "-h")
    assert sub.returncode == 0 and "Usage: kubectl meshify file" in sub.stdout


def test_version_command_and_flag() -> None:
    from kubectl_meshify import __version__

    assert meshify("version").stdout.strip() == f"kubectl-meshify {__version__}"
    assert meshify("--version").stdout.strip() == f"kubectl-meshify {__version__}"


def test_example_converts_with_reports(tmp_path: Path) -> None:
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    result = meshify("file", str(EXAMPLE), "--report", str(md), "--report-json", str(js))
    assert result.returncode == 0, result.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout)]
    assert kinds == ["DestinationRule", "Gateway", "VirtualService"]
    report = json.loads(js.read_text())
    assert report["version"] == 1
    assert report["summary"]["ingresses"] == 1 and report["summary"]["converted"] == 1
    assert report["ingresses"][0]["source"] == f"{EXAMPLE}#4"
    assert "## Prerequisites" in md.read_text()
    assert "1 Ingress (1 converted)" in result.stderr
    # Same input, byte-identical output.
    assert meshify("file", str(EXAMPLE)).stdout == result.stdout


def test_json_output_is_one_list() -> None:
    result = meshify("file", str(EXAMPLE), "-o", "json")
    data = json.loads(result.stdout)
    assert data["apiVersion"] == "v1" and data["kind"] == "List"
    assert [i["kind"] for i in data["items"]] == ["DestinationRule", "Gateway", "VirtualService"]


def test_stdin_and_json_input(tmp_path: Path) -> None:
    from_stdin = meshify("file", "-", stdin=INGRESS)
    assert from_stdin.returncode == 0, from_stdin.stderr
    as_json = tmp_path / "ing.json"
    as_json.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(INGRESS)]}))
    from_json = meshify("file", str(as_json))
    assert from_json.returncode == 0, from_json.stderr
    assert from_json.stdout == from_stdin.stdout


def test_directory_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "web.yml").write_text(INGRESS)
    (tmp_path / "a" / "notes.txt").write_text("not a manifest")
    (tmp_path / "values.yaml").write_text("replicas: 3\n")  # a Helm values file: no kind, skipped
    result = meshify("file", str(tmp_path), "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["ingresses"] == 1
    assert report["summary"]["ignored"] == {}
    skipped = [f for f in report["findings"] if f["code"] == "INPUT_FILE_SKIPPED"]
    assert [f["message"] for f in skipped] == [
        f"{tmp_path / 'values.yaml'}: skipped: no Kubernetes object in it (no document has a kind)."
    ]


def test_invalid_yaml_names_file_document_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(INGRESS + "---\nkind: Ingress\nmetadata:\n  name: [unclosed\n")
    result = meshify("file", str(bad), "--report", str(tmp_path / "r.md"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert f"{bad}: document 1: invalid YAML at line 23" in result.stderr
    assert not (tmp_path / "r.md").exists(), "nothing is written when the input cannot be read"


def test_missing_file_is_exit_2() -> None:
    result = meshify("file", "no/such/file.yaml")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: no/such/file.yaml: no such file or directory"


def test_bad_option_values_are_usage_errors() -> None:
    assert meshify("file", str(EXAMPLE), "-o", "xml").returncode == 2
    result = meshify("file", str(EXAMPLE), "--gateway", "just-a-name")
    assert result.returncode == 2 and "expected NAMESPACE/NAME" in result.stderr
    result = meshify("file", str(EXAMPLE), "--gateway-selector", "novalue")
    assert result.returncode == 2 and "KEY=VALUE" in result.stderr


def test_one_bad_ingress_fails_alone(tmp_path: Path) -> None:
    broken = INGRESS.replace("name: web\n  namespace", "name: broken\n  namespace").replace(
        "                  number: 80\n", "                  number: eighty\n"
    )
    path = tmp_path / "mixed.yaml"
    path.write_text(INGRESS + "---\n" + broken)
    result = meshify("file", str(path), "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 1
    report = json.loads((tmp_path / "r.json").read_text())
    statuses = {i["name"]: i["status"] for i in report["ingresses"]}
    assert statuses == {"web": "converted", "broken": "failed"}
    broken_findings = report["ingresses"][1]["findings"]
    assert broken_findings[0]["code"] == "INGRESS_INVALID"
    assert "spec.rules[0].http.paths[0].backend.service.port.number 'eighty'" in broken_findings[0]["message"]
    assert f"{path}#1" in broken_findings[0]["message"]
    assert "VirtualService" in result.stdout  # the good one still converted


def test_strict_trips_on_approximations(tmp_path: Path) -> None:
    tls = INGRESS.replace(
        "  rules:", "  tls:\n    - hosts: [shop.example.com]\n      secretName: web-tls\n  rules:"
    )
    path = tmp_path / "tls.yaml"
    path.write_text(tls)
    assert meshify("file", str(path)).returncode == 0
    assert meshify("file", str(path), "--strict").returncode == 1


def test_ingress_class_filter_and_default_namespace(tmp_path: Path) -> None:
    doc = INGRESS.replace("  namespace: shop\n", "")
    path = tmp_path / "web.yaml"
    path.write_text(doc)
    result = meshify("file", str(path), "-n", "team-a", "--report-json", str(tmp_path / "r.json"))
    assert "namespace: team-a" in result.stdout
    skipped = meshify(
        "file", str(path), "--ingress-class", "traefik", "--report-json", str(tmp_path / "s.json")
    )
    assert skipped.returncode == 0 and skipped.stdout == ""
    assert json.loads((tmp_path / "s.json").read_text())["summary"]["skipped"] == 1


def test_help_and_file_mode_do_not_import_the_kubernetes_client() -> None:
    code = "\n".join(
        [
            "import sys",
            # The typer app that `main` runs (main itself ends the process without returning here).
            "from kubectl_meshify.cli.app import app",
            "try:",
            f"    app(prog_name='kubectl meshify', args=['file', {str(EXAMPLE)!r}])",
            "except SystemExit:",
            "    pass",
            "loaded = any(m == 'kubernetes' or m.startswith('kubernetes.') for m in sys.modules)",
            "sys.stderr.write(f'KUBERNETES={loaded}')",
            # The smoke test's HTTP client loads only when --smoke asks for it.
            "sys.stderr.write(f' HTTP={\"http.client\" in sys.modules}')",
        ]
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "KUBERNETES=False" in result.stderr, result.stderr
    assert "HTTP=False" in result.stderr, result.stderr


# --- the end of the process: a conversion's objects are left to the exit (cli/app.py `main`) ---------------


def test_a_conversion_exits_with_its_output_whole_and_its_code(tmp_path: Path) -> None:
    """The executable ends a conversion without freeing its objects (`os._exit`): the stream on stdout, the
    summary on stderr and the exit code must be what the same command gives in-process, where the
    interpreter ends normally (typer's CliRunner)."""
    from typer.testing import CliRunner

    from kubectl_meshify.cli import app

    big = tmp_path / "many.yaml"  # a stream larger than any pipe buffer
    big.write_text(
        "---\n".join(
            INGRESS.replace("name: web\n", f"name: web{i}\n", 1).replace("shop.", f"shop{i}.")
            for i in range(300)
        )
    )
    failed = tmp_path / "failed.yaml"  # exit 1: a path without pathType fails its Ingress
    failed.write_text(INGRESS.replace("            pathType: Prefix\n", ""))
    for path, code in ((big, 0), (failed, 1)):
        real = meshify("file", str(path), "--report-json", str(tmp_path / "real.json"))
        inside = CliRunner().invoke(app, ["file", str(path), "--report-json", str(tmp_path / "inside.json")])
        assert (real.returncode, inside.exit_code) == (code, code), real.stderr
        assert real.stdout == inside.stdout
        assert len(real.stdout) > 65536 if code == 0 else real.stdout == ""
        assert json.loads((tmp_path / "real.json").read_text()) == json.loads(
            (tmp_path / "inside.json").read_text()
        )
        assert "report written to" in real.stderr


def test_runs_inside_another_program_keep_nothing_for_the_exit(tmp_path: Path) -> None:
    """Only the executable leaves its objects to the process exit: a program that runs the commands (a
    test suite, a library user) frees each run's objects when the run returns."""
    import gc
    import importlib

    from typer.testing import CliRunner

    from kubectl_meshify.result import MigrationResult

    app_module = importlib.import_module("kubectl_meshify.cli.app")
    path = tmp_path / "in.yaml"
    path.write_text(INGRESS)
    for _ in range(2):
        assert CliRunner().invoke(app_module.app, ["file", str(path)]).exit_code == 0
    gc.collect()
    assert app_module._LEFT_TO_EXIT is None
    assert not [o for o in gc.get_objects() if isinstance(o, MigrationResult)]


def test_a_closed_stdout_ends_the_conversion_quietly(tmp_path: Path) -> None:
    """`kubectl meshify file ... | head -1`: the reader closes the pipe; no traceback, the report is written."""
    big = tmp_path / "many.yaml"
    big.write_text(
        "---\n".join(
            INGRESS.replace("name: web\n", f"name: web{i}\n", 1).replace("shop.", f"shop{i}.")
            for i in range(300)
        )
    )
    report = tmp_path / "r.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "kubectl_meshify", "file", str(big), "--report-json", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) in (0, 1)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert json.loads(report.read_text())["summary"]
