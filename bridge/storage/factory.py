"""`open_store(settings)`: the store the configuration asks for, opened (migrations applied)."""

from __future__ import annotations

from bridge.config import Settings
from bridge.storage.postgres import PostgresStore
from bridge.storage.sqlite import SqliteStore
from bridge.store import Store, StoreError


def create_store(settings: Settings) -> SqliteStore | PostgresStore:
    """The store for `settings.database_url`, not yet opened."""
    url = settings.database_url
    if url.startswith("sqlite:"):
        return SqliteStore.from_url(url)
    if url.startswith(("postgresql:", "postgres:")):
        return PostgresStore(
            url,
            pool_size=settings.database.pool_size,
            retention_days=settings.events.retention_days,
        )
    raise StoreError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


async def open_store(settings: Settings) -> Store:
    """Create and open the configured store (raises StoreUnavailable when it is unreachable)."""
    store = create_store(settings)
    await store.open()
    return store
