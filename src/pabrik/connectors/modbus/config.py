"""Configuration of the Modbus TCP connector, as written under ``connectors:``."""

from __future__ import annotations

from functools import cached_property
from itertools import pairwise
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pabrik.model.fields import Identifier
from pabrik.model.states import StateClass

Table = Literal["holding", "input", "coil", "discrete"]
DataType = Literal["bool", "int16", "uint16", "int32", "uint32", "float32", "float64", "string"]
Order = Literal["big", "little"]
Role = Literal["sample", "state", "count"]
CountField = Literal["good", "scrap", "rework"]

BIT_TABLES: frozenset[str] = frozenset({"coil", "discrete"})
# Registers each fixed-width type occupies (a register is 16 bits).
TYPE_REGISTERS: dict[str, int] = {
    "bool": 1,
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "float64": 4,
}
# Modbus application protocol v1.1b3, §6.1-6.4: limits of one read request.
MAX_REGISTERS_PER_READ = 125
MAX_BITS_PER_READ = 2000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModbusPoint(_Strict):
    """One entry of a register map: where a value lives and what it means."""

    machine: Identifier
    role: Role = "sample"
    signal: Identifier | None = Field(default=None, description="Signal id, for role sample.")
    table: Table = "holding"
    address: int = Field(ge=0, le=65535, description="Zero-based address as sent on the wire.")
    type: DataType | None = Field(default=None, description="bool for bits, else uint16.")
    length: int | None = Field(default=None, ge=1, le=MAX_REGISTERS_PER_READ)
    word_order: Order = "big"
    byte_order: Order = "big"
    scale: float = 1.0
    offset: float = 0.0
    states: dict[str, StateClass] = Field(
        default_factory=dict, description="Raw value -> state class, for role state."
    )
    count_field: CountField = "good"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        dtype = self.data_type
        if self.table in BIT_TABLES and dtype != "bool":
            raise ValueError(f"{self.table} points hold single bits: type must be bool")
        if self.table not in BIT_TABLES and dtype == "bool":
            raise ValueError("type bool needs table coil or discrete")
        if dtype == "string" and self.length is None:
            raise ValueError("type string needs length (registers)")
        if dtype != "string" and self.length is not None:
            raise ValueError("length is only for type string")
        if self.role == "sample" and self.signal is None:
            raise ValueError("role sample needs signal")
        if self.role != "state" and dtype == "string":
            raise ValueError("type string can only be read as a state")
        if self.address + self.width - 1 > 65535:
            raise ValueError("the value runs past address 65535")
        return self

    @cached_property
    def data_type(self) -> str:
        """The declared type, or the default for its table."""
        if self.type is not None:
            return self.type
        return "bool" if self.table in BIT_TABLES else "uint16"

    @cached_property
    def width(self) -> int:
        """How many registers (or bits) the value occupies."""
        if self.data_type == "string":
            return self.length or 1
        return TYPE_REGISTERS[self.data_type]

    @cached_property
    def end(self) -> int:
        """One past the last address the value occupies."""
        return self.address + self.width


class ModbusDevice(_Strict):
    """One Modbus TCP slave and its register map, polled by its own task."""

    id: Identifier
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=502, ge=1, le=65535)
    unit_id: int = Field(default=1, ge=0, le=255)
    poll_interval_s: float = Field(default=1.0, ge=0.01, le=3600)
    timeout_s: float = Field(default=1.0, gt=0, le=60)
    max_gap: int = Field(
        default=8, ge=0, le=100, description="Unused addresses a merged read may span."
    )
    max_registers_per_read: int = Field(default=MAX_REGISTERS_PER_READ, ge=1, le=125)
    max_bits_per_read: int = Field(default=MAX_BITS_PER_READ, ge=1, le=2000)
    points: list[ModbusPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlaps(self) -> Self:
        problem = first_overlap(self.points)
        if problem is not None:
            raise ValueError(problem)
        for i, p in enumerate(self.points):
            if p.width > self.limit(p.table):
                raise ValueError(f"points[{i}] is wider than one read allows")
        return self

    def limit(self, table: str) -> int:
        """The most registers or bits one read of ``table`` may ask for."""
        return self.max_bits_per_read if table in BIT_TABLES else self.max_registers_per_read


class ModbusConfig(_Strict):
    """Modbus TCP devices polled concurrently, with staggered starts."""

    kind: Literal["modbus"] = "modbus"
    id: Identifier
    devices: list[ModbusDevice] = Field(min_length=1)
    stagger: bool = Field(default=True, description="Spread device start times over a period.")
    reconnect_initial_s: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _unique_devices(self) -> Self:
        ids = [d.id for d in self.devices]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate device id(s): {', '.join(dupes)}")
        return self


def _describe(index: int, point: ModbusPoint) -> str:
    return f"points[{index}] ({point.table} {point.address}..{point.end - 1})"


def first_overlap(points: list[ModbusPoint]) -> str | None:
    """Describe the first pair of points that share an address, or None."""
    ordered = sorted(enumerate(points), key=lambda ip: (ip[1].table, ip[1].address))
    for (i, a), (j, b) in pairwise(ordered):
        if a.table == b.table and b.address < a.end:
            first, second = sorted(((i, a), (j, b)), key=lambda ip: ip[0])
            return f"{_describe(*second)} overlaps {_describe(*first)}"
    return None
