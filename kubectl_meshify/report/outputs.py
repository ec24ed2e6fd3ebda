"""Writing a run's reports: Markdown, JSON, HTML and the batch scripts, all rendered before any is written.

`write_reports` renders one at a time into a temporary file next to its target (so that only one report's
text is in memory at once) and renames them all once every one is rendered.

The action plan and the cut-over runbook are computed here, once every finding is in (cluster preflight
and skipped input files are added after the conversion), and once for all the formats. With --out-dir the
batch scripts are written into DIR, next to the reports; otherwise the Markdown report prints them in a
fenced block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubectl_meshify.fsutil import StagedFiles, Writable
from kubectl_meshify.report.sections import cutover
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


def report_outputs(
    result: MigrationResult, paths: ReportPaths
) -> list[tuple[str, Callable[[], Writable], int | None]]:
    """(path, renderer, file mode) of every report and batch script to write; the action plan and the
    runbook, which every format shows, are computed here once."""
    from kubectl_meshify.report.html import html_pieces
    from kubectl_meshify.report.json import json_pieces
    from kubectl_meshify.report.markdown import to_markdown

    result.action_plan = compute(result)
    result.runbook = cutover.compute(result)
    outputs: list[tuple[str, Callable[[], Writable], int | None]] = []
    if paths.markdown:
        outputs.append((paths.markdown, lambda: to_markdown(result), None))
    if paths.json:
        outputs.append((paths.json, lambda: json_pieces(result), None))
    if paths.html:
        outputs.append((paths.html, lambda: html_pieces(result), None))
    for script in result.action_plan.scripts:
        path = script_path(result.run, script)
        if path:
            outputs.append((path, script.text, 0o755))
    return outputs


def render_reports(result: MigrationResult, paths: ReportPaths) -> dict[str, tuple[str, int | None]]:
    """path → (text, file mode) of every report and batch script to write."""
    texts: dict[str, tuple[str, int | None]] = {}
    for path, render, mode in report_outputs(result, paths):
        text = render()
        texts[path] = (text if isinstance(text, str) else "".join(text), mode)
    return texts


def write_reports(outputs: list[tuple[str, Callable[[], Writable], int | None]]) -> None:
    """Render and write `outputs` (`report_outputs`): each is staged as soon as it is rendered and its text
    dropped; the targets are replaced only once all are rendered."""
    staged = StagedFiles()
    try:
        for path, render, mode in outputs:
            staged.stage(path, render(), mode=mode)
        staged.commit()
    except BaseException:
        staged.discard()
        raise


def script_paths(result: MigrationResult) -> list[str]:
    return [p for p in (script_path(result.run, s) for s in plan_of(result).scripts) if p]
