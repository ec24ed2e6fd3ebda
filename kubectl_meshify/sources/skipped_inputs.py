"""Inputs not read: a warning each on stderr, a finding each in the report.

Files of a directory walk that are not manifests (`INPUT_FILE_SKIPPED`): a file that may hold an Ingress
(a Helm template, a kustomize patch, a file that does not parse) is `unsupported`: its Ingresses are not
converted, and the action says how to convert them. A file without any Kubernetes object (a
kustomization, Helm values, a tool's config) is `no-op`.

Documents of a file that is read (`INPUT_INVALID_DOCUMENT`): one of a kind the conversion does not need
that is not valid YAML, or one that is not a mapping. It is kept as it is (GitOps mode copies it byte for
byte); kubectl would stop at it (`kubectl apply -f` fails on the file), so it is a warning.
"""

from __future__ import annotations

import re
import sys

from kubectl_meshify.findings import Finding, Severity, Verdict
from kubectl_meshify.sources.files import NOT_OBJECTS, InvalidDocument, SourceFile

CODE = "INPUT_FILE_SKIPPED"
DOCUMENT_CODE = "INPUT_INVALID_DOCUMENT"
SHOWN_ON_STDERR = 10  # files without any object named on stderr; the report lists them all
_MENTIONS_INGRESS = re.compile(r"""(?:^|[\s{,])["']?kind["']?\s*:\s*["']?Ingress\b""", re.M)


def skipped_sources(sources: list[SourceFile]) -> list[SourceFile]:
    from kubectl_meshify.gitops.write import is_our_report

    return [s for s in sources if s.skipped is not None and not (s.is_json and is_our_report(s.text))]


def findings(sources: list[SourceFile]) -> list[Finding]:
    """One run-wide finding per skipped file, and per document not read of the files that are read."""
    found = [_finding(source) for source in skipped_sources(sources)]
    for source in sources:
        if source.skipped is None:
            found.extend(_document_finding(source, doc) for doc in source.invalid)
    return found


def _document_finding(source: SourceFile, doc: InvalidDocument) -> Finding:
    what = f"a {doc.kind}" if doc.kind else "a document"
    text = source.documents[doc.index].text if doc.index < len(source.documents) else ""
    may_hold = doc.kind is None and _MENTIONS_INGRESS.search(text) is not None
    return Finding(
        code=DOCUMENT_CODE,
        severity=Severity.WARNING,
        verdict=Verdict.UNSUPPORTED if may_hold else Verdict.NO_OP,
        message=f"{source.path}: document {doc.index} (line {doc.line}), {what}: {doc.problem}; kept as it is,"
        " not read." + (" It mentions an Ingress, which is not converted." if may_hold else ""),
        action=f"Fix the document: kubectl stops at it too (`kubectl apply -f {source.path}` fails with"
        " `error parsing`).",
    )


def _finding(source: SourceFile) -> Finding:
    reason = str(source.skipped)
    if reason == NOT_OBJECTS or reason.startswith("a kustomize Kustomization"):
        return Finding(
            code=CODE,
            severity=Severity.INFO,
            verdict=Verdict.NO_OP,
            message=f"{source.path}: skipped: {reason}.",
        )
    if "Helm" in reason:
        action = (
            "Convert the rendered chart (`helm template RELEASE CHART -f VALUES | kubectl meshify file -`),"
            " then carry the result into the chart's templates by hand."
        )
    elif "kustomize" in reason:
        action = (
            "Convert the built overlay (`kubectl kustomize DIR | kubectl meshify file -`); a patch holds only"
            " the fields it changes."
        )
    else:
        action = f"Fix the file, or name it on the command line to see the error: kubectl meshify file {source.path}"
    may_hold = _MENTIONS_INGRESS.search(_text(source)) is not None
    return Finding(
        code=CODE,
        severity=Severity.WARNING,
        verdict=Verdict.UNSUPPORTED if may_hold else Verdict.NO_OP,
        message=f"{source.path}: skipped: {reason}."
        + (" It mentions an Ingress, which is not converted." if may_hold else ""),
        action=action,
    )


def _text(source: SourceFile) -> str:
    if source.text:
        return source.text
    try:
        with open(source.path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return ""


def warn(found: list[Finding]) -> None:
    """The skipped files on stderr: every warning; files without any object only up to a count."""
    quiet = [f for f in found if f.severity is Severity.INFO]
    for finding in [f for f in found if f.severity is not Severity.INFO] + quiet[:SHOWN_ON_STDERR]:
        sys.stderr.write(f"warning: {finding.message}\n")
    if len(quiet) > SHOWN_ON_STDERR:
        sys.stderr.write(
            f"warning: {len(quiet) - SHOWN_ON_STDERR} more files without a Kubernetes object skipped; the report"
            f" lists them ({CODE}).\n"
        )
