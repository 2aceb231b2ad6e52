"""The SQLite store's records other than events and heartbeats (a mixin of `SqliteStore`):
cameras, the command audit, camera configuration versions, API tokens and the installation id.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from bridge.domain.base import utcnow
from bridge.storage._common import from_micros, new_installation_id, to_micros
from bridge.storage.sqlite_connection import SqliteAccess
from bridge.storage.sqlite_sql import (
    _CAMERA_COLUMNS,
    _TOKEN_COLUMNS,
    _camera,
    _command,
    _json,
    _token,
    _us,
)
from bridge.store import (
    ApiTokenRecord,
    CameraConfigVersion,
    CameraRecord,
    CommandRecord,
    StoreError,
)

T = TypeVar("T")


class SqliteRecords(SqliteAccess):
    """Cameras, command audit, configuration versions, tokens, the installation id."""

    # -- cameras -----------------------------------------------------------------------------

    async def upsert_camera(self, camera: CameraRecord) -> None:
        now = to_micros(utcnow())
        params = (
            camera.id,
            camera.name,
            camera.host,
            camera.port,
            int(camera.https),
            camera.username,
            camera.password_encrypted,
            camera.channel,
            _json(list(camera.tags)),
            camera.group,
            int(camera.enabled),
            camera.poll_interval,
            camera.source,
            camera.model,
            camera.firmware,
            None if camera.capabilities is None else _json(camera.capabilities),
            camera.status,
            _us(camera.last_seen),
            _us(camera.created_at) or now,
            now,
            int(camera.verify_tls),
            _json(camera.channels),
            camera.push,
            camera.baichuan_port,
        )
        sql = f"""
            INSERT INTO cameras ({_CAMERA_COLUMNS})
            VALUES ({",".join("?" * 24)})
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, host = excluded.host, port = excluded.port,
                https = excluded.https, verify_tls = excluded.verify_tls,
                channels = excluded.channels,
                push = excluded.push, baichuan_port = excluded.baichuan_port,
                username = excluded.username,
                password_encrypted = excluded.password_encrypted, channel = excluded.channel,
                tags = excluded.tags, "group" = excluded."group", enabled = excluded.enabled,
                poll_interval = excluded.poll_interval, source = excluded.source,
                model = coalesce(excluded.model, cameras.model),
                firmware = coalesce(excluded.firmware, cameras.firmware),
                capabilities = coalesce(excluded.capabilities, cameras.capabilities),
                status = coalesce(excluded.status, cameras.status),
                last_seen = coalesce(excluded.last_seen, cameras.last_seen),
                updated_at = excluded.updated_at
        """
        await self._write(lambda conn: conn.execute(sql, params))

    async def get_camera(self, camera_id: str) -> CameraRecord | None:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras WHERE id = ?"
        row = await self._read(lambda conn: conn.execute(sql, (camera_id,)).fetchone())
        return None if row is None else _camera(row)

    async def list_cameras(self) -> list[CameraRecord]:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras ORDER BY id"
        rows = await self._read(lambda conn: conn.execute(sql).fetchall())
        return [_camera(row) for row in rows]

    async def delete_camera(self, camera_id: str) -> bool:
        cursor = await self._write(
            lambda conn: conn.execute("DELETE FROM cameras WHERE id = ?", (camera_id,))
        )
        return cursor.rowcount > 0

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
        params = (
            status,
            _us(last_seen),
            model,
            firmware,
            None if capabilities is None else _json(capabilities),
            camera_id,
        )
        sql = """
            UPDATE cameras SET status = ?, last_seen = coalesce(?, last_seen),
                model = coalesce(?, model), firmware = coalesce(?, firmware),
                capabilities = coalesce(?, capabilities)
            WHERE id = ?
        """
        await self._write(lambda conn: conn.execute(sql, params))

    # -- command audit -----------------------------------------------------------------------

    async def record_commands(self, records: Sequence[CommandRecord]) -> None:
        if not records:
            return
        now = utcnow()
        params = [
            (
                r.camera_id,
                r.source,
                _json(r.command),
                r.status,
                r.error,
                r.who,
                r.transaction,
                to_micros(r.at or now),
                r.request_id,
            )
            for r in records
        ]
        # A request's result delivered again (the bus is at-least-once) is written once.
        sql = (
            'INSERT INTO commands (camera_id, source, command, status, error, who, "transaction",'
            " at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        )
        await self._write_tx(lambda conn: conn.executemany(sql, params))

    async def list_commands(
        self, camera_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[CommandRecord]:
        where: list[str] = []
        params: list[Any] = []
        if camera_id is not None:
            where.append("camera_id = ?")
            params.append(camera_id)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        sql = (
            'SELECT id, camera_id, source, command, status, error, who, "transaction", at '
            "FROM commands"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id DESC LIMIT ?"
        )
        params.append(limit)
        rows = await self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [_command(row) for row in rows]

    # -- camera configuration versions -------------------------------------------------------

    async def save_camera_config(
        self, camera_id: str, kind: str, data: dict[str, Any], who: str | None = None
    ) -> int:
        now = to_micros(utcnow())

        def run(conn: sqlite3.Connection) -> int:
            (version,) = conn.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM camera_configs "
                "WHERE camera_id = ? AND kind = ?",
                (camera_id, kind),
            ).fetchone()
            conn.execute(
                "INSERT INTO camera_configs (camera_id, kind, version, data, created_at, who) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (camera_id, kind, version, _json(data), now, who),
            )
            return int(version)

        try:
            return await self._write_tx(run)
        except StoreError as err:
            if isinstance(err.__cause__, sqlite3.IntegrityError):
                raise StoreError(f"camera {camera_id!r} is not in the registry") from err
            raise

    async def camera_config_history(
        self, camera_id: str, kind: str, limit: int = 20
    ) -> list[CameraConfigVersion]:
        sql = (
            "SELECT camera_id, kind, version, data, created_at, who FROM camera_configs "
            "WHERE camera_id = ? AND kind = ? ORDER BY version DESC LIMIT ?"
        )
        rows = await self._read(lambda conn: conn.execute(sql, (camera_id, kind, limit)).fetchall())
        return [
            CameraConfigVersion(r[0], r[1], r[2], json.loads(r[3]), from_micros(r[4]), r[5])
            for r in rows
        ]

    # -- API tokens --------------------------------------------------------------------------

    async def add_token(self, token: ApiTokenRecord) -> None:
        params = (
            token.id,
            token.name,
            token.token_hash,
            to_micros(token.created_at),
            _us(token.last_used_at),
            _us(token.revoked_at),
            token.scope,
        )
        sql = f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        await self._write(lambda conn: conn.execute(sql, params))

    async def find_token(self, token_hash: str) -> ApiTokenRecord | None:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?"
        row = await self._read(lambda conn: conn.execute(sql, (token_hash,)).fetchone())
        return None if row is None else _token(row)

    async def list_tokens(self) -> list[ApiTokenRecord]:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        rows = await self._read(lambda conn: conn.execute(sql).fetchall())
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: str) -> bool:
        now = to_micros(utcnow())
        cursor = await self._write(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, token_id),
            )
        )
        return cursor.rowcount > 0

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (to_micros(at), token_id)
            )
        )

    # -- the installation --------------------------------------------------------------------

    async def installation_id(self) -> str:
        def run(conn: sqlite3.Connection) -> str:
            conn.execute(
                "INSERT INTO bridge_meta (key, value) VALUES ('installation_id', ?) "
                "ON CONFLICT (key) DO NOTHING",
                (new_installation_id(),),
            )
            row = conn.execute(
                "SELECT value FROM bridge_meta WHERE key = 'installation_id'"
            ).fetchone()
            return str(row[0])

        return await self._write_tx(run)
