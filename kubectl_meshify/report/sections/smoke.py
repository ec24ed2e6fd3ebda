"""The "Smoke test" section: what the live gateway answered to each probe (--smoke, --smoke-https), and
with --smoke-compare what the old gateway answered. Markdown, JSON (`smoke`, null when not run) and
the HTML report's data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the smoke test's modules (http.client, ssl: 17 ms) load only when a smoke test ran
    from kubectl_meshify.smoke.flags import Target
    from kubectl_meshify.smoke.run import ProbeResult, SmokeResult

MAX_ROWS = 1000  # every probe is in the JSON report
NOT_RUN = (
    "Not run. `--smoke URL` (and `--smoke-https URL`) send every probe of the behaviour check to the live"
    " Istio gateway and judge the answers; see the cut-over section below."
)


def _url(target: Target | None) -> str | None:
    return target.url if target is not None else None


def _probe_json(entry: ProbeResult) -> dict[str, Any]:
    from kubectl_meshify.smoke.judge import expected_text

    probe = entry.planned.probe
    data: dict[str, Any] = {
        "request": str(probe),
        "kind": probe.kind,
        "ingresses": list(entry.planned.ingresses),
        "expected": expected_text(entry.planned),
        "result": entry.result,
    }
    if entry.answer is not None:
        data["got"] = entry.answer.describe()
    if entry.judgement is not None and not entry.judgement.passed:
        data["why"] = entry.judgement.why
    if entry.why_not_sent:
        data["why"] = entry.why_not_sent
    if entry.agreement is not None and entry.old is not None:
        data["compare"] = {
            "old": entry.old.describe(),
            "agree": entry.agreement.agree,
            "differences": list(entry.agreement.differences),
        }
    return data


def to_json(smoke: SmokeResult | None) -> dict[str, Any] | None:
    if smoke is None:
        return None
    from kubectl_meshify.smoke.run import FAILED, NOT_SENT, PASSED

    args = smoke.args
    sent = smoke.count(PASSED) + smoke.count(FAILED)
    data: dict[str, Any] = {
        "gateway": {"http": _url(args.http), "https": _url(args.https)},
        "compare_with": {"http": _url(args.compare_http), "https": _url(args.compare_https)},
        "trace_routes": smoke.traced,
        "insecure": args.insecure,
        "timeout_seconds": args.timeout,
        "summary": {
            "probes": len(smoke.probes),
            "sent": sent,
            "passed": smoke.count(PASSED),
            "failed": smoke.count(FAILED),
            "not_sent": smoke.count(NOT_SENT),
        },
        "probes": [_probe_json(p) for p in smoke.probes],
    }
    if args.compare_http or args.compare_https:
        compared = smoke.compared()
        data["summary"]["compared"] = len(compared)
        data["summary"]["differ"] = sum(
            1 for p in compared if p.agreement is not None and not p.agreement.agree
        )
    return data


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _intro(smoke: SmokeResult) -> list[str]:
    """The totals, as sentences (shared by Markdown and HTML)."""
    args = smoke.args
    where = ", ".join(t.url for t in (args.http, args.https) if t is not None)
    lines = [
        f"Probes sent to {where}"
        + (" (routes traced by `x-meshify-route`)" if smoke.traced else "")
        + f": {smoke.summary_line().removeprefix('smoke: ')}."
    ]
    if args.compare_http or args.compare_https:
        old = ", ".join(t.url for t in (args.compare_http, args.compare_https) if t is not None)
        lines.append(
            f"Compared with the old gateway at {old}: {smoke.compare_line().removeprefix('smoke-compare: ')}."
        )
    return lines


def _rows(smoke: SmokeResult) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the probe table, failures first."""
    from kubectl_meshify.smoke.judge import expected_text
    from kubectl_meshify.smoke.run import FAILED, NOT_SENT, PASSED

    order = {FAILED: 0, PASSED: 1, NOT_SENT: 2}
    compare = bool(smoke.compared())
    header = ["result", "request", "expected", "got", "why"] + (["old gateway"] if compare else [])
    rows = []
    for entry in sorted(smoke.probes, key=lambda p: order[p.result]):
        got = entry.answer.describe() if entry.answer is not None else ""
        why = entry.why_not_sent or (
            entry.judgement.why if entry.judgement and not entry.judgement.passed else ""
        )
        cells = [entry.result, str(entry.planned.probe), expected_text(entry.planned), got, why]
        if compare:
            agreement = entry.agreement
            cells.append(
                "" if agreement is None else "agrees" if agreement.agree else "; ".join(agreement.differences)
            )
        rows.append(cells)
    return header, rows


def to_markdown(smoke: SmokeResult | None) -> list[str]:
    lines = ["## Smoke test", ""]
    if smoke is None:
        return lines + [NOT_RUN, ""]
    for sentence in _intro(smoke):
        lines += [sentence, ""]
    header, rows = _rows(smoke)
    lines += ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for cells in rows[:MAX_ROWS]:
        cells = [cells[0], f"`{cells[1]}`", *cells[2:]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(rows) > MAX_ROWS:
        lines += ["", f"{len(rows) - MAX_ROWS} more probes are listed in the JSON report."]
    lines.append("")
    return lines


def html_data(smoke: SmokeResult | None) -> dict[str, Any]:
    """What the HTML report shows: the totals, then the failing probes and those that differ from the old
    gateway (every probe is in the JSON report)."""
    if smoke is None:
        return {"text": [NOT_RUN], "header": [], "rows": []}
    from kubectl_meshify.smoke.run import FAILED

    header, rows = _rows(smoke)
    shown = [r for r in rows if r[0] == FAILED or (len(r) > 5 and r[5] not in ("", "agrees"))]
    return {"text": _intro(smoke), "header": header, "rows": shown[:MAX_ROWS]}
