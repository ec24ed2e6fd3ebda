"""The "Documents not read" section (Markdown; the INPUT_INVALID_DOCUMENT findings are run findings in the
JSON): documents of the files read that are not valid YAML or not a mapping, kept as they are."""

from __future__ import annotations

from kubectl_meshify.findings import Finding
from kubectl_meshify.report.sections.skipped_inputs import finding_table


def to_markdown(found: list[Finding]) -> list[str]:
    if not found:
        return []
    return finding_table(
        "Documents not read",
        "Documents of the files read that are not valid YAML (of a kind the conversion does not need) or not"
        " a mapping; kept as they are.",
        found,
    )
