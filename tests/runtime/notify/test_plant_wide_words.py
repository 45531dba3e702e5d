"""A built-in, plant-wide alarm (the disk budget) reads as its message and the site's name."""

from __future__ import annotations

import pytest

from pabrik.alarms.builtin import DISK_BUDGET, PLANT_WIDE
from pabrik.runtime.notify.sender import Happening, Outgoing
from pabrik.runtime.plant.siteconfig import load_site
from tests.paths import DEMO
from tests.runtime.notify.helpers import T0, words


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_disk_budget_alarm_is_told_in_words_not_its_id(lang: str) -> None:
    plant = load_site(DEMO).plant()
    body = {"definition": DISK_BUDGET.id, "machine": PLANT_WIDE, "priority": "medium"}
    event = Happening("e1", "alarm", T0, body)
    rendered = words(plant)(Outgoing("m1", "alarm", lang, (event,)))
    assert DISK_BUDGET.message.get(lang) in rendered.title
    assert plant.site.name in rendered.title
    assert "disk_budget" not in rendered.title
