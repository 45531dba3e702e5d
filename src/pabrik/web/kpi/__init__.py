"""KPI pages and API: losses, costs, shift report and exports."""
