from __future__ import annotations

import pytest

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.datatypes import metric_value, to_signed


@pytest.mark.parametrize(
    ("datatype", "field", "raw", "expected"),
    [
        (pb.Int8, "int_value", 0xFF, -1),
        (pb.Int8, "int_value", 0xFFFFFFFF, -1),  # sign-extended to 32 bits by some encoders
        (pb.Int8, "int_value", 0x80, -128),
        (pb.Int8, "int_value", 0x7F, 127),
        (pb.Int16, "int_value", 0xFFFB, -5),
        (pb.Int16, "int_value", 0xFFFFFFFB, -5),
        (pb.Int32, "int_value", 0x80000000, -(2**31)),
        (pb.Int32, "int_value", 0xFFFFFFFF, -1),
        (pb.Int64, "long_value", 2**64 - 1, -1),
        (pb.Int64, "long_value", 2**63, -(2**63)),
        (pb.UInt8, "int_value", 0xFF, 255),
        (pb.UInt16, "int_value", 65535, 65535),
        (pb.UInt32, "int_value", 2**32 - 1, 2**32 - 1),
        (pb.UInt64, "long_value", 2**64 - 1, 2**64 - 1),
        (pb.DateTime, "long_value", 1_700_000_000_000, 1_700_000_000_000),
        (pb.Boolean, "boolean_value", True, True),
        (pb.Float, "float_value", 1.5, 1.5),
        (pb.Double, "double_value", -2.25, -2.25),
        (pb.String, "string_value", "RUN", "RUN"),
        (pb.Text, "string_value", "teks", "teks"),
    ],
)
def test_typed_values_decode_including_signed_ints_in_unsigned_fields(
    datatype: int, field: str, raw: object, expected: object
) -> None:
    m = pb.Payload.Metric(datatype=datatype, **{field: raw})
    decoded = pb.Payload.Metric.FromString(m.SerializeToString())
    assert metric_value(decoded, datatype) == expected


def test_a_null_metric_has_no_value() -> None:
    assert metric_value(pb.Payload.Metric(datatype=pb.Int32, is_null=True), pb.Int32) is None


def test_twos_complement_round_trips_for_every_width() -> None:
    for bits in (8, 16, 32, 64):
        for value in (-(2 ** (bits - 1)), -1, 0, 1, 2 ** (bits - 1) - 1):
            assert to_signed(value % (1 << bits), bits) == value
