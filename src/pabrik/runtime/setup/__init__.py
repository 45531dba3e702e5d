"""The first-run setup wizard's use cases: a draft built step by step into a site config."""
