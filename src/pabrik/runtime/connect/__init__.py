"""Connector set-up in the browser: generated forms, tests, previews and mapping."""
