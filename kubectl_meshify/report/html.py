"""The HTML report: one self-contained file (inline CSS and script, no network, no external font) with the
summary, the action plan, the batch scripts, a filterable, sortable table of Ingresses whose rows open
onto their findings, resources and behaviour-check differences, then the smoke test and the cut-over
runbook.

The data is embedded once as compact JSON; the script renders only the rows on screen (a page at a time)
and an Ingress's detail when it is opened, so a 2,000-Ingress report opens at once.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

from kubectl_meshify import __version__
from kubectl_meshify.action_plan import GROUP_TITLES
from kubectl_meshify.model import IngressRecord
from kubectl_meshify.report.sections import cutover, smoke
from kubectl_meshify.report.sections.action_plan import (
    CLASS_TITLES,
    not_probed_in,
    plan_of,
    run_json,
    script_path,
)
from kubectl_meshify.report.sections.summary import CHECK_SCOPE
from kubectl_meshify.result import MigrationResult


def report_data(result: MigrationResult, rows: bool = True) -> dict[str, Any]:
    """Everything the page shows, in short keys (the page is the only reader). `rows=False`: the
    Ingresses' rows are left for `_rows` to make one at a time (their key stays, holding None)."""
    plan = plan_of(result)
    verification = result.verification
    statuses = result.status_counts()
    totals = verification.totals() if verification is not None else None
    return {
        "version": __version__,
        "api": result.options.api_version,
        "run": run_json(result.run),
        "statuses": {s: statuses.get(s, 0) for s in ("converted", "partial", "failed", "skipped")},
        "classes": plan.counts(),
        "classTitles": {c.value: t for c, t in CLASS_TITLES.items()},
        "check": totals,
        "scope": CHECK_SCOPE,
        "plan": [
            {
                "code": i.code,
                "kind": GROUP_TITLES[i.group],
                "sev": i.severity.value,
                "count": i.count,
                "ingresses": len(i.ingresses),
                "first": i.shown_ingresses(),
                "action": i.action,
                "script": i.script,
            }
            for i in plan.items
        ],
        "scripts": [
            {"name": s.name, "path": script_path(result.run, s), "objects": len(s.calls), "text": s.text()}
            for s in plan.scripts
        ],
        "runFindings": [
            [f.severity.value, f.verdict.value, f.code, f.ingress or "", f.message, f.action or ""]
            for f in result.run_findings + result.model.run_findings
        ],
        "ingresses": list(_rows(result)) if rows else None,
        "smoke": smoke.html_data(result.smoke),
        "cutover": cutover.to_json(cutover.steps_of(result))["steps"],
        "cutoverIntro": cutover.INTRO,
    }


def _rows(result: MigrationResult) -> Iterator[dict[str, Any]]:
    """The page's row of each Ingress, in the report's order."""
    plan = plan_of(result)
    verification = result.verification
    outcomes: dict[str, Any] = verification.ingresses if verification is not None else {}
    prefix = result.options.nginx_prefix
    for record in result.records:
        outcome = outcomes.get(record.key)
        row: dict[str, Any] = {
            "ns": record.obj.namespace,
            "n": record.obj.name,
            "c": plan.classes[record.key].value,
            "s": record.status.value,
            "src": str(record.obj.origin),
            "f": [
                [f.severity.value, f.verdict.value, f.code, f.annotation or "", f.message, f.action or ""]
                for f in record.findings
            ],
            "r": [[k, ns, n] for _, k, ns, n in record.resources],
            "np": not_probed_in(plan, record, prefix),
            "h": _hosts(record),
        }
        if outcome is not None:
            row["v"] = [
                outcome.probes,
                [[str(d.probe), d.source_text, d.istio_text, d.finding or ""] for d in outcome.different],
            ]
        yield row


def _hosts(record: IngressRecord) -> list[str]:
    """The hosts of the Ingress's rules, for the text search."""
    spec = record.obj.body.get("spec")
    rules = spec.get("rules") if isinstance(spec, dict) else None
    hosts = [r.get("host") for r in rules or [] if isinstance(r, dict)]
    return sorted({h for h in hosts if isinstance(h, str)})


