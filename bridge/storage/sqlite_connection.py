"""The SQLite store's connections: the URL's path and a connection with the store's pragmas
(WAL, foreign keys, busy timeout).
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bridge.store import StoreError, StoreUnavailable

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000


def sqlite_path(url: str) -> str:
    """`sqlite:///relative/path`, `sqlite:////absolute/path`, `sqlite:///:memory:` → the path."""
    if not url.startswith("sqlite://"):
        raise StoreError("a SQLite URL starts with sqlite:///")
    rest = url[len("sqlite://") :]
    path = rest[1:] if rest.startswith("/") else rest
    if not path:
        raise StoreError("the SQLite URL has no path (sqlite:///path/to/file.db)")
    return path


def connect_sqlite(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode with the store's pragmas (creates the file's directory)."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as err:
        raise StoreUnavailable(f"cannot open SQLite database {path}: {err}") from err
    return conn


class SqliteAccess(ABC):
    """How the store's parts (`SqliteMedia`, `SqliteRecords`) reach the database: a function run
    on the writer's or the reader's connection, in its thread; `SqliteStore` implements them."""

    @abstractmethod
    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @abstractmethod
    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @abstractmethod
    async def _write_tx(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...
