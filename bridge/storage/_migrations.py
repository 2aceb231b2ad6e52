"""Migration files and the two runners (see bridge.storage.migrate for the public entry points).

Files: `migrations/<backend>/NNNN_name.up.sql` and `NNNN_name.down.sql`, the same numbers for
every backend. PostgreSQL runs a whole run under `pg_advisory_lock`; SQLite runs each step under
`BEGIN IMMEDIATE` and re-reads the applied versions inside it.

The directory is found in this order: `$REOLINK_MIGRATIONS_DIR`, `migrations/` at the top of the
source tree, `bridge/storage/migrations` (where a wheel would carry it).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bridge.store import StoreError

if TYPE_CHECKING:
    import asyncpg  # type: ignore[import-untyped]

Backend = Literal["postgres", "sqlite"]
ADVISORY_LOCK_KEY = 0x5245_4F4C_494E_4B  # "REOLINK": one lock id for every bridge on the server
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    up: str
    down: str

    @property
    def label(self) -> str:
        return f"{self.version:04d} {self.name}"


def migrations_dir() -> Path:
    env = os.environ.get("REOLINK_MIGRATIONS_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "migrations", here.parent / "migrations"):
        if candidate.is_dir():
            return candidate
    raise StoreError("migrations directory not found (set REOLINK_MIGRATIONS_DIR)")


def load_migrations(backend: Backend, directory: Path | None = None) -> list[Migration]:
    """Every migration of a backend, in version order; each must have both an up and a down file."""
    folder = (directory or migrations_dir()) / backend
    found: dict[int, dict[str, str]] = {}
    names: dict[int, str] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise StoreError(f"{path}: migration files are named NNNN_name.up.sql / .down.sql")
        version = int(match.group(1))
        if names.setdefault(version, match.group(2)) != match.group(2):
            raise StoreError(f"{folder}: version {version:04d} has two names")
        found.setdefault(version, {})[match.group(3)] = path.read_text(encoding="utf-8")
    migrations = []
    for version in sorted(found):
        files = found[version]
        if set(files) != {"up", "down"}:
            raise StoreError(f"{folder}: version {version:04d} needs both .up.sql and .down.sql")
        migrations.append(Migration(version, names[version], files["up"], files["down"]))
    return migrations


def plan(
    migrations: list[Migration], applied: set[int], target: int | None
) -> list[tuple[Literal["up", "down"], Migration]]:
    """The steps from `applied` to `target` (None: the newest known; never down by itself)."""
    known = {m.version for m in migrations}
    if target is not None and target != 0 and target not in known:
        raise StoreError(f"no migration {target:04d} (known: {sorted(known)})")
    top = max(known, default=0) if target is None else target
    steps: list[tuple[Literal["up", "down"], Migration]] = [
        ("up", m) for m in migrations if m.version <= top and m.version not in applied
    ]
    if target is not None:
        steps += [
            ("down", m) for m in reversed(migrations) if m.version > top and m.version in applied
        ]
    return steps


# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

_PG_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


async def migrate_postgres(
    conn: asyncpg.Connection, target: int | None = None, directory: Path | None = None
) -> list[str]:
    """Run on one connection, under the advisory lock for the whole run."""
    migrations = load_migrations("postgres", directory)
    done: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(_PG_TABLE)
        applied = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for direction, migration in plan(migrations, applied, target):
            async with conn.transaction():
                if direction == "up":
                    await conn.execute(migration.up)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
                else:
                    await conn.execute(migration.down)
                    await conn.execute(
                        "DELETE FROM schema_migrations WHERE version = $1", migration.version
                    )
            done.append(f"{direction} {migration.label}")
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
    return done


# ---------------------------------------------------------------------------------------------
# SQLite (blocking: runs in the store's writer thread, or in a worker thread for a bare path)
# ---------------------------------------------------------------------------------------------

_SQLITE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)"""


def split_sql(script: str) -> list[str]:
    """The statements of a script (triggers and quoted ';' included), without empty ones."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer)
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        statements.append(buffer)
    return [s for s in statements if _strip_comments(s).strip(" \t\r\n;")]


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def migrate_sqlite(
    conn: sqlite3.Connection, target: int | None = None, directory: Path | None = None
) -> list[str]:
    """`conn` must be in autocommit mode (isolation_level=None); each step is BEGIN IMMEDIATE."""
    migrations = load_migrations("sqlite", directory)
    done: list[str] = []
    conn.execute(_SQLITE_TABLE)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            steps = plan(migrations, applied, target)
            if not steps:
                conn.execute("COMMIT")
                return done
            direction, migration = steps[0]
            for statement in split_sql(migration.up if direction == "up" else migration.down):
                conn.execute(statement)
            if direction == "up":
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
            else:
                conn.execute(
                    "DELETE FROM schema_migrations WHERE version = ?", (migration.version,)
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        done.append(f"{direction} {migration.label}")
