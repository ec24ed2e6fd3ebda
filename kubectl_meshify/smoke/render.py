"""The report's "Smoke test" section (Markdown); the JSON form is `SmokeResult.to_json`."""

from __future__ import annotations

from kubectl_meshify.smoke.judge import expected_text
from kubectl_meshify.smoke.run import FAILED, NOT_SENT, PASSED, SmokeResult

MAX_ROWS = 1000  # every probe is in the JSON report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def smoke_markdown(smoke: SmokeResult | None) -> list[str]:
    lines = ["## Smoke test", ""]
    if smoke is None:
        return lines + [
            "Not run. `--smoke URL` (and `--smoke-https URL`) send every probe of the behaviour check to the"
            " live Istio gateway and judge the answers; see the cut-over section below.",
            "",
        ]
    args = smoke.args
    where = ", ".join(t.url for t in (args.http, args.https) if t is not None)
    lines += [
        f"Probes sent to {where}"
        + (" (routes traced by `x-meshify-route`)" if smoke.traced else "")
        + f": {smoke.summary_line().removeprefix('smoke: ')}.",
        "",
    ]
    if args.compare_http or args.compare_https:
        old = ", ".join(t.url for t in (args.compare_http, args.compare_https) if t is not None)
        lines += [
            f"Compared with the old gateway at {old}: {smoke.compare_line().removeprefix('smoke-compare: ')}.",
            "",
        ]
    order = {FAILED: 0, PASSED: 1, NOT_SENT: 2}
    rows = sorted(smoke.probes, key=lambda p: order[p.result])
    compare = bool(smoke.compared())
    header = "| result | request | expected | got | why |" + (" old gateway |" if compare else "")
    lines += [header, "| --- | --- | --- | --- | --- |" + (" --- |" if compare else "")]
    for entry in rows[:MAX_ROWS]:
        got = entry.answer.describe() if entry.answer is not None else ""
        why = entry.why_not_sent or (
            entry.judgement.why if entry.judgement and not entry.judgement.passed else ""
        )
        cells = [entry.result, f"`{entry.planned.probe}`", expected_text(entry.planned), got, why]
        if compare:
            agreement = entry.agreement
            cells.append(
                "" if agreement is None else "agrees" if agreement.agree else "; ".join(agreement.differences)
            )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(rows) > MAX_ROWS:
        lines += ["", f"{len(rows) - MAX_ROWS} more probes are listed in the JSON report."]
    lines.append("")
    return lines
