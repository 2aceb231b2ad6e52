"""Persistence: one `Store` interface, embedded SQLite by default, PostgreSQL when configured.

- `bridge.storage.factory.open_store(settings)`: the configured store, opened, migrations applied.
- `bridge.storage.migrate.run_migrate(settings, target)`: what `reolink-bridge migrate` runs.
"""
