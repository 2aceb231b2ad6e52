"""The PostgreSQL store's SQL: column lists, the event upsert and its COPY staging table, the
row decoders and the page query (`bridge.storage.postgres` describes the store).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.values import EventPhase, EventType
from bridge.storage._common import EventRow, decode_cursor, utc
from bridge.store import ApiTokenRecord, CameraRecord, CommandRecord, EventQuery, StoredEvent

_EVENT_FIELDS = (
    "event_id",
    "camera_id",
    "camera_name",
    "channel",
    "type",
    "phase",
    "started_at",
    "ended_at",
    "duration",
    "severity",
    "metadata",
    "snapshot_path",
    "clip",
)
_EVENT_COLUMNS = ", ".join(
    (*_EVENT_FIELDS, "acknowledged", "acknowledged_at", "acknowledged_by", "recording_id")
)
_CAMERA_COLUMNS = (
    'id, name, host, port, https, username, password_encrypted, channel, tags, "group", enabled, '
    "poll_interval, source, model, firmware, capabilities, status, last_seen, created_at, "
    "updated_at, verify_tls, channels, push, baichuan_port"
)
_TOKEN_COLUMNS = "id, name, token_hash, created_at, last_used_at, revoked_at, scope"
_ON_CONFLICT = """
ON CONFLICT (event_id, started_at) DO UPDATE SET
    phase = CASE WHEN EXCLUDED.phase = 'end' THEN 'end' ELSE e.phase END,
    ended_at = CASE WHEN EXCLUDED.phase = 'end' THEN EXCLUDED.ended_at ELSE e.ended_at END,
    duration = CASE WHEN EXCLUDED.phase = 'end' THEN EXCLUDED.duration ELSE e.duration END,
    metadata = CASE WHEN EXCLUDED.phase = 'end' THEN e.metadata || EXCLUDED.metadata
                    ELSE EXCLUDED.metadata || e.metadata END,
    camera_name = CASE WHEN e.camera_name = '' THEN EXCLUDED.camera_name ELSE e.camera_name END,
    severity = coalesce(e.severity, EXCLUDED.severity),
    snapshot_path = coalesce(e.snapshot_path, EXCLUDED.snapshot_path),
    clip = coalesce(e.clip, EXCLUDED.clip)
WHERE (EXCLUDED.phase = 'end' AND e.phase = 'start')
   OR (EXCLUDED.phase = 'start' AND e.phase = 'end')
"""
_UPSERT_EVENT = (
    f"INSERT INTO events AS e ({', '.join(_EVENT_FIELDS)}) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)" + _ON_CONFLICT
)
_STAGING = "events_staging"
_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    event_id text, camera_id text, camera_name text, channel integer, type text, phase text,
    started_at timestamptz, ended_at timestamptz, duration double precision, severity text,
    metadata text, snapshot_path text, clip text
) ON COMMIT DELETE ROWS
"""
_FROM_STAGING = (
    f"INSERT INTO events AS e ({', '.join(_EVENT_FIELDS)}) "
    "SELECT event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at, "
    f"duration, severity, metadata::jsonb, snapshot_path, clip FROM {_STAGING}" + _ON_CONFLICT
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _event(row: asyncpg.Record) -> StoredEvent:
    return StoredEvent(
        event_id=row["event_id"],
        camera_id=row["camera_id"],
        camera_name=row["camera_name"],
        channel=row["channel"],
        type=EventType(row["type"]),
        phase=EventPhase(row["phase"]),
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        duration=row["duration"],
        severity=row["severity"],
        metadata=row["metadata"],
        snapshot_path=row["snapshot_path"],
        clip=row["clip"],
        acknowledged=row["acknowledged"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        recording_id=row["recording_id"],
    )


def _camera(row: asyncpg.Record) -> CameraRecord:
    return CameraRecord(
        id=row["id"],
        name=row["name"],
        host=row["host"],
        port=row["port"],
        https=row["https"],
        username=row["username"],
        password_encrypted=row["password_encrypted"],
        channel=row["channel"],
        tags=tuple(row["tags"]),
        group=row["group"],
        enabled=row["enabled"],
        poll_interval=row["poll_interval"],
        source=row["source"],
        model=row["model"],
        firmware=row["firmware"],
        capabilities=row["capabilities"],
        status=row["status"],
        last_seen=row["last_seen"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        verify_tls=row["verify_tls"],
        channels=row["channels"],
        push=row["push"],
        baichuan_port=row["baichuan_port"],
    )


def _command(row: asyncpg.Record) -> CommandRecord:
    return CommandRecord(
        id=row["id"],
        camera_id=row["camera_id"],
        source=row["source"],
        command=row["command"],
        status=row["status"],
        error=row["error"],
        who=row["who"],
        transaction=row["transaction"],
        at=row["at"],
    )


def _token(row: asyncpg.Record) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row["id"],
        name=row["name"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
        scope=row["scope"],
    )


def _row_values(row: EventRow, metadata: Any) -> tuple[Any, ...]:
    return (
        row.event_id,
        row.camera_id,
        row.camera_name,
        row.channel,
        row.type,
        row.phase,
        row.started_at,
        row.ended_at,
        row.duration,
        row.severity,
        metadata,
        row.snapshot_path,
        row.clip,
    )


def event_query_sql(query: EventQuery) -> tuple[str, list[Any]]:
    """The page query (a handful of distinct texts, each prepared once per connection)."""
    where: list[str] = []
    params: list[Any] = []

    def param(value: Any, cast: str = "") -> str:
        params.append(value)
        return f"${len(params)}{cast}"

    if len(query.camera_ids) == 1:
        where.append(f"camera_id = {param(query.camera_ids[0])}")
    elif query.camera_ids:
        where.append(f"camera_id = ANY({param(list(query.camera_ids), '::text[]')})")
    if len(query.types) == 1:
        where.append(f"type = {param(str(query.types[0]))}")
    elif query.types:
        where.append(f"type = ANY({param([str(t) for t in query.types], '::text[]')})")
    if query.since is not None:
        where.append(f"started_at >= {param(utc(query.since))}")
    if query.until is not None:
        where.append(f"started_at < {param(utc(query.until))}")
    if query.acknowledged is not None:
        where.append("acknowledged" if query.acknowledged else "NOT acknowledged")
    if query.cursor:
        at, event_id = decode_cursor(query.cursor)
        where.append(f"(started_at, event_id) < ({param(at)}, {param(event_id)})")
    sql = f"SELECT {_EVENT_COLUMNS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY started_at DESC, event_id DESC LIMIT {param(max(1, query.limit) + 1)}"
    return sql, params
