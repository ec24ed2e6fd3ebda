"""The release workflow (it cannot run here) and the krew-release-bot template, checked as files."""

from __future__ import annotations

import re

import yaml
from krew_rules import validate_plugin
from krew_support import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
TEMPLATE = ROOT / ".krew.yaml"


def steps() -> list[dict]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    trigger = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert trigger == {"push": {"tags": ["v*.*.*"]}}
    assert doc["permissions"] == {"contents": "write"}  # to create the release and upload the asset
    [job] = doc["jobs"].values()
    return job["steps"]


def step_running(text: str) -> dict:
    matching = [s for s in steps() if text in s.get("run", "")]
    assert len(matching) == 1, f"expected one step running {text!r}"
    return matching[0]


def test_workflow_builds_with_the_pinned_python_and_checks_the_manifest() -> None:
    [setup] = [s for s in steps() if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "3.11"
    assert step_running("python scripts/build-krew --check")
    assert 'test "$GITHUB_REF_NAME" = "v$version"' in step_running("kubectl_meshify.__version__")["run"]


def test_workflow_prints_the_sha256_and_attaches_the_archive_build_krew_makes() -> None:
    asset = "dist/kubectl-meshify-$GITHUB_REF_NAME.tar.gz"  # build-krew's name for tag v<version>
    assert f'sha256sum "{asset}"' in step_running("sha256sum")["run"]
    upload = step_running("gh release upload")
    assert f'asset="{asset}"' in upload["run"] and '"$asset"' in upload["run"]
    assert upload["env"] == {"GH_TOKEN": "${{ github.token }}"}
    all_steps = steps()
    assert all_steps.index(step_running("build-krew --check")) < all_steps.index(upload)


def test_workflow_hands_the_template_to_krew_release_bot() -> None:
    [bot] = [s for s in steps() if s.get("uses", "").startswith("rajatjindal/krew-release-bot@")]
    assert bot["with"] == {"krew_template_file": ".krew.yaml"}
    assert steps()[-1] == bot  # after the upload: the bot reads the published asset


def render_template(tag: str, sha256: str) -> str:
    """What krew-release-bot makes of .krew.yaml for a tag (its `addURIAndSha` adds uri and sha256)."""
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(
        r'\{\{\s*addURIAndSha "([^"]+)" \.TagName\s*\}\}',
        lambda m: f'uri: {m.group(1)}\n    sha256: "{sha256}"',
        text,
    )
    return text.replace("{{ .TagName }}", tag)


def test_template_renders_to_plugin_yaml(manifest: dict) -> None:
    version = manifest["spec"]["version"]
    rendered = yaml.safe_load(render_template(version, manifest["spec"]["platforms"][0]["sha256"]))
    assert "{{" not in yaml.safe_dump(rendered)
    assert rendered == manifest, "keep .krew.yaml and plugin.yaml the same apart from version, uri and sha256"
    assert validate_plugin(rendered, "meshify") == []
