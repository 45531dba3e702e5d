"""Read the assessment model and catalogue files shipped with pabrik (or given by path)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

from pabrik.assessment.catalogue import Catalogue, parse_catalogue
from pabrik.assessment.loader import parse_model
from pabrik.assessment.model import AssessmentModel
from pabrik.model.errors import ConfigError, ConfigIssue, NotFoundError

MODELS_DIR = ("assessment", "models")
CATALOGUE_FILE = ("assessment", "catalogue", "practices-v1.yaml")
INDI_MODEL = "indi40"


def parse_yaml(text: str, source: str) -> object:
    """Parsed YAML, or a ``ConfigError`` naming the line of a syntax error."""
    try:
        # libyaml's safe loader when PyYAML was built with it: the shipped models and catalogue
        # took 0.3 s to parse in pure Python on every start of the app.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(source, [ConfigIssue(where, f"invalid YAML: {err}")]) from err


@dataclass(frozen=True, slots=True)
class ModelRegistry:
    """Every model version and the practice catalogue."""

    models: tuple[AssessmentModel, ...]
    catalogue: Catalogue

    def get(self, model_id: str, version: int | None = None) -> AssessmentModel:
        """A model version, or the newest version of the model when none is given."""
        found = [m for m in self.models if m.id == model_id]
        if version is not None:
            found = [m for m in found if m.version == version]
        if not found:
            label = model_id if version is None else f"{model_id}@{version}"
            raise NotFoundError(f"assessment model '{label}' not found", model=label)
        return max(found, key=lambda m: m.version)

    def latest(self) -> list[AssessmentModel]:
        """The newest version of each model, INDI 4.0 first."""
        ids = sorted({m.id for m in self.models}, key=lambda i: (i != INDI_MODEL, i))
        return [self.get(i) for i in ids]


def load_registry(extra: tuple[AssessmentModel, ...] = ()) -> ModelRegistry:
    """The models and catalogue shipped in the package, plus any extra model versions."""
    folder = resources.files("pabrik").joinpath(*MODELS_DIR)
    models: list[AssessmentModel] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            source = f"pabrik/{'/'.join(MODELS_DIR)}/{entry.name}"
            models.append(
                parse_model(parse_yaml(entry.read_text(encoding="utf-8"), source), source)
            )
    models.extend(extra)
    field_ids = {f.id for m in models if m.id == INDI_MODEL for f in m.fields()}
    cat_source = "pabrik/" + "/".join(CATALOGUE_FILE)
    cat_text = resources.files("pabrik").joinpath(*CATALOGUE_FILE).read_text(encoding="utf-8")
    catalogue = parse_catalogue(parse_yaml(cat_text, cat_source), cat_source, field_ids or None)
    _check_unique_versions(models)
    return ModelRegistry(tuple(models), catalogue)


def _check_unique_versions(models: list[AssessmentModel]) -> None:
    seen: dict[str, AssessmentModel] = {}
    for m in models:
        if m.key in seen and seen[m.key].fingerprint != m.fingerprint:
            issue = ConfigIssue("version", f"two different files claim {m.key}; bump the version")
            raise ConfigError(m.key, [issue])
        seen[m.key] = m
