"""Fixtures for every test in the repository: real NATS and PostgreSQL servers.

See servicekit.testing.
"""

pytest_plugins = ["servicekit.testing"]
