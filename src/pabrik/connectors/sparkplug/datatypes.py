"""Sparkplug B typed values: signed integers in unsigned fields, and the rest of the types."""

from __future__ import annotations

from typing import Any

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb

# Signed integer types and their width; their values travel as two's complement in the
# unsigned int_value (uint32) or long_value (uint64) field.
SIGNED_BITS: dict[int, int] = {pb.Int8: 8, pb.Int16: 16, pb.Int32: 32, pb.Int64: 64}
UNSIGNED_BITS: dict[int, int] = {pb.UInt8: 8, pb.UInt16: 16, pb.UInt32: 32, pb.UInt64: 64}
TEXT: frozenset[int] = frozenset({pb.String, pb.Text, pb.UUID})


def to_signed(raw: int, bits: int) -> int:
    """Read the low ``bits`` of an unsigned field as a two's complement integer."""
    raw &= (1 << bits) - 1
    return raw - (1 << bits) if raw >> (bits - 1) else raw


def metric_value(metric: pb.Payload.Metric, datatype: int) -> Any:
    """The Python value of a metric for its datatype; None when null or absent."""
    field = metric.WhichOneof("value")
    if metric.is_null or field is None:
        return None
    raw = getattr(metric, field)
    if field in {"int_value", "long_value"}:
        if datatype in SIGNED_BITS:
            return to_signed(raw, SIGNED_BITS[datatype])
        if datatype in UNSIGNED_BITS:
            return raw & ((1 << UNSIGNED_BITS[datatype]) - 1)
        if datatype == pb.Boolean:
            return bool(raw)
        return int(raw)
    return raw


def type_name(datatype: int) -> str:
    """The specification's name of a datatype number."""
    try:
        return pb.DataType.Name(datatype)
    except ValueError:
        return f"type {datatype}"
