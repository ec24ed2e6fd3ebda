"""Validate objects against the vendored CRD schemas (tests/data/crds) the way an API server with strict
field validation (kubectl's default) would.

Checked: the group/version is served by a CRD that defines the kind; `metadata.name` is a DNS-1123 subdomain
and `metadata.namespace` a DNS-1123 label; no unknown top-level or metadata fields; `spec` against the CRD's
`openAPIV3Schema`, where an object rejects fields its schema does not declare unless it carries
`x-kubernetes-preserve-unknown-fields`; and, of the CEL rules (`x-kubernetes-validations`), the duration
minimum `duration(self) >= duration('1ms')` that Istio puts on its timeouts and intervals. Other CEL rules
are not evaluated (`unevaluated_rules` lists them).

OpenAPI v3 structural schemas become JSON Schema (draft 7, checked by `jsonschema`):
`x-kubernetes-int-or-string` is an integer or a string, `nullable` admits null, other `x-kubernetes-*`
keywords carry no JSON Schema meaning and are dropped.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).parent / "data" / "crds"
CRD_FILES = (
    CRDS / "istio" / "istio-1.30.3-crds.yaml",
    CRDS / "cert-manager" / "cert-manager.io_certificates.yaml",
)

DURATION_RULE = "duration(self) >= duration('1ms')"
# Go's time.ParseDuration grammar, which CEL's duration() uses: "0", or signed (number unit)+.
DURATION = re.compile(r"^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
NANOSECONDS = {"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
TOP_LEVEL = {"apiVersion", "kind", "metadata", "spec", "status"}
# ObjectMeta's fields (k8s.io/apimachinery/pkg/apis/meta/v1 types.go).
OBJECT_META = {
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
}
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SUBSCHEMAS = ("items", "additionalProperties", "not")
_JUNCTORS = ("oneOf", "anyOf", "allOf")


def to_json_schema(node: Any, *, structural: bool = True) -> Any:
    """One OpenAPI v3 structural schema node as JSON Schema; CEL rules are kept under `x-cel`.

    `structural` is false inside oneOf/anyOf/allOf/not: those branches only add value checks (Kubernetes
    requires every field to be declared in the structural part), so they must not close objects.
    """
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SUBSCHEMA_MAPS:
            out[key] = {name: to_json_schema(sub, structural=structural) for name, sub in value.items()}
        elif key in _SUBSCHEMAS and isinstance(value, dict):
            out[key] = to_json_schema(value, structural=structural and key != "not")
        elif key in _JUNCTORS:
            out[key] = [to_json_schema(sub, structural=False) for sub in value]
        elif key == "x-kubernetes-validations":
            out["x-cel"] = [rule["rule"] for rule in value]
        elif key != "nullable" and not key.startswith("x-kubernetes-"):
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    is_object = node.get("type") == "object" or "properties" in node
    if (
        structural
        and is_object
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def load(paths: tuple[Path, ...] = CRD_FILES) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(group, version, kind) → JSON Schema of the whole object, for every served version."""
    schemas: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                if version.get("served"):
                    schema = version["schema"]["openAPIV3Schema"]
                    schemas[(group, version["name"], kind)] = to_json_schema(schema)
    return schemas


@functools.cache
def vendored() -> dict[tuple[str, str, str], dict[str, Any]]:
    return load()


def duration_nanoseconds(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    parts = re.findall(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)", text)
    return sign * sum(float(number) * NANOSECONDS[unit] for number, unit in parts)


def _duration_errors(schema: Any, value: Any, where: str) -> list[str]:
    """Walk `value` alongside `schema`, evaluating the duration rule wherever the schema carries it."""
    if not isinstance(schema, dict):
        return []
    errors: list[str] = []
    if DURATION_RULE in schema.get("x-cel", []) and isinstance(value, str):
        if not DURATION.match(value):
            errors.append(f"{where}: {value!r} is not a duration")
        elif duration_nanoseconds(value) < 1e6:
            errors.append(f"{where}: {value!r} is below the 1ms minimum")
    if isinstance(value, dict):
        for key, child in value.items():
            sub = schema.get("properties", {}).get(key, schema.get("additionalProperties"))
            errors += _duration_errors(sub, child, f"{where}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            errors += _duration_errors(schema.get("items"), child, f"{where}[{index}]")
    return errors


def _metadata_errors(meta: Any) -> list[str]:
    if not isinstance(meta, dict):
        return ["metadata is not an object"]
    errors = []
    name = meta.get("name")
    if not isinstance(name, str) or not name or len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        errors.append(f"metadata.name {name!r} is not a valid DNS-1123 subdomain")
    namespace = meta.get("namespace")
    if namespace is not None and (
        not isinstance(namespace, str) or len(namespace) > 63 or not DNS1123_LABEL.match(namespace)
    ):
        errors.append(f"metadata.namespace {namespace!r} is not a valid DNS-1123 label")
    unknown = sorted(set(meta) - OBJECT_META)
    if unknown:
        errors.append(f"metadata: unknown fields {unknown}")
    for field in ("labels", "annotations"):
        values = meta.get(field, {})
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            errors.append(f"metadata.{field} must map strings to strings")
    return errors


def validate(obj: dict[str, Any], schemas: dict[tuple[str, str, str], dict[str, Any]]) -> list[str]:
    """Every reason the API server would refuse `obj` (as far as these checks go); empty when valid."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    group, _, version = api_version.rpartition("/")
    schema = schemas.get((group, version, kind))
    if schema is None:
        served = sorted(v for g, v, k in schemas if g == group and k == kind)
        return [
            f"{api_version} {kind} is not served by the vendored CRDs (served versions: {served or 'none'})"
        ]
    errors = _metadata_errors(obj.get("metadata"))
    unknown = sorted(set(obj) - TOP_LEVEL)
    if unknown:
        errors.append(f"unknown top-level fields {unknown}")
    spec_schema = schema["properties"]["spec"]
    spec = obj.get("spec", {})
    for error in sorted(
        jsonschema.Draft7Validator(spec_schema).iter_errors(spec), key=lambda e: [str(p) for p in e.path]
    ):
        where = "spec" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        errors.append(f"{where}: {error.message}")
    errors += _duration_errors(spec_schema, spec, "spec")
    return errors


def unevaluated_rules(schemas: dict[tuple[str, str, str], dict[str, Any]]) -> set[str]:
    """The CEL rules in `schemas` that `validate` does not evaluate."""
    rules: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            rules.update(node.get("x-cel", []))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(list(schemas.values()))
    return rules - {DURATION_RULE}
