"""Inputs that are not manifests: Helm charts, kustomize files, files that do not parse, hidden folders.

A directory walk skips them with a warning naming each (exit 0 when everything else converts); a file named
on the command line that does not parse still stops the run with exit 2. `--exclude GLOB` leaves paths out
of a walk. In GitOps mode a skipped file is copied byte for byte (`--out-dir`) or left alone (`--in-place`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kubectl_meshify.sources.files import excluded
from tests.test_gitops import meshify


def _ingress(name: str, host: str, cls: str, namespace: str = "shop") -> str:
    return f"""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {namespace}
spec:
  ingressClassName: {cls}
  rules:
    - host: {host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  number: 80
"""


CHART_TEMPLATE = """\
{{- if .Values.ingress.enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "web.fullname" . }}
spec:
  ingressClassName: nginx
  rules:
    - host: "{{ .Values.host }}"
{{- end }}
"""
# A chart template that is valid YAML: without the chart rule it would be converted with a host "{{ ... }}".
CHART_TEMPLATE_PARSES = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: "{{ .Release.Name }}"
spec:
  ingressClassName: nginx
  rules:
    - host: "{{ .Values.host }}"
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
# A strategic-merge patch: only the fields it changes (no backend).
PATCH = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: base
  namespace: shop
spec:
  rules:
    - host: prod.example.com
"""


def _repository(root: Path) -> Path:
    """A repository as a new user has it: a .git folder, a chart, a kustomize base and overlay, three classes."""
    files = {
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/hooks/broken.yaml": "kind: Ingress\nspec: [unclosed\n",
        ".github/workflows/ci.yaml": "on: push\njobs: {build: {runs-on: ubuntu-latest}}\n",
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/values.yaml": "host: web.example.com\ningress:\n  enabled: true\n",
        "charts/web/templates/ingress.yaml": CHART_TEMPLATE,
        "charts/web/templates/ingress-quoted.yaml": CHART_TEMPLATE_PARSES,
        "base/kustomization.yaml": "resources:\n  - ingress.yaml\n",
        "base/ingress.yaml": _ingress("base", "base.example.com", "nginx"),
        "overlays/prod/kustomization.yaml": (
            "resources:\n  - ../../base\npatches:\n  - path: ingress-host.yaml\n"
            "patchesStrategicMerge:\n  - ../../a-patches/tls.yaml\n"
        ),
        "overlays/prod/ingress-host.yaml": PATCH,
        # Listed by the overlay, and found by the walk before it.
        "a-patches/tls.yaml": PATCH.replace("prod.example.com", "tls.example.com"),
        "apps/nginx.yaml": "# the shop\n" + _ingress("web", "shop.example.com", "nginx"),
        "apps/istio.yaml": _ingress("api", "api.example.com", "istio"),
        "apps/traefik.yaml": "# served by traefik\n" + _ingress("blog", "blog.example.com", "traefik"),
        "apps/notes.yaml": "title: release notes\nitems: [a, b]\n",
        "apps/broken.yaml": "kind: Service\nmetadata: {name: x\n",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


CLASSES = ("--ingress-class", "nginx", "--ingress-class", "istio")


def test_repository_in_place_changes_only_the_nginx_and_istio_ingresses(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    before = _snapshot(repo)
    run = meshify("file", str(repo), "--in-place", "--no-verify", *CLASSES, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    after = _snapshot(repo)
    changed = sorted(path for path in before if before[path] != after[path])
    assert changed == ["apps/istio.yaml", "apps/nginx.yaml", "base/ingress.yaml"]
    assert sorted(after) == sorted(before)  # nothing created, nothing removed (no report was asked for)
    for relative in ("apps/istio.yaml", "apps/nginx.yaml", "base/ingress.yaml"):
        kinds = [d["kind"] for d in yaml.safe_load_all(after[relative]) if d]
        assert "Ingress" not in kinds and "VirtualService" in kinds
    assert after["apps/nginx.yaml"].startswith(b"# the shop\n")
    # Every skipped file is named on stderr; nothing under a hidden folder is even looked at.
    for skipped in (
        "charts/web/templates/ingress.yaml",
        "charts/web/templates/ingress-quoted.yaml",
        "overlays/prod/ingress-host.yaml",
        "overlays/prod/kustomization.yaml",
        "a-patches/tls.yaml",
        "apps/notes.yaml",
        "apps/broken.yaml",
    ):
        assert f"warning: {repo / skipped}: skipped: " in run.stderr
    assert ".git" not in run.stderr and ".github" not in run.stderr


def test_out_dir_mirrors_skipped_files_byte_for_byte_and_reports_them(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    out = tmp_path / "out"
    run = meshify("file", str(repo), "--out-dir", str(out), "--no-verify", *CLASSES, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    source, mirrored = _snapshot(repo), _snapshot(out)
    for relative in (
        "charts/web/Chart.yaml",
        "charts/web/values.yaml",
        "charts/web/templates/ingress.yaml",
        "charts/web/templates/ingress-quoted.yaml",
        "overlays/prod/ingress-host.yaml",
        "overlays/prod/kustomization.yaml",
        "base/kustomization.yaml",
        "apps/broken.yaml",
        "apps/notes.yaml",
        "apps/traefik.yaml",
    ):
        assert mirrored[relative] == source[relative], relative
    assert not any(path.startswith((".git/", ".github/")) for path in mirrored)
    report = json.loads((out / "report.json").read_text())
    files = {Path(f["path"]).relative_to(repo).as_posix(): f["status"] for f in report["summary"]["files"]}
    assert files["charts/web/templates/ingress.yaml"] == "skipped"
    assert files["overlays/prod/ingress-host.yaml"] == "skipped"
    assert files["apps/nginx.yaml"] == "rewritten"
    skipped = {
        f["message"].split(": skipped: ")[0]: f
        for f in report["findings"]
        if f["code"] == "INPUT_FILE_SKIPPED"
    }
    template = skipped[str(repo / "charts/web/templates/ingress.yaml")]
    assert (template["severity"], template["verdict"]) == ("warning", "unsupported")
    assert "helm template" in template["action"]
    patch = skipped[str(repo / "overlays/prod/ingress-host.yaml")]
    assert patch["verdict"] == "unsupported" and "kustomize" in patch["message"]
    notes = skipped[str(repo / "apps/notes.yaml")]
    assert (notes["severity"], notes["verdict"]) == ("info", "no-op")
    # Only the real Ingresses were converted: never a host out of a template.
    converted = {i["name"] for i in report["ingresses"] if i["status"] == "converted"}
    assert converted == {"base", "web", "api"}
    assert "## Skipped input files" in (out / "report.md").read_text()


def test_a_file_named_on_the_command_line_still_stops_the_run(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    out = tmp_path / "out"
    run = meshify(
        "file",
        str(repo / "apps"),
        str(repo / "charts/web/templates/ingress.yaml"),
        "--out-dir",
        str(out),
        cwd=tmp_path,
    )
    assert run.returncode == 2
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {repo / 'charts/web/templates/ingress.yaml'}: document 0: invalid YAML")
    assert "helm template" in line
    assert "Traceback" not in run.stderr and not out.exists()
    broken = meshify("file", str(repo / "apps" / "broken.yaml"), cwd=tmp_path)
    assert broken.returncode == 2 and "broken.yaml: document 0: invalid YAML at line 3" in broken.stderr


def test_stdout_mode_skips_with_a_warning_and_exits_0(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    (root / "ok").mkdir(parents=True)
    (root / "ok" / "web.yaml").write_text(_ingress("web", "shop.example.com", "nginx"))
    (root / "loose-template.yaml").write_text("kind: Ingress\nmetadata:\n  name: {{ .Values.name }}\n")
    (root / "latin1.yaml").write_bytes(b"kind: Service\nmetadata: {name: caf\xe9}\n")
    run = meshify("file", str(root), "--no-verify", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert [d["kind"] for d in yaml.safe_load_all(run.stdout)] == ["Gateway", "VirtualService"]
    assert (
        f"warning: {root / 'loose-template.yaml'}: skipped: a Helm or Go template, not a manifest"
        in run.stderr
    )
    assert f"warning: {root / 'latin1.yaml'}: skipped: not UTF-8 text" in run.stderr


def test_exclude_leaves_paths_out_of_the_walk(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    out = tmp_path / "out"
    run = meshify(
        "file", str(repo), "--out-dir", str(out), "--no-verify", *CLASSES,
        "--exclude", "charts", "--exclude", "overlays/*", "--exclude", "*.json", "--exclude", f"{repo}/apps/broken.yaml",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    mirrored = _snapshot(out)
    assert not any(p.startswith(("charts/", "overlays/")) for p in mirrored)
    assert "apps/broken.yaml" not in mirrored and "apps/nginx.yaml" in mirrored
    assert "charts" not in run.stderr and "broken.yaml" not in run.stderr
    # A file named on the command line is read even when a glob matches it.
    named = meshify(
        "file", str(repo / "apps" / "nginx.yaml"), "--exclude", "nginx.yaml", "--no-verify", cwd=tmp_path
    )
    assert named.returncode == 0 and "VirtualService" in named.stdout


@pytest.mark.parametrize(
    ("path", "globs", "expected"),
    [
        ("k8s/charts", ["charts"], True),
        ("k8s/apps/charts/x.yaml", ["charts"], False),  # a name glob matches the file's own name only
        ("k8s/apps/x.tpl.yaml", ["*.tpl.yaml"], True),
        ("k8s/overlays/prod", ["overlays/*"], True),
        ("k8s/overlays/prod", ["k8s/overlays/prod/"], True),
        ("k8s/overlays/prod", ["prod/*"], False),
        ("k8s/apps/web.yaml", [], False),
    ],
)
def test_exclude_glob_forms(path: str, globs: list[str], expected: bool) -> None:
    assert excluded(path, "k8s", globs) is expected


def test_walking_the_current_directory_skips_the_same_files(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    report = tmp_path / "r.json"
    run = meshify("file", ".", "--no-verify", *CLASSES, "--report-json", str(report), cwd=repo)
    assert run.returncode == 0, run.stderr
    skipped = sorted(
        f["message"].split(": skipped: ")[0]
        for f in json.loads(report.read_text())["findings"]
        if f["code"] == "INPUT_FILE_SKIPPED"
    )
    assert skipped == [
        "./a-patches/tls.yaml",
        "./apps/broken.yaml",
        "./apps/notes.yaml",
        "./base/kustomization.yaml",
        "./charts/web/Chart.yaml",
        "./charts/web/templates/ingress-quoted.yaml",
        "./charts/web/templates/ingress.yaml",
        "./charts/web/values.yaml",
        "./overlays/prod/ingress-host.yaml",
        "./overlays/prod/kustomization.yaml",
    ]


def test_files_without_objects_are_summed_up_after_ten_but_warnings_never(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    root.mkdir()
    for n in range(12):
        (root / f"config-{n:02}.yaml").write_text(f"setting: {n}\n")
    for n in range(12):
        (root / f"patch-{n:02}.yaml").write_text(PATCH)
    (root / "kustomization.yaml").write_text(
        "patches:\n" + "".join(f"  - path: patch-{n:02}.yaml\n" for n in range(12))
    )
    run = meshify("file", str(root), "--no-verify", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    for n in range(12):
        assert f"{root / f'patch-{n:02}.yaml'}: skipped: a kustomize patch" in run.stderr
    named = [
        line for line in run.stderr.splitlines() if "no Kubernetes object" in line or "Kustomization" in line
    ]
    assert len(named) == 10
    assert "warning: 3 more files without a Kubernetes object skipped; the report lists them" in run.stderr
