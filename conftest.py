"""Fixtures for every test in the repository: real NATS and PostgreSQL servers (servicekit.testing)."""

pytest_plugins = ["servicekit.testing"]
