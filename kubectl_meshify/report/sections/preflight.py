"""The "Cluster preflight" section (Markdown, under Prerequisites; the findings are run findings in the JSON)."""

from __future__ import annotations

from kubectl_meshify.findings import Finding, Severity


def to_markdown(findings: list[Finding] | None) -> list[str]:
    if not findings:
        return []
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    lines = ["", "### Cluster preflight", "", "| severity | code | Ingress | what was found | action |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for f in sorted(findings, key=lambda f: (order[f.severity], f.code, f.ingress or "", f.message)):
        cells = [f.severity.value, f"`{f.code}`", f.ingress or "", f.message, f.action or ""]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines
