"""Render converted objects for stdout: a `---` YAML stream or one JSON `v1 List`.

PyYAML's safe dumper writes YAML 1.1, so strings such as "yes" or "on" come out quoted and reach the
API server as strings.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - the pure dumper gives the same text
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


def to_yaml(obj: dict[str, Any]) -> str:
    """One object as block-style YAML, keys in the order they were built."""
    return yaml.dump(
        obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096
    )


def yaml_stream(objects: list[dict[str, Any]]) -> str:
    return "".join("---\n" + to_yaml(obj) for obj in objects)


def json_list(objects: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n"


def render(objects: list[dict[str, Any]], output: str) -> str:
    return json_list(objects) if output == "json" else yaml_stream(objects)
