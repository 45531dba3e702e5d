"""ISO 22400 time model, OEE and KPIs as pure functions."""
