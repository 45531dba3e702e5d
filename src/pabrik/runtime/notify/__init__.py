"""Notifications: subscriptions, channels (through apprise), the outbox router and its sender."""
