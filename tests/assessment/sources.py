"""The assessment models' and the practice catalogue's YAML sources, as plain data to edit."""

from __future__ import annotations

from typing import Any

import yaml

from tests.paths import SOURCE

PACKAGE = SOURCE / "assessment"


def raw(name: str) -> dict[str, Any]:
    """The YAML file ``name`` (a model, or ``practices*`` from the catalogue) as a dict."""
    folder = "catalogue" if name.startswith("practices") else "models"
    data = yaml.safe_load((PACKAGE / folder / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data
