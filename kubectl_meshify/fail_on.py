"""The CI gate: `--fail-on LIST` exits 1 when a finding matches a code, a severity or a verdict in LIST, and
the command prints each match on stderr (Ingress, code, one line: cli/gates.py). `--strict` is the same gate with the list
`approximated,unsupported,unknown` plus every partial Ingress.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kubectl_meshify.errors import UsageError
from kubectl_meshify.findings import STRICT_VERDICTS, Finding, Severity, Verdict
from kubectl_meshify.model import Status

if TYPE_CHECKING:
    from kubectl_meshify.result import MigrationResult

SEVERITIES = {s.value for s in Severity}
VERDICTS = {v.value for v in Verdict}
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass
class Gate:
    """What trips the gate: finding codes, severities, verdicts, and (for --strict) partial Ingresses."""

    name: str  # how the stderr lines are labelled: "fail-on" or "strict"
    codes: set[str] = field(default_factory=set)
    severities: set[str] = field(default_factory=set)
    verdicts: set[str] = field(default_factory=set)
    partial: bool = False

    def trips(self, finding: Finding) -> bool:
        return (
            finding.code in self.codes
            or finding.severity.value in self.severities
            or finding.verdict.value in self.verdicts
        )


def parse(text: str) -> Gate:
    """`--fail-on` LIST: comma-separated codes (upper case), severities and verdicts; anything else is a
    usage error (a misspelt word must not silently gate on nothing)."""
    gate = Gate("fail-on")
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise UsageError("--fail-on needs a comma-separated list of finding codes, severities or verdicts")
    for word in words:
        if word.lower() in SEVERITIES:
            gate.severities.add(word.lower())
        elif word.lower() in VERDICTS:
            gate.verdicts.add(word.lower())
        elif _CODE.fullmatch(word):
            gate.codes.add(word)
        else:
            raise UsageError(
                f"--fail-on {word!r}: not a finding code (upper case, e.g. TLS_SECRET_LOCATION), a severity"
                f" ({', '.join(sorted(SEVERITIES))}) or a verdict ({', '.join(v.value for v in Verdict)})"
            )
    return gate


def strict() -> Gate:
    return Gate("strict", verdicts={v.value for v in STRICT_VERDICTS}, partial=True)


def matches(result: MigrationResult, gate: Gate) -> list[tuple[str, str, str]]:
    """(Ingress or "-" for a run-wide finding, code, message) for every finding the gate trips on."""
    found: list[tuple[str, str, str]] = []
    for record in result.records:
        hits = [f for f in record.findings if gate.trips(f)]
        found += [(record.key, f.code, f.message) for f in hits]
        if gate.partial and record.status is Status.PARTIAL and not hits:
            found.append((record.key, "PARTIAL", "the Ingress was converted only partially"))
    for f in result.run_findings + result.model.run_findings:
        if gate.trips(f):
            found.append((f.ingress or "-", f.code, f.message))
    return found


def gates(strict_flag: bool, fail_on: str | None) -> list[Gate]:
    """The gates asked for on the command line (parsed before anything is read)."""
    found = [parse(fail_on)] if fail_on is not None else []
    return found + ([strict()] if strict_flag else [])
