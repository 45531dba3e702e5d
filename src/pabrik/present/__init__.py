"""Delivery-neutral presentation: words, formats, labels, templates, charts and reports."""
