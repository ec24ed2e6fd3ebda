"""Findings: what the report says about each Ingress, with a verdict and an action."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    EXACT = "exact"
    APPROXIMATED = "approximated"
    UNSUPPORTED = "unsupported"
    NO_OP = "no-op"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


# Verdicts that make --strict fail.
STRICT_VERDICTS = {Verdict.APPROXIMATED, Verdict.UNSUPPORTED, Verdict.UNKNOWN}


@dataclass(frozen=True)
class Finding:
    """One reported fact. `code` is stable (CI gates on it); `annotation` is the key it is about, if any.

    `ingress` is `namespace/name` of the Ingress it belongs to, or None for a run-wide finding.
    """

    code: str
    severity: Severity
    verdict: Verdict
    message: str
    action: str | None = None
    annotation: str | None = None
    ingress: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "verdict": self.verdict.value,
            "annotation": self.annotation,
            "message": self.message,
            "action": self.action,
        }
