"""UTF-16 and UTF-32 files with a byte-order mark are read as kubectl reads them (issue 19, point 5).

kubectl's resource builder reads every file, and stdin, through
`transform.NewReader(f, unicode.BOMOverride(unicode.UTF8.NewDecoder()))` (k8s.io/cli-runtime
pkg/resource/visitor.go, `FileVisitor.Visit`; stdin goes through the same function,
`FileVisitorForSTDIN`). `BOMOverride` (golang.org/x/text encoding/unicode/override.go) "will only consider
BOMs for UTF-8, UTF-16BE, and UTF-16LE"; without a mark it decodes UTF-8. So UTF-16 with a mark is read,
UTF-32 is not (its little-endian mark starts like UTF-16LE's, and the NULs that follow are control
characters go-yaml refuses), nor is UTF-16 without a mark. The real kubectl, when installed, is run on the
same files to confirm each expectation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.test_gitops import ROOT, meshify

HEADER = "# café ✓ (not ASCII, so the encoding matters)\n"
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team
data:
  greeting: "grüß dich"
"""
INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: team
spec:
  rules:
    - host: {name}.example.com
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
KEPT = HEADER + CONFIGMAP + "---\n"  # what GitOps mode copies before the Ingress
MARKS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}
KUBECTL = shutil.which("kubectl")


def text(name: str = "web") -> str:
    return KEPT + INGRESS.format(name=name)


def kubectl_reads(path: Path) -> subprocess.CompletedProcess[str]:
    """kubectl's own reading of a file, without a cluster (one YAML document per object)."""
    assert KUBECTL is not None
    return subprocess.run(
        [KUBECTL, "annotate", "--local", "-f", str(path), "checked=yes", "-o", "yaml"],
        capture_output=True,
        text=True,
    )


def kinds(stream: str) -> list[str]:
    return [d["kind"] for d in yaml.safe_load_all(stream) if d]


@pytest.mark.parametrize("encoding", sorted(MARKS))
def test_utf16_with_a_mark_reads_like_utf8(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "plain.yaml").write_text(text())
    (tmp_path / "wide.yaml").write_bytes(MARKS[encoding] + text().encode(encoding))
    plain = meshify("file", "plain.yaml", cwd=tmp_path)
    wide = meshify("file", "wide.yaml", cwd=tmp_path)
    assert plain.returncode == 0 and wide.returncode == 0, wide.stderr
    assert "kind: VirtualService" in wide.stdout and wide.stdout == plain.stdout.replace(
        "plain.yaml", "wide.yaml"
    )
    if KUBECTL:
        a, b = kubectl_reads(tmp_path / "plain.yaml"), kubectl_reads(tmp_path / "wide.yaml")
        assert a.returncode == 0 and b.returncode == 0, b.stderr
        assert a.stdout == b.stdout and kinds(b.stdout) == ["ConfigMap", "Ingress"]


@pytest.mark.parametrize("encoding", sorted(MARKS))
def test_gitops_writes_the_file_back_in_its_encoding(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "wide.yaml").write_bytes(MARKS[encoding] + text().encode(encoding))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "wide.yaml").write_text(text())
    result = meshify("file", "in", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reference = meshify("file", "plain", "--out-dir", "ref", cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    written = (tmp_path / "out" / "wide.yaml").read_bytes()
    assert written.startswith(MARKS[encoding] + KEPT.encode(encoding))  # the mark, then the kept bytes
    decoded = written[2:].decode(encoding)
    assert "kind: VirtualService" in decoded and "kind: Ingress\n" not in decoded
    assert decoded == (tmp_path / "ref" / "wide.yaml").read_text()
    in_place = tmp_path / "in-place.yaml"
    shutil.copy(tmp_path / "in" / "wide.yaml", in_place)
    again = meshify("file", "in-place.yaml", "--in-place", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert in_place.read_bytes() == written
    if KUBECTL:
        read = kubectl_reads(tmp_path / "out" / "wide.yaml")
        assert read.returncode == 0, read.stderr
        assert kinds(read.stdout) == ["ConfigMap", "Gateway", "VirtualService"]


def test_stdin_with_a_mark_is_read_too(tmp_path: Path) -> None:
    data = MARKS["utf-16-le"] + text().encode("utf-16-le")
    result = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", "file", "-"],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert b"kind: VirtualService" in result.stdout


def test_a_json_file_in_utf16(tmp_path: Path) -> None:
    obj = yaml.safe_load(INGRESS.format(name="web"))
    (tmp_path / "web.json").write_bytes(MARKS["utf-16-be"] + json.dumps(obj).encode("utf-16-be"))
    result = meshify("file", "web.json", cwd=tmp_path)
    assert result.returncode == 0 and "kind: VirtualService" in result.stdout, result.stderr


UNREAD = {
    "utf-32-le": (b"\xff\xfe\x00\x00", "UTF-32 text (byte-order mark ff fe 00 00)"),
    "utf-32-be": (b"\x00\x00\xfe\xff", "UTF-32 text (byte-order mark 00 00 fe ff)"),
    "utf-16-le": (b"", "NUL characters at byte 1"),  # no mark: UTF-8 for kubectl, and NULs
}


@pytest.mark.parametrize("encoding", sorted(UNREAD))
def test_what_kubectl_does_not_read_is_an_input_error(tmp_path: Path, encoding: str) -> None:
    mark, message = UNREAD[encoding]
    name = f"{encoding}.yaml"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(mark + text().encode(encoding))
    (tmp_path / "in" / "plain.yaml").write_text(text("other"))
    before = (tmp_path / "in" / name).read_bytes()
    named = meshify("file", f"in/{name}", "--out-dir", "out", cwd=tmp_path)
    assert named.returncode == 2 and f"error: in/{name}: {message}" in named.stderr, named.stderr
    assert "Traceback" not in named.stderr and not (tmp_path / "out").exists()
    walked = meshify("file", "in", "--report-json", "r.json", cwd=tmp_path)
    assert walked.returncode == 0, walked.stderr
    assert f"warning: in/{name}: skipped: {message}" in walked.stderr
    assert "other.example.com" in walked.stdout and (tmp_path / "in" / name).read_bytes() == before
    if KUBECTL:
        read = kubectl_reads(tmp_path / "in" / name)
        assert read.returncode != 0 and "error parsing" in read.stderr, read.stderr
