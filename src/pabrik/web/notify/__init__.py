"""Notification pages: my subscriptions, the admin's channels with a test button, the outbox."""
