"""The shipped example directory: invented entries, every one marked "contoh / sample"."""

from __future__ import annotations

from importlib import resources

import yaml

from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.partners.entries import Entry, parse_entry

EXAMPLE_FILE = "partners-example.yaml"
LABEL = "contoh / sample"


def example_entries(partners: Partners) -> list[Entry]:
    """The example file's entries, checked against the catalogue and marked as samples."""
    text = resources.files("pabrik").joinpath("data", EXAMPLE_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    entries: list[Entry] = []
    for i, item in enumerate(data["entries"]):
        entry, problems = parse_entry({**item, "sample": "yes"}, partners.catalogue)
        if entry is None:
            raise ValueError(f"{EXAMPLE_FILE}: entries[{i}]: {'; '.join(problems)}")
        assert LABEL in entry.name  # the example never names a real organisation
        entries.append(entry)
    return entries


def load_example(partners: Partners, actor: str = "demo") -> int:
    """Add the example entries that are missing (never changes one); how many were added."""
    known = {e.id for e in partners.entries()}
    added = 0
    for entry in example_entries(partners):
        if entry.id not in known:
            partners.save(actor, _form(entry), new=True)
            added += 1
    return added


def _form(entry: Entry) -> dict[str, object]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "name": entry.name,
        "origin": entry.origin,
        "description": entry.description,
        "website": entry.website,
        "email": entry.email,
        "sample": "yes",
        **{k: list(v) for k, v in entry.tags.items()},
    }
