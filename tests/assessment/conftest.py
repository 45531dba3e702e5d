from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pabrik.assessment.catalogue import Catalogue
from pabrik.assessment.model import AssessmentModel
from pabrik.runtime.assess.data import ModelRegistry, load_registry

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pabrik" / "assessment"


def raw(name: str) -> dict[str, Any]:
    folder = "catalogue" if name.startswith("practices") else "models"
    data = yaml.safe_load((PACKAGE / folder / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def registry() -> ModelRegistry:
    return load_registry()


@pytest.fixture(scope="session")
def indi(registry: ModelRegistry) -> AssessmentModel:
    return registry.get("indi40", 1)


@pytest.fixture(scope="session")
def korea(registry: ModelRegistry) -> AssessmentModel:
    return registry.get("korea-sf", 1)


@pytest.fixture(scope="session")
def catalogue(registry: ModelRegistry) -> Catalogue:
    return registry.catalogue
