"""Getting data in: the ingest pipeline, connectors, workers, CSV import, replay, simulation."""
