"""The "Files" section of a GitOps run (JSON `summary.files`), and the annotation comments that found no
field, shown with their Ingress (JSON `ingresses[].annotation_comments`)."""

from __future__ import annotations

from typing import Any

from kubectl_meshify.result import FileStatus, GitOpsFiles


def summary_json(gitops: GitOpsFiles) -> list[dict[str, str]]:
    return [{"path": f.path, "target": f.target, "status": f.status.value} for f in gitops.files]


def summary_markdown(gitops: GitOpsFiles) -> list[str]:
    where = "in place" if gitops.in_place else f"under {gitops.out_dir}"
    counts = {status: sum(1 for f in gitops.files if f.status is status) for status in FileStatus}
    lines = [
        "## Files",
        "",
        f"Written {where}: {counts[FileStatus.REWRITTEN]} rewritten, {counts[FileStatus.NO_INGRESS]} without"
        f" an Ingress (not rewritten), {counts[FileStatus.UNCHANGED]} with nothing to change"
        + (
            f", {counts[FileStatus.SKIPPED]} skipped (not manifests,"
            f" {'left alone' if gitops.in_place else 'copied as they are'})"
            if counts[FileStatus.SKIPPED]
            else ""
        )
        + ".",
        "",
        "| file | status | output |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{f.path}` | {f.status.value} | `{f.target}` |" for f in gitops.files]
    lines.append("")
    return lines


def ingress_json(gitops: GitOpsFiles, key: str) -> list[dict[str, Any]] | None:
    notes = gitops.annotation_comments.get(key)
    if not notes:
        return None
    return [{"annotation": n.annotation, "comment": n.comment} for n in notes]


def ingress_markdown(gitops: GitOpsFiles, key: str) -> list[str]:
    lines: list[str] = []
    for note in gitops.annotation_comments.get(key, []):
        lines += [f"Comment on annotation `{note.annotation}` in the source: {note.comment}", ""]
    return lines