def _embedded_json(data: Any) -> str:
    """JSON safe inside a <script> element: no `<` can end it or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# Rows encoded by one json.dumps call: few enough that the rows of a large run are never all in memory.
_ROWS_PER_PIECE = 100


def _data_pieces(result: MigrationResult) -> Iterator[str]:
    """`_embedded_json(report_data(result))`, a piece at a time: the Ingresses' rows are made, encoded and
    dropped `_ROWS_PER_PIECE` at a time, so that the rows of a large run are never all in memory (the
    escapes above act on single characters, so escaping piece by piece gives the same text)."""
    separator = "{"
    for key, value in report_data(result, rows=False).items():
        yield separator + _embedded_json(key) + ":"
        if key == "ingresses":
            yield "["
            row_separator = ""
            batch: list[dict[str, Any]] = []
            for row in _rows(result):
                batch.append(row)
                if len(batch) == _ROWS_PER_PIECE:
                    yield row_separator + _embedded_json(batch)[1:-1]  # the rows without the list's [ ]
                    row_separator, batch = ",", []
            if batch:
                yield row_separator + _embedded_json(batch)[1:-1]
            yield "]"
        else:
            yield _embedded_json(value)
        separator = ","
    yield "}"


def html_pieces(result: MigrationResult) -> Iterator[str]:
    """The HTML report in pieces (page head, the embedded data a piece at a time, page tail), each made as
    the one before is written: a large report is never held whole, joined or not."""
    title = "Migration report: Ingress → Istio"
    page = PAGE.replace("@TITLE@", html.escape(title)).replace("@CSS@", CSS).replace("@SCRIPT@", SCRIPT)
    head, tail = page.split("@DATA@")
    yield head
    yield from _data_pieces(result)
    yield tail


def to_html(result: MigrationResult) -> str:
    return "".join(html_pieces(result))


# No external resource of any kind: the page must open offline and make no request (tested in Chromium).
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>@CSS@</style>
</head>
<body>
<header><h1>@TITLE@</h1><p id="meta"></p></header>
<main>
<section id="summary"><h2>Summary</h2><div id="summary-body"></div></section>
<section id="plan"><h2>Action plan</h2><div id="plan-body"></div></section>
<section id="scripts"><h2>Batch scripts</h2><div id="scripts-body"></div></section>
<section id="ingresses"><h2>Ingresses</h2>
<div class="filters">
<label>Search <input id="q" type="search" placeholder="name, namespace, code, text"></label>
<label>Namespace <select id="f-ns"><option value="">all</option></select></label>
<label>Class <select id="f-class"><option value="">all</option></select></label>
<label>Code <select id="f-code"><option value="">any</option></select></label>
<span id="count"></span>
</div>
<table id="table"><thead><tr>
<th data-key="ns">namespace</th><th data-key="n">Ingress</th><th data-key="c">class</th>
<th data-key="s">status</th><th data-key="codes">codes</th><th data-key="check">behaviour check</th>
</tr></thead><tbody id="rows"></tbody></table>
<button id="more" type="button">Show more</button>
</section>
<section id="run-findings"><h2>Run findings</h2><div id="run-body"></div></section>
<section id="smoke"><h2>Smoke test</h2><div id="smoke-body"></div></section>
<section id="cutover"><h2>Cut-over runbook</h2><div id="cutover-body"></div></section>
</main>
<script type="application/json" id="report-data">@DATA@</script>
<script>@SCRIPT@</script>
</body>
</html>
"""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header,main{max-width:1280px;margin:0 auto;padding:0 16px}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:24px 0 8px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:4px 16px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #eceef2}
th[data-key]{cursor:pointer;user-select:none}th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f2f4f7;padding:8px;overflow:auto;max-height:320px}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px}
.blocked{background:#fde2e1;color:#8a1c14}.needs-steps{background:#fff1d6;color:#7a4b00}
.ready{background:#dff5e3;color:#1c6b2c}.skipped{background:#e9ebef;color:#4a5160}
tr.row{cursor:pointer}tr.row:hover{background:#f3f6fb}tr.detail>td{background:#fafbfc}
.sev-error{color:#b3261e;font-weight:600}.sev-warning{color:#8a5a00;font-weight:600}.sev-info{color:#4a5160}
.scope{color:#4a5160;font-style:italic}
"""

SCRIPT = r"""
"use strict";
const D = JSON.parse(document.getElementById("report-data").textContent);
const PAGE = 200;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
const rows = D.ingresses.map((r, i) => {
  const codes = [...new Set(r.f.map((f) => f[2]))].sort();
  const check = r.v ? (r.v[0] - r.v[1].length) + "/" + r.v[0] + " same" + (r.np.length ? " (routing only; not probed: " + r.np.join(", ") + ")" : "") : "";
  const text = [r.ns, r.n, r.src, ...r.h, ...r.r.map((x) => x[0] + " " + x[2]), ...r.f.map((f) => f[2] + " " + f[3] + " " + f[4])].join(" ").toLowerCase();
  return Object.assign(r, {i, codes, check, key: r.ns + "/" + r.n, text});
});
let shown = PAGE, sortKey = null, sortDir = 1, open = new Set();

function pill(c) { return '<span class="pill ' + esc(c) + '">' + esc(D.classTitles[c] || c) + "</span>"; }

function header() {
  const run = D.run || {};
  const parts = ["Generated by kubectl-meshify " + esc(D.version) + ". Istio API: networking.istio.io/" + esc(D.api) + "."];
  if (run.cluster) parts.push("Cluster: context <code>" + esc(run.cluster.context || "in-cluster") + "</code>, server " + esc(run.cluster.server) + ".");
  if (run.sources && run.sources.length) parts.push("Sources: " + run.sources.map((s) => "<code>" + esc(s) + "</code>").join(", ") + ".");
  $("meta").innerHTML = parts.join(" ");
  const cls = ["blocked", "needs-steps", "ready", "skipped"].filter((c) => c !== "skipped" || D.classes[c]);
  let h = "<table><tr><th>Ingresses</th>" + cls.map((c) => "<th>" + pill(c) + "</th>").join("") + "</tr><tr><td>" + D.ingresses.length + "</td>" + cls.map((c) => '<td class="count-' + c + '">' + D.classes[c] + "</td>").join("") + "</tr></table>";
  h += "<p>Status: " + Object.entries(D.statuses).filter((e) => e[1]).map((e) => e[1] + " " + e[0]).join(", ") + ".</p>";
  if (D.check) h += "<p>Behaviour check: " + D.check.probes + " probes, " + D.check.same + " routed the same, " + D.check.different + ' differently. <span class="scope">' + esc(D.scope) + "</span></p>";
  $("summary-body").innerHTML = h;
  if (!D.plan.length) { $("plan-body").innerHTML = "<p>Nothing to do: no findings.</p>"; }
  else {
    $("plan-body").innerHTML = '<table id="plan-table"><tr><th>#</th><th>kind</th><th>code</th><th>severity</th><th>findings</th><th>Ingresses</th><th>action</th></tr>' +
      D.plan.map((p, n) => "<tr><td>" + (n + 1) + "</td><td>" + esc(p.kind) + '</td><td><a href="#" data-code="' + esc(p.code) + '"><code>' + esc(p.code) + '</code></a></td><td class="sev-' + esc(p.sev) + '">' + esc(p.sev) + "</td><td>" + p.count + "</td><td>" + p.ingresses + ": " + esc(p.first) + "</td><td>" + esc(p.action) + (p.script ? " Script: <code>" + esc(p.script) + "</code>." : "") + "</td></tr>").join("") + "</table>";
  }
  $("scripts-body").innerHTML = D.scripts.length ? D.scripts.map((s) => "<h3><code>" + esc(s.path || s.name) + "</code> (" + s.objects + " objects)</h3><pre>" + esc(s.text) + "</pre>").join("") : "<p>None.</p>";
  $("run-body").innerHTML = D.runFindings.length ? findingsTable(D.runFindings, true) : "<p>None.</p>";
  $("smoke-body").innerHTML = D.smoke.text.map((t) => "<p>" + codeSpans(t) + "</p>").join("") + (D.smoke.rows.length ?
    '<table class="smoke"><tr>' + D.smoke.header.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>" + D.smoke.rows.map((r) => "<tr>" + r.map((c, i) => "<td>" + (i === 1 ? "<code>" + esc(c) + "</code>" : esc(c)) + "</td>").join("") + "</tr>").join("") + "</table>" : "");
  $("cutover-body").innerHTML = "<p>" + codeSpans(D.cutoverIntro) + "</p><ol>" + D.cutover.map((s) => "<li><h3>" + esc(s.title) + "</h3><p>" + codeSpans(s.why) + "</p>" + (s.commands.length ? "<pre>" + esc(s.commands.join("\n")) + "</pre>" : "") + "<p>Rollback: " + codeSpans(s.rollback) + "</p></li>").join("") + "</ol>";
  const fill = (sel, values) => { for (const v of values) { const o = document.createElement("option"); o.value = v; o.textContent = D.classTitles[v] || v; sel.appendChild(o); } };
  fill($("f-ns"), [...new Set(rows.map((r) => r.ns))].sort());
  fill($("f-class"), ["blocked", "needs-steps", "ready", "skipped"].filter((c) => D.classes[c]));
  fill($("f-code"), [...new Set(rows.flatMap((r) => r.codes))].sort());
}

function codeSpans(text) {
  return esc(text).split("`").map((p, i) => i % 2 ? "<code>" + p + "</code>" : p).join("");
}

function findingsTable(list, runWide) {
  return "<table><tr><th>severity</th><th>verdict</th><th>code</th><th>" + (runWide ? "Ingress" : "annotation") + "</th><th>what happened</th><th>action</th></tr>" +
    list.map((f) => '<tr><td class="sev-' + esc(f[0]) + '">' + esc(f[0]) + "</td><td>" + esc(f[1]) + "</td><td><code>" + esc(f[2]) + "</code></td><td>" + (f[3] ? "<code>" + esc(f[3]) + "</code>" : "") + "</td><td>" + esc(f[4]) + "</td><td>" + esc(f[5]) + "</td></tr>").join("") + "</table>";
}

function detail(r) {
  let h = "<p>Source: <code>" + esc(r.src) + "</code>. Hosts: " + esc(r.h.join(", ") || "none") + ". Status: " + esc(r.s) + ".</p>";
  h += r.f.length ? "<h4>Findings</h4>" + findingsTable(r.f, false) : "<p>No findings.</p>";
  h += "<h4>Resources</h4>" + (r.r.length ? "<ul>" + r.r.map((x) => "<li>" + esc(x[0]) + " " + esc(x[1]) + "/" + esc(x[2]) + "</li>").join("") + "</ul>" : "<p>None.</p>");
  if (r.v) {
    h += "<h4>Behaviour check</h4><p>" + r.v[0] + " probe requests: " + (r.v[0] - r.v[1].length) + " routed the same, " + r.v[1].length + ' differently. <span class="scope">' + esc(D.scope) + (r.np.length ? " Not probed for this Ingress: " + esc(r.np.join(", ")) + "." : "") + "</span></p>";
    if (r.v[1].length) h += '<table class="diffs"><tr><th>request</th><th>before</th><th>after (Istio)</th><th>finding</th></tr>' + r.v[1].map((d) => "<tr><td><code>" + esc(d[0]) + "</code></td><td>" + esc(d[1]) + "</td><td>" + esc(d[2]) + "</td><td>" + (d[3] ? "<code>" + esc(d[3]) + "</code>" : "<strong>none: translation defect</strong>") + "</td></tr>").join("") + "</table>";
  }
  return h;
}

function visible() {
  const q = $("q").value.trim().toLowerCase(), ns = $("f-ns").value, cls = $("f-class").value, code = $("f-code").value;
  let out = rows.filter((r) => (!ns || r.ns === ns) && (!cls || r.c === cls) && (!code || r.codes.includes(code)) && (!q || r.text.includes(q)));
  if (sortKey) {
    const val = (r) => sortKey === "codes" ? r.codes.length : sortKey === "check" ? (r.v ? r.v[1].length : -1) : r[sortKey];
    out = out.slice().sort((a, b) => { const x = val(a), y = val(b); return (x < y ? -1 : x > y ? 1 : a.i - b.i) * sortDir; });
  }
  return out;
}

function render() {
  const list = visible();
  const parts = [];
  for (const r of list.slice(0, shown)) {
    parts.push('<tr class="row" data-i="' + r.i + '"><td>' + esc(r.ns) + "</td><td>" + esc(r.n) + "</td><td>" + pill(r.c) + "</td><td>" + esc(r.s) + "</td><td>" + r.codes.map((c) => "<code>" + esc(c) + "</code>").join(" ") + "</td><td>" + esc(r.check) + "</td></tr>");
    if (open.has(r.i)) parts.push('<tr class="detail"><td colspan="6">' + detail(r) + "</td></tr>");
  }
  $("rows").innerHTML = parts.join("");
  $("count").textContent = Math.min(shown, list.length) + " of " + list.length + " shown (" + rows.length + " Ingresses)";
  $("more").style.display = list.length > shown ? "" : "none";
}

function rerender() { shown = PAGE; render(); }
for (const id of ["q", "f-ns", "f-class", "f-code"]) for (const ev of ["input", "change"]) $(id).addEventListener(ev, rerender);
$("more").addEventListener("click", () => { shown += PAGE; render(); });
$("rows").addEventListener("click", (e) => {
  const tr = e.target.closest("tr.row"); if (!tr) return;
  const i = Number(tr.dataset.i); open.has(i) ? open.delete(i) : open.add(i); render();
});
document.querySelectorAll("th[data-key]").forEach((th) => th.addEventListener("click", () => {
  const key = th.dataset.key;
  sortDir = sortKey === key ? -sortDir : 1; sortKey = key;
  document.querySelectorAll("th[data-key]").forEach((o) => o.classList.remove("asc", "desc"));
  th.classList.add(sortDir > 0 ? "asc" : "desc"); render();
}));
$("plan-body").addEventListener("click", (e) => {
  const a = e.target.closest("a[data-code]"); if (!a) return;
  e.preventDefault(); $("f-code").value = a.dataset.code; rerender(); $("ingresses").scrollIntoView();
});
header();
render();
document.body.dataset.readyAt = String(performance.now());
document.body.dataset.ready = "1";
"""
