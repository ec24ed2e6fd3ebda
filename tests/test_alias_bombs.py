"""Hostile annotation values on the real CLI: alias bombs and values that are not strings.

Ground truth:
- kubectl decodes manifests with go-yaml, which refuses a document whose aliases expand it too far
  ("document contains excessive aliasing", gopkg.in/yaml.v2 decode.go, decoder.unmarshal and
  allowedAliasRatio) and a value that contains an alias of itself ("anchor ... value contains itself",
  decoder.alias).
- The API server accepts only strings as annotation values (ObjectMeta.Annotations is
  map[string]string in k8s.io/apimachinery/pkg/apis/meta/v1/types.go), so ingress-nginx never served an
  Ingress with any other value.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli import INGRESS, ROOT, meshify

MEMORY_LIMIT = 600 * 1024 * 1024
TIME_LIMIT = 20.0


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: each anchor lists `width` aliases of the previous one, 9**9 strings in the end."""
    lines = ['    x-lol0: &lol0 ["lol"' + ', "lol"' * (width - 1) + "]"]
    for level in range(1, levels):
        lines.append(f"    x-lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * width) + "]")
    lines.append(f"    nginx.ingress.kubernetes.io/configuration-snippet: *lol{levels - 1}")
    return with_annotations("\n".join(lines))


def with_annotations(block: str, name: str = "web", metadata: str = "") -> str:
    """The test Ingress with an annotations block (and other metadata lines before it)."""
    return INGRESS.replace(
        "  namespace: shop\n", f"  namespace: shop\n{metadata}  annotations:\n{block}\n"
    ).replace("name: web\n  namespace", f"name: {name}\n  namespace")


def limited() -> None:
    """Runs in the child before exec: the memory ceiling the issue sets for such input."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "kubectl_meshify", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIME_LIMIT,
        preexec_fn=limited,
    )
    return result, time.perf_counter() - start


@pytest.mark.parametrize("mode", ["stream", "out-dir"])
def test_billion_laughs_is_refused_quickly_within_memory(tmp_path: Path, mode: str) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(INGRESS + "---\n" + billion_laughs())
    before = bomb.read_bytes()
    extra = ["--out-dir", str(tmp_path / "out")] if mode == "out-dir" else []
    result, elapsed = run_limited("file", str(bomb), "--report-json", str(tmp_path / "r.json"), *extra)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert f"{bomb}: document 1: invalid YAML at line" in result.stderr
    assert "document contains excessive aliasing" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "out").exists(), "nothing half-written"
    assert bomb.read_bytes() == before
    assert elapsed < TIME_LIMIT


def test_anchor_containing_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(with_annotations("    x-loop: &loop [*loop]"))
    result, _ = run_limited("file", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "contains an alias of itself" in result.stderr and f"{path}: document 0" in result.stderr


def test_moderate_anchors_still_convert(tmp_path: Path) -> None:
    """Anchors within go-yaml's limits are ordinary YAML: a backend reused by alias converts."""
    text = INGRESS.replace("            backend:\n", "            backend: &web\n") + (
        "          - path: /api\n            pathType: Prefix\n            backend: *web\n"
    )
    path = tmp_path / "anchors.yaml"
    path.write_text(text)
    result = meshify("file", str(path), "-o", "json")
    assert result.returncode == 0, result.stderr
    routes = [
        r
        for item in json.loads(result.stdout)["items"]
        if item["kind"] == "VirtualService"
        for r in item["spec"]["http"]
    ]
    paths = {value for r in routes for m in r["match"] for value in m.get("uri", {}).values()}
    assert "/api" in paths  # the path whose backend is the alias was read


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("120", "a number"),
        ("1.5", "a number"),
        ("true", "a boolean"),
        ("[a, b]", "a list"),
        ("{a: b}", "a mapping"),
        ("null", "null"),
        ("", "null"),
        ("*shared", "a list"),
    ],
)
def test_annotation_value_not_a_string_fails_that_ingress(tmp_path: Path, value: str, kind: str) -> None:
    key = "nginx.ingress.kubernetes.io/proxy-read-timeout"
    bad = with_annotations(f"    {key}: {value}", name="bad", metadata="  finalizers: &shared [a, b]\n")
    good = INGRESS.replace("shop.example.com", "other.example.com")
    path = tmp_path / "mixed.yaml"
    path.write_text(good + "---\n" + bad)
    result = meshify("file", str(path), "--report-json", str(tmp_path / "r.json"))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    statuses = {i["name"]: i["status"] for i in report["ingresses"]}
    assert statuses == {"web": "converted", "bad": "failed"}
    failed = next(i for i in report["ingresses"] if i["name"] == "bad")
    invalid = [f for f in failed["findings"] if f["code"] == "INGRESS_INVALID"]
    assert len(invalid) == 1 and invalid[0]["annotation"] == key
    assert f"metadata.annotations['{key}'] is {kind}, not a string" in invalid[0]["message"]
    assert f"{path}#1" in invalid[0]["message"]
    assert "other.example.com" in result.stdout  # the good Ingress still converted
