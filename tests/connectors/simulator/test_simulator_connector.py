"""The live simulator connector: poll it with the clock, get what happened since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig, SimulatorConnector
from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.site import Plant

ANCHOR = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)


def test_polls_return_what_happened_since_the_last_poll_and_are_counted(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    connector = SimulatorConnector(demo_plant, demo_config, ANCHOR)
    polls = [connector.poll(ANCHOR + timedelta(minutes=m)) for m in (0, 7, 7, 31, 60)]
    everything = SimulatedPlant(demo_plant, demo_config, ANCHOR).advance_to(
        ANCHOR + timedelta(minutes=60)
    )
    assert [r for poll in polls for r in poll] == everything
    m = connector.metrics
    assert m.polls == 5
    assert m.states == sum(isinstance(r, StateRecord) for r in everything) > 0
    assert m.counts == sum(isinstance(r, CountRecord) for r in everything) > 0
    assert m.samples == sum(isinstance(r, SampleRecord) for r in everything) > 0
    assert m.records == len(everything)
    assert connector.position == ANCHOR + timedelta(minutes=60)


def test_connector_id_is_the_source_of_its_records(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    config = demo_config.model_copy(update={"id": "sim-b"})
    connector = SimulatorConnector(demo_plant, config, ANCHOR)
    records = connector.poll(ANCHOR + timedelta(minutes=10))
    assert connector.id == "sim-b"
    assert connector.anchor == ANCHOR
    assert {r.source for r in records} == {"sim-b"}
