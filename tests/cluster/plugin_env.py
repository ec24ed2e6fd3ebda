"""Which copy of the plugin the cluster tests drive: the source tree, or, when tests/krew runs this suite
against the installed Krew archive, that archive's lib/ (named by MESHIFY_TEST_VENDOR_LIB)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR_LIB = os.environ.get("MESHIFY_TEST_VENDOR_LIB") or None


def pythonpath() -> str:
    """PYTHONPATH for a `python -m kubectl_meshify` child: the archive's lib/ first when testing it."""
    return os.pathsep.join([*([VENDOR_LIB] if VENDOR_LIB else []), str(ROOT)])
