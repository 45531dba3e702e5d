"""Plant pages and API: overview, machine pages, stop reasons, dead letters."""
