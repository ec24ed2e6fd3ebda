"""The smoke test as a step of a run: plan, send, judge, compare; the result for the reports and stderr
(rendered by report/sections/smoke.py and cli/cutover.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl_meshify.smoke.flags import SmokeArgs, Target
from kubectl_meshify.smoke.judge import Agreement, Judgement, compare, judge, sendable
from kubectl_meshify.smoke.plan import PlannedProbe, plan
from kubectl_meshify.smoke.send import Answer, check_reachable, send_all, tls_context

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
    `result.smoke` for the reports (report/sections/smoke.py); the command line prints it (cli/cutover.py)."""
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
    return smoke
