"""Persistence: one `Store` interface, embedded SQLite by default, PostgreSQL when configured.

    store = await open_store(settings)        # bridge.storage.factory; migrations applied
    await run_migrate(settings, target=None)  # bridge.storage.migrate; for `reolink-bridge migrate`
"""
