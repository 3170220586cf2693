"""Fixtures for every test in the repository: real NATS, PostgreSQL and Unleash servers.

See servicekit.testing and servicekit.testing_unleash.
"""

pytest_plugins = ["servicekit.testing", "servicekit.testing_unleash"]
