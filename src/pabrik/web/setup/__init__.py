"""The first-run setup wizard and the machines page (issue 13)."""
