"""The plant as the dashboard sees it: site configuration, overview, machine pages, stop reasons."""
