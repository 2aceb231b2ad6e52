"""Shared test setup. Fixture modules live in tests/fixtures/ and are registered here."""

pytest_plugins = ["fixtures.mosquitto", "fixtures.redis", "fixtures.postgres"]
