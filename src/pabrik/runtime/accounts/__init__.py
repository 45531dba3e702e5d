"""Accounts: tenants, people, login, sessions, tokens, roles and tenant scoping."""
