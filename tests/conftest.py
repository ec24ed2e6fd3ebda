"""Shared test fixtures: the repository, ../shared (optional: the corpus generator), the golden update flag,
schema validation against the vendored CRDs (tests/data/crds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import crd_schemas

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


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
    """A path under ../shared (the corpus generator); the calling test is skipped, with the reason, when
    it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found: this test needs the reference material in ../shared")
    return path


def istio_errors(objects: list[dict[str, Any]]) -> list[str]:
    """Validate objects against Istio's (and cert-manager's) CRD schemas vendored in tests/data/crds."""
    schemas = crd_schemas.vendored()
    return [
        f"{obj['kind']} {obj['metadata']['name']}: {error}"
        for obj in objects
        for error in crd_schemas.validate(obj, schemas)
    ]
