"""The smoke test as a step of a run: plan, send, judge, compare; the result for the reports and stderr."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.smoke.flags import SmokeArgs, Target
from kubectl_meshify.smoke.judge import Agreement, Judgement, compare, expected_text, judge, sendable
from kubectl_meshify.smoke.plan import PlannedProbe, plan
from kubectl_meshify.smoke.send import Answer, check_reachable, send_all, tls_context
from kubectl_meshify.term import paint

PASSED, FAILED, NOT_SENT = "passed", "failed", "not sent"


@dataclass
class ProbeResult:
    planned: PlannedProbe
    result: str  # PASSED, FAILED or NOT_SENT
    answer: Answer | None = None
    judgement: Judgement | None = None
    why_not_sent: str = ""
    old: Answer | None = None  # --smoke-compare: the old gateway's answer
    agreement: Agreement | None = None

    def to_json(self) -> dict[str, Any]:
        probe = self.planned.probe
        entry: dict[str, Any] = {
            "request": str(probe),
            "kind": probe.kind,
            "ingresses": list(self.planned.ingresses),
            "expected": expected_text(self.planned),
            "result": self.result,
        }
        if self.answer is not None:
            entry["got"] = self.answer.describe()
        if self.judgement is not None and not self.judgement.passed:
            entry["why"] = self.judgement.why
        if self.why_not_sent:
            entry["why"] = self.why_not_sent
        if self.agreement is not None and self.old is not None:
            entry["compare"] = {
                "old": self.old.describe(),
                "agree": self.agreement.agree,
                "differences": list(self.agreement.differences),
            }
        return entry


@dataclass
class SmokeResult:
    args: SmokeArgs
    traced: bool
    probes: list[ProbeResult] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for p in self.probes if p.result == result)

    @property
    def failed(self) -> bool:
        return self.count(FAILED) > 0

    def compared(self) -> list[ProbeResult]:
        return [p for p in self.probes if p.agreement is not None]

    def summary_line(self) -> str:
        sent = self.count(PASSED) + self.count(FAILED)
        return (
            f"smoke: {sent} sent, {self.count(PASSED)} passed, {self.count(FAILED)} failed,"
            f" {self.count(NOT_SENT)} not sent"
        )

    def compare_line(self) -> str:
        compared = self.compared()
        differ = sum(1 for p in compared if p.agreement is not None and not p.agreement.agree)
        return f"smoke-compare: {len(compared)} compared, {len(compared) - differ} agree, {differ} differ"

    def to_json(self) -> dict[str, Any]:
        args = self.args
        sent = self.count(PASSED) + self.count(FAILED)
        data: dict[str, Any] = {
            "gateway": {"http": _url(args.http), "https": _url(args.https)},
            "compare_with": {"http": _url(args.compare_http), "https": _url(args.compare_https)},
            "trace_routes": self.traced,
            "insecure": args.insecure,
            "timeout_seconds": args.timeout,
            "summary": {
                "probes": len(self.probes),
                "sent": sent,
                "passed": self.count(PASSED),
                "failed": self.count(FAILED),
                "not_sent": self.count(NOT_SENT),
            },
            "probes": [p.to_json() for p in self.probes],
        }
        if args.compare_http or args.compare_https:
            compared = self.compared()
            differ = sum(1 for p in compared if p.agreement is not None and not p.agreement.agree)
            data["summary"]["compared"] = len(compared)
            data["summary"]["differ"] = differ
        return data


def _url(target: Target | None) -> str | None:
    return target.url if target is not None else None


def preflight(args: SmokeArgs) -> None:
    """Before anything is converted or applied: every gateway address given must accept connections."""
    targets = [
        (option, target)
        for option, target in (
            ("--smoke", args.http),
            ("--smoke-https", args.https),
            ("--smoke-compare", args.compare_http),
            ("--smoke-compare", args.compare_https),
        )
        if target is not None
    ]
    check_reachable(targets, args.timeout)


def run_smoke(args: SmokeArgs, result: Any) -> SmokeResult:
    """Send the probes of `result` (a MigrationResult) and judge them; stores the outcome in
    `result.extra["smoke"]` for the reports and prints failures and the summary on stderr."""
    planned = plan(result.records, result.resources, result.objects, result.options)
    smoke = SmokeResult(args, traced=result.options.trace_routes)
    requests: list[tuple[Target, Any]] = []
    old_requests: list[tuple[Target, Any]] = []
    sent_index: list[ProbeResult] = []
    old_index: list[ProbeResult] = []
    for item in planned:
        probe = item.probe
        target = args.https if probe.scheme == "https" else args.http
        entry = ProbeResult(item, NOT_SENT)
        smoke.probes.append(entry)
        if not sendable(item.expected):
            entry.why_not_sent = f"the emitted configuration cannot be evaluated here ({item.expected.note})"
            continue
        if target is None:
            entry.why_not_sent = f"no {'--smoke-https' if probe.scheme == 'https' else '--smoke'} URL given"
            continue
        requests.append((target, probe))
        sent_index.append(entry)
        old = args.compare_https if probe.scheme == "https" else args.compare_http
        if old is not None:
            old_requests.append((old, probe))
            old_index.append(entry)
    context = tls_context(args.insecure)
    for entry, answer in zip(sent_index, send_all(requests, args.timeout, context), strict=True):
        entry.answer = answer
        entry.judgement = judge(entry.planned, answer, smoke.traced)
        entry.result = PASSED if entry.judgement.passed else FAILED
    for entry, old_answer in zip(old_index, send_all(old_requests, args.timeout, context), strict=True):
        entry.old = old_answer
        assert entry.answer is not None
        entry.agreement = compare(entry.answer, old_answer)
    result.extra["smoke"] = smoke
    return smoke


def print_smoke(smoke: SmokeResult) -> None:
    """A line per failing probe (request, expected, got), per disagreement with the old gateway, then the totals."""
    out = sys.stderr
    for entry in smoke.probes:
        if entry.result == FAILED and entry.answer is not None and entry.judgement is not None:
            out.write(
                f"{paint('smoke FAIL', 'red')} {entry.planned.probe}: expected {expected_text(entry.planned)};"
                f" got {entry.answer.describe()} ({entry.judgement.why})\n"
            )
    for entry in smoke.compared():
        if entry.agreement is not None and not entry.agreement.agree:
            out.write(
                f"{paint('smoke-compare differs', 'yellow')} {entry.planned.probe}: new vs old:"
                f" {'; '.join(entry.agreement.differences)}\n"
            )
    out.write(smoke.summary_line() + "\n")
    if smoke.args.compare_http or smoke.args.compare_https:
        out.write(smoke.compare_line() + "\n")
