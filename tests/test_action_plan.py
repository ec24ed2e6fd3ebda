"""The action plan (issue 16) through the real CLI: findings rolled up by code with severity, count, the
first few Ingresses then "and N more", one action per code, ordered errors → unsupported → warnings that
need a step → notes; the classes in every report; the catalogue gives every code an action."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kubectl_meshify.finding_codes import CODES
from tests.test_report_html import INPUT

ROOT = Path(__file__).resolve().parents[1]


def tls_ingress(namespace: str) -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: {namespace}}}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [{namespace}.example.com], secretName: web-tls}}]
  rules:
  - host: {namespace}.example.com
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""


def run(tmp_path: Path, text: str) -> tuple[dict, str, str]:
    (tmp_path / "in.yaml").write_text(text)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kubectl_meshify",
            "file",
            "in.yaml",
            "--report",
            "r.md",
            "--report-json",
            "r.json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads((tmp_path / "r.json").read_text()), (tmp_path / "r.md").read_text(), result.stderr


def test_every_catalogue_code_has_an_action() -> None:
    assert [name for name, code in CODES.items() if not code.action.strip()] == []


def test_plan_order_and_rollup(tmp_path: Path) -> None:
    teams = [f"team-{n}" for n in range(5)]
    report, markdown, _ = run(tmp_path, INPUT + "---\n" + "---\n".join(tls_ingress(t) for t in teams))
    items = report["plan"]["items"]
    order = ["error", "unsupported", "step", "note"]
    groups = [order.index(i["group"]) for i in items]
    assert groups == sorted(groups)
    assert items[0]["code"] == "BACKEND_RESOURCE" and items[0]["severity"] == "error"
    [copy] = [i for i in items if i["code"] == "TLS_SECRET_LOCATION"]
    assert copy["group"] == "step" and copy["count"] == 6 and copy["ingresses"] == 6
    assert copy["first"] == ["shop/web", "team-0/web", "team-1/web"]
    assert copy["script"] == "copy-tls-secrets.sh"
    # Each finding names its own secret, so the plan gives the catalogue's action for the code.
    assert copy["action"] == CODES["TLS_SECRET_LOCATION"].action
    # Markdown: the row names three Ingresses, then how many more.
    [row] = [line for line in markdown.splitlines() if "| `TLS_SECRET_LOCATION` |" in line]
    assert "6: shop/web, team-0/web, team-1/web and 3 more" in row
    # The plan comes before any Ingress section.
    assert markdown.index("## Action plan") < markdown.index("## Blocked Ingresses")
    assert report["summary"]["classes"] == {"blocked": 1, "needs-steps": 6, "ready": 1, "skipped": 0}


def test_a_run_without_findings_says_so(tmp_path: Path) -> None:
    blog = INPUT.split("---\n")[1]
    report, markdown, stderr = run(tmp_path, blog)
    assert report["plan"] == {"items": [], "scripts": []}
    assert "Nothing to do: no findings." in markdown
    assert "plan: 1 ready." in stderr
