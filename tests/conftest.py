"""Shared fixtures: personas and helpers. App-specific fixtures live in tests/<app>/conftest.py."""
