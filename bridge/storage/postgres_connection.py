"""The PostgreSQL store's connections: the timeouts, which driver errors mean "unreachable", and
their translation into `StoreError`/`StoreUnavailable` with the URL masked.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.redaction import redact, url_secrets
from bridge.storage.postgres_sql import _CREATE_STAGING, _json
from bridge.store import StoreError, StoreUnavailable

T = TypeVar("T")
CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 300.0

_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,
    *_LOST,
)


def describe(url: str, err: BaseException) -> str:
    """Why a call failed, with the URL's password masked (also inside the driver's text)."""
    detail = redact(str(err) or type(err).__name__, url_secrets(url))
    return f"PostgreSQL at {redact(url)}: {type(err).__name__}: {detail}"


def translate(url: str, err: BaseException) -> StoreError:
    if isinstance(err, StoreError):
        return err
    if isinstance(err, _UNREACHABLE):
        return StoreUnavailable(describe(url, err))
    return StoreError(describe(url, err))


async def connect_postgres(url: str) -> asyncpg.Connection:
    """One connection (migrations from the CLI); StoreUnavailable with a masked URL on failure."""
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except Exception as err:
        raise translate(url, err) from None


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=_json, decoder=json.loads, schema="pg_catalog")
    await conn.execute(_CREATE_STAGING)


class PostgresAccess(ABC):
    """How the store's parts (`PostgresMedia`, `PostgresRecords`) reach the database: a function
    run on a connection of the pool; `PostgresStore` implements it."""

    @abstractmethod
    async def _call(
        self, fn: Callable[[asyncpg.Connection], Awaitable[T]], *, retry: bool = True
    ) -> T: ...
