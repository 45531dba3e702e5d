"""Where things are in the repository, for tests at any depth (never count parents)."""

from __future__ import annotations

from pathlib import Path

import pabrik

REPO = Path(__file__).resolve().parent.parent
"""The repository root."""
SOURCE = Path(pabrik.__file__).resolve().parent
"""The pabrik package's folder (src/pabrik)."""
TESTS = REPO / "tests"
DOCS = REPO / "docs"
DEMO = REPO / "examples" / "demo-plant.yaml"
"""The demo plant's site file."""
