"""Shared test fixtures: the repository, ../shared (optional), the golden update flag, schema validation."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite expected golden files from the output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the calling test is skipped when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material not available: {path}")
    return path


_validator: ModuleType | None = None
_schemas: Any = None


def istio_errors(objects: list[dict[str, Any]]) -> list[str]:
    """Validate objects against Istio's (and cert-manager's) CRD schemas with ../shared's validator.

    Skips the calling test when the validator is absent.
    """
    global _validator, _schemas
    if _validator is None:
        tool = shared_path("tools", "validate_istio.py")
        spec = importlib.util.spec_from_file_location("validate_istio", tool)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _validator = module
        _schemas, _ = module.load_crds(module.DEFAULT_CRDS)
    errors = []
    for obj in objects:
        for error in _validator.validate(obj, _schemas):
            errors.append(f"{obj['kind']} {obj['metadata']['name']}: {error}")
    return errors
