"""Words of notifications in the subscriber's language."""
