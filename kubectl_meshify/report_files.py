"""Writing a run's reports: Markdown, JSON, HTML and the batch scripts, all rendered before any is written.

With --out-dir the batch scripts are written into DIR, next to the reports; otherwise the Markdown report
prints them in a fenced block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kubectl_meshify.report_plan import RunInfo, plan_view

if TYPE_CHECKING:
    from kubectl_meshify.pipeline import MigrationResult

REPORT_HTML = "report.html"  # the default HTML report name under --out-dir


@dataclass
class ReportPaths:
    """Where to write each report, as the user typed it (None: not written)."""

    markdown: str | None = None
    json: str | None = None
    html: str | None = None
    script_dir: str | None = None  # --out-dir: the batch scripts go there

    def written(self) -> list[str]:
        return [p for p in (self.markdown, self.json, self.html) if p]


def set_run_info(
    result: MigrationResult,
    sources: list[str] | None = None,
    cluster: dict[str, str | None] | None = None,
    script_dir: str | None = None,
) -> None:
    """Record what the run read (as typed) and where scripts go, for every report to show."""
    result.extra["run"] = RunInfo(sources=list(sources or []), cluster=cluster, script_dir=script_dir)
    result.extra.pop("plan_view", None)


def render_reports(result: MigrationResult, paths: ReportPaths) -> dict[str, tuple[str, int | None]]:
    """path → (text, file mode) for every report and script to write."""
    from kubectl_meshify.report import to_json_text, to_markdown
    from kubectl_meshify.report_html import to_html

    texts: dict[str, tuple[str, int | None]] = {}
    if paths.markdown:
        texts[paths.markdown] = (to_markdown(result), None)
    if paths.json:
        texts[paths.json] = (to_json_text(result), None)
    if paths.html:
        texts[paths.html] = (to_html(result), None)
    view = plan_view(result)
    for script in view.scripts:
        path = view.script_path(script)
        if path:
            texts[path] = (script.text(), 0o755)
    return texts


def script_paths(result: MigrationResult) -> list[str]:
    view = plan_view(result)
    return [p for p in (view.script_path(s) for s in view.scripts) if p]
