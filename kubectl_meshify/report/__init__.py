"""The migration report: Markdown for reviewers, JSON (CLI.md schema, version 1) for machines.

Both are sorted and free of timestamps, so the same input gives the same report.

Shape (stable; other work builds on it):

- Data: `kubectl_meshify.result.MigrationResult` holds one typed field per section: `tls_credentials`,
  `verification`, `skipped_inputs`, `invalid_documents`, `gitops`, `preflight`, `action_plan`, `smoke`,
  `invocation` (the command line the cut-over runbook repeats) and `runbook`. Whoever computes a
  section sets its field; nothing else carries report content, and nothing outside this package renders.
- Formats: `report/markdown.py` (`to_markdown(result) -> str`) and `report/json.py` (`to_json(result) ->
  dict`, `to_json_text(result) -> str`) put the sections in order; they hold no section text themselves.
- Sections: `report/sections/<section>.py`, one module per section, with the functions each format needs
  (`to_json`/`summary_json`/`ingress_json` and `to_markdown`/`summary_markdown`/`ingress_markdown`), each
  taking the section's field (and the options or record it needs) and returning JSON values or Markdown
  lines. A new section is a field in `result.py`, a module here, and one line in each format module.

The names below are the package's public interface.
"""

from kubectl_meshify.report.json import to_json, to_json_text
from kubectl_meshify.report.markdown import to_markdown
from kubectl_meshify.report.sections.summary import annotation_verdicts

__all__ = ["annotation_verdicts", "to_json", "to_json_text", "to_markdown"]
