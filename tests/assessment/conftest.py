"""The assessment models and the practice catalogue, loaded once per session."""

from __future__ import annotations

import pytest

from pabrik.assessment.catalogue import Catalogue
from pabrik.assessment.model import AssessmentModel
from pabrik.runtime.assess.data import ModelRegistry, load_registry


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
