"""Use cases that wire the core to the adapters."""
