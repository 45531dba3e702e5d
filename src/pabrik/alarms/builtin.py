"""Alarms pabrik raises itself for the whole plant, beside the site's own definitions."""

from __future__ import annotations

from pabrik.alarms.definitions import AlarmDefinition, DiskBudgetCondition, Priority, Scope
from pabrik.model.fields import Text

PLANT_WIDE = ""
"""The machine id of an alarm about the whole plant (no machine)."""
PLANT_POSITION = "plant"

DISK_BUDGET = AlarmDefinition(
    id="disk_budget",
    scope=Scope(),
    condition=DiskBudgetCondition(kind="disk_budget"),
    priority=Priority.MEDIUM,
    message=Text(
        id="Penyimpanan data pabrik memakai 80 % atau lebih dari anggaran disknya",
        en="The plant's data store uses 80 % or more of its disk budget",
        ko="공장 데이터 저장소가 디스크 예산의 80 % 이상을 사용합니다",
    ),
    # The disk fills whatever the machines do: never suppressed by a machine's state.
    suppress_in=(),
)
BUILT_IN = (DISK_BUDGET,)
"""Each is one alarm, keyed by its id, on no machine."""
