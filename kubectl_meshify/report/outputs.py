"""Writing a run's reports: Markdown, JSON, HTML and the batch scripts, all rendered before any is written.

The action plan is computed here, once every finding is in (cluster preflight and skipped input files are
added after the conversion). With --out-dir the batch scripts are written into DIR, next to the reports;
otherwise the Markdown report prints them in a fenced block.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_meshify.report.sections.action_plan import compute, plan_of, script_path
from kubectl_meshify.result import MigrationResult, RunInfo

REPORT_HTML = "report.html"  # the default HTML report name under --out-dir


@dataclass
class ReportPaths:
    """Where to write each report, as the user typed it (None: not written)."""

    markdown: str | None = None
    json: str | None = None
    html: str | None = None

    def written(self) -> list[str]:
        return [p for p in (self.markdown, self.json, self.html) if p]


def set_run_info(
    result: MigrationResult,
    sources: list[str] | None = None,
    cluster: dict[str, str | None] | None = None,
    script_dir: str | None = None,
) -> None:
    """Record what the run read (as typed) and where the scripts go, for every report to show."""
    result.run = RunInfo(sources=list(sources or []), cluster=cluster, script_dir=script_dir)


def render_reports(result: MigrationResult, paths: ReportPaths) -> dict[str, tuple[str, int | None]]:
    """path → (text, file mode) of every report and batch script to write."""
    from kubectl_meshify.report.html import to_html
    from kubectl_meshify.report.json import to_json_text
    from kubectl_meshify.report.markdown import to_markdown

    result.action_plan = compute(result)
    texts: dict[str, tuple[str, int | None]] = {}
    if paths.markdown:
        texts[paths.markdown] = (to_markdown(result), None)
    if paths.json:
        texts[paths.json] = (to_json_text(result), None)
    if paths.html:
        texts[paths.html] = (to_html(result), None)
    for script in result.action_plan.scripts:
        path = script_path(result.run, script)
        if path:
            texts[path] = (script.text(), 0o755)
    return texts


def script_paths(result: MigrationResult) -> list[str]:
    return [p for p in (script_path(result.run, s) for s in plan_of(result).scripts) if p]
