"""The "Skipped input files" section (Markdown; the findings themselves are run findings in the JSON)."""

from __future__ import annotations

from kubectl_meshify.findings import Finding


def to_markdown(found: list[Finding]) -> list[str]:
    if not found:
        return []
    return finding_table(
        "Skipped input files",
        "Found in a directory walk and not read as manifests (named on the command line, a file that does not"
        " parse stops the run instead).",
        found,
    )


def finding_table(title: str, intro: str, found: list[Finding]) -> list[str]:
    """A section listing run findings about the inputs: verdict, what was found, action."""
    lines = [f"## {title}", "", intro, "", "| verdict | what was found | action |", "| --- | --- | --- |"]
    for f in found:
        cells = [f.verdict.value if f.verdict else "", f.message, f.action or ""]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    lines.append("")
    return lines
