"""Keys given twice in an Ingress (issue 19, point 5): a warning naming the key, its path and lines; the
last value is used.

Ground truth for "the last value": kubectl's own reading (`kubectl annotate --local -f FILE -o json`, run
here when kubectl is installed), whose YAML-to-JSON conversion keeps the last value of a repeated key;
the API server keeps the last one too ("will only persist the last of any duplicate fields", field
validation Warn/Ignore). A strict decoder refuses the YAML (k8s.io/apimachinery
pkg/runtime/serializer/json/json.go, `Serializer.unmarshal`: `yaml.YAMLToJSONStrict` "to catch duplicate
fields in YAML that would have been dropped"; its test expects `"value" already set in map`), and
kubectl's `--validate=warn` "will warn about unknown or duplicate fields" (k8s.io/kubectl
pkg/cmd/util/helpers.go, `AddValidateFlags`); but kubectl converts YAML to JSON before sending it
(k8s.io/cli-runtime pkg/resource/visitor.go, `StreamVisitor.Visit`), so for a YAML file the duplicate
never reaches the server (kubernetes/kubernetes#125885) and the earlier value is lost without a word.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import istio_errors
from tests.test_gitops import meshify

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: team
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /first
    nginx.ingress.kubernetes.io/rewrite-target: /second
spec:
  rules:
    - host: first.example.com
      host: second.example.com
      http:
        paths:
          - path: /app
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
"""


def _duplicates(report: Path) -> list[dict[str, Any]]:
    data = json.loads(report.read_text())
    return [
        f for entry in data["ingresses"] for f in entry["findings"] if f["code"] == "INGRESS_DUPLICATE_KEY"
    ]


def _objects(stdout: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(stdout) if d]


def test_each_key_given_twice_is_reported_and_the_last_value_used(tmp_path: Path) -> None:
    (tmp_path / "web.yaml").write_text(INGRESS)
    result = meshify("file", "web.yaml", "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = _duplicates(tmp_path / "r.json")
    assert [f["message"].split(";")[0] for f in found] == [
        "web.yaml: document 0: the key `nginx.ingress.kubernetes.io/rewrite-target` is given 2 times in"
        " metadata.annotations (lines 7, 8)",
        "web.yaml: document 0: the key `host` is given 2 times in spec.rules[0] (lines 11, 12)",
    ]
    assert all("the last value (line" in f["message"] and f["severity"] == "warning" for f in found)
    objects = _objects(result.stdout)
    assert not istio_errors(objects)
    service = next(o for o in objects if o["kind"] == "VirtualService")
    assert service["spec"]["hosts"] == ["second.example.com"]
    assert service["spec"]["http"][0]["rewrite"]["uriRegexRewrite"]["rewrite"] == "/second"
    if shutil.which("kubectl"):
        kubectl = subprocess.run(
            ["kubectl", "annotate", "--local", "-f", "web.yaml", "checked=yes", "-o", "json"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert kubectl.returncode == 0, kubectl.stderr
        read = json.loads(kubectl.stdout)
        assert read["spec"]["rules"][0]["host"] == "second.example.com"
        assert read["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"] == "/second"


def test_in_a_list_item_and_with_anchors(tmp_path: Path) -> None:
    """Paths are relative to the Ingress item of a List; a document with anchors is looked at too."""
    item = "\n".join("    " + line if line else line for line in INGRESS.splitlines())
    listed = "apiVersion: v1\nkind: List\nitems:\n  - " + item.lstrip() + "\n"
    (tmp_path / "list.yaml").write_text(listed)
    anchored = INGRESS.replace("number: 80", "number: &port 80\n                  name: *port")
    (tmp_path / "anchored.yaml").write_text(
        anchored.replace("name: web\n  namespace", "name: other\n  namespace")
    )
    result = meshify("file", "list.yaml", "anchored.yaml", "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    messages = [f["message"].split(";")[0] for f in _duplicates(tmp_path / "r.json")]
    assert (
        "list.yaml: document 0: the key `host` is given 2 times in spec.rules[0] (lines 14, 15)" in messages
    )
    assert (
        "anchored.yaml: document 0: the key `host` is given 2 times in spec.rules[0] (lines 11, 12)"
        in messages
    )
    assert len(messages) == 4


@pytest.mark.parametrize("mode", ["--out-dir", "--in-place"])
def test_gitops_mode_reports_them_too(tmp_path: Path, mode: str) -> None:
    (tmp_path / "web.yaml").write_text(INGRESS)
    args = ["--out-dir", "out"] if mode == "--out-dir" else ["--in-place"]
    result = meshify("file", "web.yaml", *args, "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(_duplicates(tmp_path / "r.json")) == 2


def test_other_kinds_and_merge_keys_are_not_reported(tmp_path: Path) -> None:
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  name: web\n  namespace: team\n"
    merged = INGRESS.replace("first.example.com\n      host: second.example.com", "second.example.com")
    merged = merged.replace("spec:\n", "x-defaults: &defaults\n  a: 1\nspec:\n  <<: *defaults\n").replace(
        "    nginx.ingress.kubernetes.io/rewrite-target: /first\n", ""
    )
    (tmp_path / "web.yaml").write_text(service + "---\n" + merged)
    result = meshify("file", "web.yaml", "--report-json", "r.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _duplicates(tmp_path / "r.json") == []
