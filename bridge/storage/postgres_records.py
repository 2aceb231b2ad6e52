"""The PostgreSQL store's records other than events and heartbeats (a mixin of `PostgresStore`):
cameras, the command audit, camera configuration versions, API tokens and the installation id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.base import utcnow
from bridge.storage._common import new_installation_id, utc
from bridge.storage.postgres_connection import PostgresAccess
from bridge.storage.postgres_sql import _CAMERA_COLUMNS, _TOKEN_COLUMNS, _camera, _command, _token
from bridge.store import (
    ApiTokenRecord,
    CameraConfigVersion,
    CameraRecord,
    CommandRecord,
    StoreError,
)

T = TypeVar("T")


class PostgresRecords(PostgresAccess):
    """Cameras, command audit, configuration versions, tokens, the installation id."""

    # -- cameras -----------------------------------------------------------------------------

    async def upsert_camera(self, camera: CameraRecord) -> None:
        now = utcnow()
        sql = f"""
            INSERT INTO cameras ({_CAMERA_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    $18, $19, $20, $21, $22, $23, $24)
            ON CONFLICT (id) DO UPDATE SET
                name = EXCLUDED.name, host = EXCLUDED.host, port = EXCLUDED.port,
                https = EXCLUDED.https, verify_tls = EXCLUDED.verify_tls,
                channels = EXCLUDED.channels,
                push = EXCLUDED.push, baichuan_port = EXCLUDED.baichuan_port,
                username = EXCLUDED.username,
                password_encrypted = EXCLUDED.password_encrypted, channel = EXCLUDED.channel,
                tags = EXCLUDED.tags, "group" = EXCLUDED."group", enabled = EXCLUDED.enabled,
                poll_interval = EXCLUDED.poll_interval, source = EXCLUDED.source,
                model = coalesce(EXCLUDED.model, cameras.model),
                firmware = coalesce(EXCLUDED.firmware, cameras.firmware),
                capabilities = coalesce(EXCLUDED.capabilities, cameras.capabilities),
                status = coalesce(EXCLUDED.status, cameras.status),
                last_seen = coalesce(EXCLUDED.last_seen, cameras.last_seen),
                updated_at = EXCLUDED.updated_at
        """
        args = (
            camera.id,
            camera.name,
            camera.host,
            camera.port,
            camera.https,
            camera.username,
            camera.password_encrypted,
            camera.channel,
            list(camera.tags),
            camera.group,
            camera.enabled,
            camera.poll_interval,
            camera.source,
            camera.model,
            camera.firmware,
            camera.capabilities,
            camera.status,
            camera.last_seen,
            camera.created_at or now,
            now,
            camera.verify_tls,
            camera.channels,
            camera.push,
            camera.baichuan_port,
        )
        await self._call(lambda conn: conn.execute(sql, *args))

    async def get_camera(self, camera_id: str) -> CameraRecord | None:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras WHERE id = $1"
        row = await self._call(lambda conn: conn.fetchrow(sql, camera_id))
        return None if row is None else _camera(row)

    async def list_cameras(self) -> list[CameraRecord]:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras ORDER BY id"
        rows = await self._call(lambda conn: conn.fetch(sql))
        return [_camera(row) for row in rows]

    async def delete_camera(self, camera_id: str) -> bool:
        status = await self._call(
            lambda conn: conn.execute("DELETE FROM cameras WHERE id = $1", camera_id)
        )
        return bool(status != "DELETE 0")

    async def update_camera_status(
        self,
        camera_id: str,
        *,
        status: str,
        last_seen: datetime | None = None,
        model: str | None = None,
        firmware: str | None = None,
        capabilities: dict[str, Any] | None = None,
    ) -> None:
        sql = """
            UPDATE cameras SET status = $1, last_seen = coalesce($2, last_seen),
                model = coalesce($3, model), firmware = coalesce($4, firmware),
                capabilities = coalesce($5, capabilities)
            WHERE id = $6
        """
        await self._call(
            lambda conn: conn.execute(
                sql, status, last_seen, model, firmware, capabilities, camera_id
            )
        )

    # -- command audit -----------------------------------------------------------------------

    async def record_commands(self, records: Sequence[CommandRecord]) -> None:
        if not records:
            return
        now = utcnow()
        args = [
            (
                r.camera_id,
                r.source,
                r.command,
                r.status,
                r.error,
                r.who,
                r.transaction,
                r.at or now,
                r.request_id,
            )
            for r in records
        ]
        # A request's result delivered again (the bus is at-least-once) is written once.
        sql = (
            "INSERT INTO commands (camera_id, source, command, status, error, who, transaction, "
            "at, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
        )

        async def run(conn: asyncpg.Connection) -> None:
            async with conn.transaction():
                await conn.executemany(sql, args)

        await self._call(run, retry=False)

    async def list_commands(
        self, camera_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[CommandRecord]:
        where: list[str] = []
        params: list[Any] = []
        if camera_id is not None:
            params.append(camera_id)
            where.append(f"camera_id = ${len(params)}")
        if before_id is not None:
            params.append(before_id)
            where.append(f"id < ${len(params)}")
        params.append(limit)
        sql = (
            "SELECT id, camera_id, source, command, status, error, who, transaction, at "
            "FROM commands"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY id DESC LIMIT ${len(params)}"
        )
        rows = await self._call(lambda conn: conn.fetch(sql, *params))
        return [_command(row) for row in rows]

    # -- camera configuration versions -------------------------------------------------------

    async def save_camera_config(
        self, camera_id: str, kind: str, data: dict[str, Any], who: str | None = None
    ) -> int:
        async def run(conn: asyncpg.Connection) -> int:
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", camera_id, kind
                )
                version = await conn.fetchval(
                    "INSERT INTO camera_configs (camera_id, kind, version, data, who) "
                    "SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4 FROM camera_configs "
                    "WHERE camera_id = $1 AND kind = $2 RETURNING version",
                    camera_id,
                    kind,
                    data,
                    who,
                )
                return int(version)

        try:
            return await self._call(run, retry=False)
        except StoreError as err:
            if "camera_configs_camera_id_fkey" in str(err):
                raise StoreError(f"camera {camera_id!r} is not in the registry") from None
            raise

    async def camera_config_history(
        self, camera_id: str, kind: str, limit: int = 20
    ) -> list[CameraConfigVersion]:
        sql = (
            "SELECT camera_id, kind, version, data, created_at, who FROM camera_configs "
            "WHERE camera_id = $1 AND kind = $2 ORDER BY version DESC LIMIT $3"
        )
        rows = await self._call(lambda conn: conn.fetch(sql, camera_id, kind, limit))
        return [
            CameraConfigVersion(
                r["camera_id"], r["kind"], r["version"], r["data"], r["created_at"], r["who"]
            )
            for r in rows
        ]

    # -- API tokens --------------------------------------------------------------------------

    async def add_token(self, token: ApiTokenRecord) -> None:
        sql = f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        await self._call(
            lambda conn: conn.execute(
                sql,
                token.id,
                token.name,
                token.token_hash,
                token.created_at,
                token.last_used_at,
                token.revoked_at,
                token.scope,
            ),
            retry=False,
        )

    async def find_token(self, token_hash: str) -> ApiTokenRecord | None:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"
        row = await self._call(lambda conn: conn.fetchrow(sql, token_hash))
        return None if row is None else _token(row)

    async def list_tokens(self) -> list[ApiTokenRecord]:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        rows = await self._call(lambda conn: conn.fetch(sql))
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: str) -> bool:
        status = await self._call(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                token_id,
            )
        )
        return bool(status != "UPDATE 0")

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self._call(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", token_id, utc(at)
            )
        )

    # -- the installation --------------------------------------------------------------------

    async def installation_id(self) -> str:
        sql = (
            "WITH made AS (INSERT INTO bridge_meta (key, value) VALUES ('installation_id', $1) "
            "ON CONFLICT (key) DO NOTHING RETURNING value) "
            "SELECT value FROM made UNION ALL "
            "SELECT value FROM bridge_meta WHERE key = 'installation_id' LIMIT 1"
        )
        value = await self._call(lambda conn: conn.fetchval(sql, new_installation_id()))
        return str(value)
