"""Render converted objects for stdout: a `---` YAML stream or one JSON `v1 List`.

YAML goes through `yamlio.dump`, which quotes every string that YAML 1.1, YAML 1.2 or go-yaml would read as
a boolean or number (`yes`, `on`, `y`, `1e3`, ...), so values reach the API server as strings.
"""

from __future__ import annotations

import json
from typing import Any

from kubectl_meshify import yamlio


def to_yaml(obj: dict[str, Any]) -> str:
    """One object as block-style YAML, keys in the order they were built."""
    return yamlio.dump(obj)


def yaml_stream(objects: list[dict[str, Any]]) -> str:
    return "".join("---\n" + to_yaml(obj) for obj in objects)


def json_list(objects: list[dict[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2) + "\n"


def render(objects: list[dict[str, Any]], output: str) -> str:
    return json_list(objects) if output == "json" else yaml_stream(objects)
