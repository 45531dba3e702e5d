"""KPI use cases: the engine over rollups, KPI reports, losses and costs, energy, exports."""
