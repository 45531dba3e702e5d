"""Protocol connectors that map library data to model records."""
