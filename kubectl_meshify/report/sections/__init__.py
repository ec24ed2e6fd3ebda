"""One module per report section; each renders its typed field of `MigrationResult` in both formats."""

import html


def code_spans(text: str) -> str:
    """HTML: `text` escaped, its `code` spans as <code> elements."""
    pieces = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
