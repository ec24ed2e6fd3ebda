"""The checks of Krew's `validate-krew-manifest`, in Python (the Go tool cannot be built here).

Mirrors kubernetes-sigs/krew `internal/index/validation/validate.go` (ValidatePlugin, validatePlatform,
validateSelector) and `cmd/validate-krew-manifest/main.go` (platform coverage, overlaps, license after
install), plus the archive rules of `internal/download` (gzip or zip by content; regular files and
directories only) and `internal/installation` (bin must exist; Krew never chmods, so modes come from the
archive).
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Any

API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
SAFE_NAME = re.compile(r"^[\w-]+$")
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
SHA256 = re.compile(r"^[a-f0-9]{64}$")
# k8s.io/apimachinery version.ParseSemantic: strict semver after the mandatory "v".
SEMVER = re.compile(
    r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
ALL_PLATFORMS = [
    ("windows", "386"), ("windows", "amd64"), ("windows", "arm64"),
    ("linux", "386"), ("linux", "amd64"), ("linux", "arm"), ("linux", "arm64"), ("linux", "ppc64le"),
    ("darwin", "386"), ("darwin", "amd64"), ("darwin", "arm64"),
]  # fmt: skip
LICENSE_FILES = {"license", "license.txt", "license.md", "licenses", "licenses.txt", "licenses.md", "copying",
                 "copying.txt"}  # fmt: skip


def validate_plugin(doc: Any, name: str) -> list[str]:
    """ValidatePlugin + validatePlatform + the index tool's selector checks. `name` is the file name
    without `.yaml` in krew-index (so plugin.yaml is checked as if it were plugins/meshify.yaml)."""
    if not isinstance(doc, dict):
        return ["manifest is not a mapping"]
    errors: list[str] = []
    if doc.get("apiVersion") != API_VERSION:
        errors.append(f"plugin manifest has apiVersion={doc.get('apiVersion')!r}, not {API_VERSION}")
    if doc.get("kind") != "Plugin":
        errors.append(f"plugin manifest has kind={doc.get('kind')!r}, not Plugin")
    if not SAFE_NAME.match(name) or name.upper() in WINDOWS_RESERVED:
        errors.append(f"the plugin name {name!r} is not allowed, must match {SAFE_NAME.pattern}")
    meta_name = (doc.get("metadata") or {}).get("name")
    if meta_name != name:
        errors.append(f"plugin should be named {meta_name!r}, not {name!r}")
    spec = doc.get("spec") or {}
    short = spec.get("shortDescription")
    if not short or not isinstance(short, str):
        errors.append("should have a short description")
    elif "\r" in short or "\n" in short:
        errors.append("should not have line breaks in short description")
    platforms = spec.get("platforms")
    if not platforms:
        errors.append("should have a platform")
    version = spec.get("version")
    if not version:
        errors.append("should have a version")
    elif not isinstance(version, str) or not SEMVER.match(version):
        errors.append(f"failed to parse plugin version {version!r} (semver with a leading v)")
    for index, platform in enumerate(platforms or []):
        errors += [f"platform[{index}]: {e}" for e in validate_platform(platform)]
    if platforms and all(isinstance(p, dict) and isinstance(p.get("selector"), dict) for p in platforms):
        errors += coverage_errors(platforms)
    return errors


def validate_platform(platform: Any) -> list[str]:
    if not isinstance(platform, dict):
        return ["platform is not a mapping"]
    errors = []
    if not platform.get("uri"):
        errors.append("`uri` has to be set")
    sha = platform.get("sha256")
    if not sha:
        errors.append("`sha256` sum has to be set")
    elif not isinstance(sha, str) or not SHA256.match(sha):
        errors.append(f"`sha256` value {sha!r} is not valid, must match pattern {SHA256.pattern}")
    if not platform.get("bin"):
        errors.append("`bin` has to be set")
    if "files" in platform:
        files = platform["files"]
        if not files:
            errors.append("`files` must be omitted or non-empty")
        for op in files or []:
            if not isinstance(op, dict) or not op.get("from") or not op.get("to"):
                errors.append(f"file operation {op!r} must set `from` and `to`")
    errors += validate_selector(platform.get("selector"))
    return errors


def validate_selector(selector: Any) -> list[str]:
    if not selector or not isinstance(selector, dict):
        return ["selector has to be set and non-empty"]
    errors = []
    labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if "matchLabels" in selector and not labels:
        errors.append("`matchLabels` specified but empty")
    if "matchExpressions" in selector and not expressions:
        errors.append("`matchExpressions` specified but empty")
    keys = set((labels or {}).keys()) | {e.get("key") for e in expressions or [] if isinstance(e, dict)}
    errors += [
        f"key {key!r} not allowed in selector (only os, arch)"
        for key in sorted(map(str, keys - {"os", "arch"}))
    ]
    return errors


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """metav1.LabelSelector semantics for the operators Krew manifests use."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def matched_platforms(selector: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (os_, arch) for os_, arch in ALL_PLATFORMS if selector_matches(selector, {"os": os_, "arch": arch})
    ]


def coverage_errors(platforms: list[dict[str, Any]]) -> list[str]:
    """Each selector matches a supported os/arch pair, and no pair is matched twice."""
    errors, owner = [], {}
    for index, platform in enumerate(platforms):
        pairs = matched_platforms(platform["selector"])
        if not pairs:
            errors.append(f"platform[{index}]: selector matches no supported os/arch pair")
        for pair in pairs:
            if pair in owner:
                errors.append(f"platform[{index}] and platform[{owner[pair]}] both match {pair[0]}/{pair[1]}")
            owner[pair] = index
    return errors


def archive_errors(archive: Path, bin_name: str) -> list[str]:
    """What Krew's download and install steps would reject, plus the index's license rule."""
    errors = []
    if archive.read_bytes()[:2] != b"\x1f\x8b":
        errors.append("not gzip data: Krew detects the archive type by content")
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name.rstrip("/"): m for m in tar.getmembers() if m.name != "pax_global_header"}
    for name, member in members.items():
        if not (member.isreg() or member.isdir()):
            errors.append(f"{name}: Krew cannot extract this entry type (only files and directories)")
    binary = members.get(bin_name)
    if binary is None or not binary.isreg():
        errors.append(f"bin {bin_name!r} is not a file in the archive")
    elif not binary.mode & 0o111:
        errors.append(
            f"bin {bin_name!r} has mode {binary.mode:o}: Krew keeps archive modes, it must be executable"
        )
    if not any("/" not in name and name.lower() in LICENSE_FILES for name in members):
        errors.append("no license file at the top of the install directory")
    return errors
