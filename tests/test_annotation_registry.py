"""The annotation registry: every family registered and documented, every ingress-nginx key claimed once,
and the generated support matrix (`docs/annotations.md`) up to date."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from kubectl_meshify.annotations import NGINX_FAMILIES, ingress_nginx, nginx_keys
from kubectl_meshify.annotations.base import family_keys
from kubectl_meshify.annotations.matrix import render

ROOT = Path(__file__).resolve().parents[1]
KEYS_FILE = Path(__file__).parent / "data" / "nginx-annotation-keys.txt"
GOLDEN = Path(__file__).parent / "golden"
_ROW = re.compile(r"^\| ([a-z0-9-]+) \| (exact|approximated|unsupported|no-op) \|", re.M)


def all_nginx_keys() -> list[str]:
    lines = KEYS_FILE.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def family_modules() -> list[str]:
    """Family modules under annotations/ingress_nginx/ (helpers start with an underscore)."""
    return sorted(m.name for m in pkgutil.iter_modules(ingress_nginx.__path__) if not m.name.startswith("_"))


def test_keys_file_lists_138_distinct_keys() -> None:
    keys = all_nginx_keys()
    assert len(keys) == 138
    assert len(set(keys)) == 138


def test_every_family_module_is_registered() -> None:
    registered = {m.__name__.rsplit(".", 1)[1] for m in NGINX_FAMILIES}
    assert set(family_modules()) == registered


def test_every_family_module_has_a_golden_case() -> None:
    have = {p.name for p in GOLDEN.iterdir() if p.is_dir() and any(p.glob("*/input.yaml"))}
    missing = sorted(set(family_modules()) - have)
    assert not missing, f"family modules without golden cases: {missing}"


def test_each_key_is_claimed_by_exactly_one_family() -> None:
    claims = Counter(key for family in NGINX_FAMILIES for key in family_keys(family))
    assert [k for k, n in claims.items() if n > 1] == []
    keys = all_nginx_keys()
    unclaimed = sorted(set(keys) - set(claims))
    assert unclaimed == [], f"{len(unclaimed)} ingress-nginx keys no family claims: {unclaimed}"
    assert sorted(set(claims) - set(keys)) == [], "families claim keys ingress-nginx does not have"


def test_family_docstring_tables_agree_with_keys() -> None:
    """The mapping table in each family's docstring lists exactly its KEYS, with the same verdicts."""
    for family in NGINX_FAMILIES:
        rows = dict(_ROW.findall(family.__doc__ or ""))
        declared = {key: info.verdict.value for key, info in family_keys(family).items()}
        assert rows == declared, family.__name__


def test_support_matrix_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "annotations.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/annotations.md is stale: run python -m kubectl_meshify.annotations.matrix"
    )


def test_support_matrix_lists_every_key() -> None:
    text = render()
    for key, (family, info) in nginx_keys().items():
        name = family.__name__.rsplit(".", 1)[1]
        assert f"| `{key}` | [{name}](#{name}) | {info.verdict.value} |" in text


def test_matrix_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "annotations.md"
    stale.write_text("# old\n")
    command = [sys.executable, "-m", "kubectl_meshify.annotations.matrix", "--output", str(stale)]
    assert subprocess.run([*command, "--check"], capture_output=True, cwd=ROOT).returncode == 1
    assert subprocess.run(command, capture_output=True, cwd=ROOT).returncode == 0
    assert stale.read_text() == render()
    assert subprocess.run([*command, "--check"], capture_output=True, cwd=ROOT).returncode == 0
