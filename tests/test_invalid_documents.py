"""Documents of other kinds that are not valid YAML, and documents that are not mappings (issue 19, point 5).

kubectl stops at such a document: its resource builder decodes a file document by document and returns
`error parsing FILE: ...` at the first that does not decode (k8s.io/cli-runtime pkg/resource/visitor.go,
`StreamVisitor.Visit`), and a document that is not an object does not decode into one (`unable to
decode`). kubectl-meshify needs no document of those kinds, so it does not stop: it reports each one as a
warning (`INPUT_INVALID_DOCUMENT`) naming the file, the document index and its line, converts the rest,
and keeps the document byte for byte in GitOps mode. The real kubectl, when installed, confirms that it
refuses the same file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_gitops import meshify

BROKEN_SECRET = """\
# credentials, hand-edited
apiVersion: v1
kind: Secret
metadata:
  name: broken
  namespace: team
stringData:
  token: [unclosed
"""
A_LIST = """\
- just
- a list
"""
INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: team
spec:
  rules:
    - host: web.example.com
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
MIXED = BROKEN_SECRET + "---\n" + A_LIST + "---\n" + INGRESS  # the Secret at line 1, the list at line 10


def _findings(report: Path) -> list[dict[str, object]]:
    data = json.loads(report.read_text())
    return [f for f in data["findings"] if f["code"] == "INPUT_INVALID_DOCUMENT"]


def _check_reported(stderr: str, findings: list[dict[str, object]], path: str) -> None:
    secret = f"{path}: document 0 (line 2), a Secret: invalid YAML at line 9, column 1"
    listed = f"{path}: document 1 (line 10), a document: not a mapping but a list"
    assert f"warning: {secret}" in stderr and "(while parsing a flow sequence at line 8)" in stderr
    assert f"warning: {listed}" in stderr
    messages = [str(f["message"]) for f in findings]
    assert len(messages) == 2 and messages[0].startswith(secret) and messages[1].startswith(listed)
    assert all(f["severity"] == "warning" and f["verdict"] == "no-op" for f in findings)


def test_named_file_the_documents_are_reported_and_the_rest_converted(tmp_path: Path) -> None:
    (tmp_path / "mixed.yaml").write_text(MIXED)
    result = meshify("file", "mixed.yaml", "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kind: VirtualService" in result.stdout
    _check_reported(result.stderr, _findings(tmp_path / "r.json"), "mixed.yaml")
    report = meshify("file", "mixed.yaml", "--report", "r.md", cwd=tmp_path)
    assert "## Documents not read" in (tmp_path / "r.md").read_text(), report.stderr


def test_walked_file_is_read_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "mixed.yaml").write_text(MIXED)
    result = meshify("file", "k8s", "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "INPUT_FILE_SKIPPED" not in (tmp_path / "r.json").read_text()
    _check_reported(result.stderr, _findings(tmp_path / "r.json"), "k8s/mixed.yaml")


@pytest.mark.parametrize("mode", ["--out-dir", "--in-place"])
def test_gitops_keeps_the_documents_byte_for_byte(tmp_path: Path, mode: str) -> None:
    crlf = MIXED.replace("\n", "\r\n").encode()
    (tmp_path / "mixed.yaml").write_bytes(crlf)
    args = ["--out-dir", "out"] if mode == "--out-dir" else ["--in-place"]
    result = meshify("file", "mixed.yaml", *args, "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / ("out/mixed.yaml" if mode == "--out-dir" else "mixed.yaml")).read_bytes()
    kept = (BROKEN_SECRET + "---\n" + A_LIST + "---\n").replace("\n", "\r\n").encode()
    assert written.startswith(kept) and b"kind: VirtualService" in written
    assert b"kind: Ingress\r\n" not in written
    assert len(_findings(tmp_path / "r.json")) == 2


def test_a_document_that_is_needed_still_stops_the_run(tmp_path: Path) -> None:
    """Unchanged: an Ingress (or another kind the conversion reads) that does not parse is an input error."""
    broken = INGRESS.replace("number: 80", "number: [80")
    (tmp_path / "web.yaml").write_text(BROKEN_SECRET + "---\n" + broken)
    result = meshify("file", "web.yaml", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "web.yaml: document 1: invalid YAML at line" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_refuses_the_same_file(tmp_path: Path) -> None:
    """The ground truth for the warning: kubectl stops at each of these documents."""
    for name, text, expected in (
        ("secret.yaml", BROKEN_SECRET + "---\n" + INGRESS, "error parsing"),
        ("list.yaml", INGRESS + "---\n" + A_LIST, "unable to decode"),
    ):
        (tmp_path / name).write_text(text)
        kubectl = subprocess.run(
            ["kubectl", "annotate", "--local", "-f", name, "a=b", "-o", "name"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert kubectl.returncode != 0 and expected in kubectl.stderr, kubectl.stderr
        ours = meshify("file", name, cwd=tmp_path)
        assert ours.returncode == 0, ours.stderr
        assert f"warning: {name}: document" in ours.stderr
