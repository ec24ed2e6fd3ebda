"""The finding-code catalogue (kubectl_meshify/finding_codes.py) names every code the package reports, with
the verdicts and severities its call sites use, and docs/findings.md is generated from it.

Two views: the source (every call that builds a Finding, read with `ast`: a literal code, a module constant,
or a conditional of those) and the output (the findings of every golden case, which tests/test_golden.py
keeps equal to what the CLI reports).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from kubectl_meshify.annotations import CERT_MANAGER_FAMILIES, nginx_keys
from kubectl_meshify.annotations.base import annotation_code, family_keys
from kubectl_meshify.finding_codes import CODES, render
from kubectl_meshify.findings import Severity, Verdict

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kubectl_meshify"
GOLDEN = ROOT / "tests" / "golden"


@dataclass(frozen=True)
class Site:
    """One call that reports a finding with a known code."""

    where: str
    code: str
    severities: frozenset[str | None]  # "?": not resolvable statically
    verdicts: frozenset[str | None]  # None: no verdict; "?": not resolvable statically


def _names(function: ast.FunctionDef) -> list[str]:
    names = [a.arg for a in function.args.args]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _builders(trees: dict[Path, ast.Module]) -> dict[str, list[str]]:
    """Functions that build findings: `Finding` and every function with a `code` parameter that calls a
    builder (to a fixed point), each → its parameter names."""
    builders = {"Finding": ["code", "severity", "verdict", "message", "action", "annotation", "ingress"]}
    functions = [n for t in trees.values() for n in ast.walk(t) if isinstance(n, ast.FunctionDef)]
    changed = True
    while changed:
        changed = False
        for function in functions:
            if function.name in builders or "code" not in _names(function):
                continue
            calls = (n for n in ast.walk(function) if isinstance(n, ast.Call))
            if any(_called(call) in builders for call in calls):
                builders[function.name] = _names(function)
                changed = True
    return builders


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's own string constants (two modules may both name theirs `CODE`)."""
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    constants[target.id] = node.value.value
    return constants


def _strings(expr: ast.expr, constants: dict[str, str]) -> list[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, constants) + _strings(expr.orelse, constants)
    if isinstance(expr, ast.Name) and expr.id in constants:
        return [constants[expr.id]]
    return []


def _members(expr: ast.expr | None, enum: str) -> frozenset[str | None]:
    """`Verdict.EXACT` → {"exact"}; `None` → {None}; absent → the builder decides ("?"); a conditional →
    both sides."""
    if expr is None:
        return frozenset({"?"})
    if isinstance(expr, ast.Constant) and expr.value is None:
        return frozenset({None})
    if isinstance(expr, ast.IfExp):
        return _members(expr.body, enum) | _members(expr.orelse, enum)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == enum:
        kind = Verdict if enum == "Verdict" else Severity
        return frozenset({kind[expr.attr].value})
    return frozenset({"?"})


def sites() -> Iterator[Site]:
    trees = {p: ast.parse(p.read_text(), filename=str(p)) for p in sorted(PACKAGE.rglob("*.py"))}
    builders = _builders(trees)
    for path, tree in trees.items():
        constants = _constants(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = _called(call)
            if name not in builders:
                continue
            params: dict[str, ast.expr] = dict(zip(builders[name], call.args, strict=False))
            params.update({k.arg: k.value for k in call.keywords if k.arg})
            code = params.get("code")
            if code is None:
                continue
            # an absent severity is the builder's default (FamilyContext.report derives it from the verdict)
            severity = _members(params["severity"], "Severity") if "severity" in params else frozenset({"?"})
            verdict = _members(params.get("verdict"), "Verdict")
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            for value in _strings(code, constants):
                yield Site(where, value, severity, verdict)


def annotation_codes() -> set[str]:
    codes = {annotation_code(key) for key in nginx_keys()}
    for family in CERT_MANAGER_FAMILIES:
        codes |= {family.code(key) for key in family_keys(family)}
    return codes


def test_the_source_scan_sees_the_call_sites() -> None:
    """A scan that found nothing would pass every check below."""
    found = {site.code for site in sites()}
    assert {
        "HOST_MERGED",
        "PREFLIGHT_INJECTION",
        "VERIFY_UNEXPLAINED_DIFFERENCE",
        "TLS_SECRET_LOCATION",
    } <= found
    assert len(found) >= 50


def test_every_code_the_package_reports_is_catalogued() -> None:
    missing = sorted({f"{s.code} ({s.where})" for s in sites() if s.code not in CODES})
    assert missing == [], "add these to kubectl_meshify/finding_codes.py CODES"


def test_every_catalogued_code_is_reported_somewhere() -> None:
    reported = {site.code for site in sites()}
    assert sorted(set(CODES) - reported) == [], "remove codes nothing reports"


def test_catalogue_verdicts_and_severities_match_the_call_sites() -> None:
    problems = []
    for site in sites():
        entry = CODES.get(site.code)
        if entry is None:
            continue
        allowed = {v.value if v else None for v in entry.verdicts}
        if "?" not in site.verdicts and not site.verdicts <= allowed:
            problems.append(f"{site.where}: {site.code} verdicts {sorted(map(str, site.verdicts))}")
    for code, entry in CODES.items():
        severities = set().union(*(s.severities for s in sites() if s.code == code))
        if "?" not in severities and entry.severity.value not in severities:
            problems.append(f"{code}: default severity {entry.severity.value}, call sites use {severities}")
    assert problems == []


def test_run_codes_and_annotation_codes_do_not_collide() -> None:
    assert sorted(set(CODES) & annotation_codes()) == []


def golden_findings() -> Iterator[tuple[str, str, str | None]]:
    for path in sorted(GOLDEN.glob("*/*/expected-findings.yaml")):
        for ingress in yaml.safe_load(path.read_text()) or []:
            for finding in ingress["findings"]:
                yield str(path.parent.relative_to(GOLDEN)), finding["code"], finding["verdict"]


def test_every_code_in_the_golden_output_is_catalogued() -> None:
    findings = list(golden_findings())
    assert len(findings) > 200
    known = set(CODES) | annotation_codes()
    assert sorted({f"{case}: {code}" for case, code, _ in findings if code not in known}) == []
    wrong = sorted(
        f"{case}: {code} {verdict}"
        for case, code, verdict in findings
        if code in CODES and verdict not in {v.value if v else None for v in CODES[code].verdicts}
    )
    assert wrong == []


def test_findings_page_is_up_to_date() -> None:
    assert (ROOT / "docs" / "findings.md").read_text() == render(), (
        "docs/findings.md is stale: run python -m kubectl_meshify.finding_codes"
    )


def test_findings_page_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "findings.md"
    stale.write_text("old\n")
    command = [sys.executable, "-m", "kubectl_meshify.finding_codes", "--output", str(stale)]
    assert subprocess.run([*command, "--check"], capture_output=True).returncode == 1
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert subprocess.run([*command, "--check"], capture_output=True).returncode == 0
    assert stale.read_text() == render()


def test_every_code_is_explained() -> None:
    unexplained = [
        code for code, entry in CODES.items() if not entry.meaning.endswith(".") or not entry.verdicts
    ]
    assert unexplained == []
    assert list(CODES) == sorted(CODES), "keep CODES in alphabetical order"
