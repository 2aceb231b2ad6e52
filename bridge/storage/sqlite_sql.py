"""The SQLite store's SQL: column lists, the event upsert, the conversions of times and JSON,
the row decoders and the page query (`bridge.storage.sqlite` describes the store).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from bridge.domain.values import EventPhase, EventType
from bridge.storage._common import EventRow, decode_cursor, from_micros, to_micros
from bridge.store import ApiTokenRecord, CameraRecord, CommandRecord, EventQuery, StoredEvent

_UPSERT_EVENT = """
INSERT INTO events (event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at,
                    duration, severity, metadata, snapshot_path, clip)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (event_id, started_at) DO UPDATE SET
    phase = CASE WHEN excluded.phase = 'end' THEN 'end' ELSE events.phase END,
    ended_at = CASE WHEN excluded.phase = 'end' THEN excluded.ended_at ELSE events.ended_at END,
    duration = CASE WHEN excluded.phase = 'end' THEN excluded.duration ELSE events.duration END,
    metadata = CASE WHEN excluded.phase = 'end' THEN json_patch(events.metadata, excluded.metadata)
                    ELSE json_patch(excluded.metadata, events.metadata) END,
    camera_name = CASE WHEN events.camera_name = '' THEN excluded.camera_name
                       ELSE events.camera_name END,
    severity = coalesce(events.severity, excluded.severity),
    snapshot_path = coalesce(events.snapshot_path, excluded.snapshot_path),
    clip = coalesce(events.clip, excluded.clip)
WHERE (excluded.phase = 'end' AND events.phase = 'start')
   OR (excluded.phase = 'start' AND events.phase = 'end')
"""
_EVENT_COLUMNS = (
    "event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at, duration, "
    "severity, metadata, snapshot_path, clip, acknowledged, acknowledged_at, acknowledged_by, "
    "recording_id"
)
_CAMERA_COLUMNS = (
    'id, name, host, port, https, username, password_encrypted, channel, tags, "group", enabled, '
    "poll_interval, source, model, firmware, capabilities, status, last_seen, created_at, "
    "updated_at, verify_tls, channels, push, baichuan_port"
)
_TOKEN_COLUMNS = "id, name, token_hash, created_at, last_used_at, revoked_at, scope"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _us(value: datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _dt(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


def _event(row: sqlite3.Row | tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        event_id=row[0],
        camera_id=row[1],
        camera_name=row[2],
        channel=row[3],
        type=EventType(row[4]),
        phase=EventPhase(row[5]),
        started_at=from_micros(row[6]),
        ended_at=_dt(row[7]),
        duration=row[8],
        severity=row[9],
        metadata=json.loads(row[10]),
        snapshot_path=row[11],
        clip=row[12],
        acknowledged=bool(row[13]),
        acknowledged_at=_dt(row[14]),
        acknowledged_by=row[15],
        recording_id=row[16],
    )


def _camera(row: tuple[Any, ...]) -> CameraRecord:
    return CameraRecord(
        id=row[0],
        name=row[1],
        host=row[2],
        port=row[3],
        https=bool(row[4]),
        username=row[5],
        password_encrypted=row[6],
        channel=row[7],
        tags=tuple(json.loads(row[8])),
        group=row[9],
        enabled=bool(row[10]),
        poll_interval=row[11],
        source=row[12],
        model=row[13],
        firmware=row[14],
        capabilities=None if row[15] is None else json.loads(row[15]),
        status=row[16],
        last_seen=_dt(row[17]),
        created_at=_dt(row[18]),
        updated_at=_dt(row[19]),
        verify_tls=bool(row[20]),
        channels=json.loads(row[21]),
        push=row[22],
        baichuan_port=row[23],
    )


def _command(row: tuple[Any, ...]) -> CommandRecord:
    return CommandRecord(
        id=row[0],
        camera_id=row[1],
        source=row[2],
        command=json.loads(row[3]),
        status=row[4],
        error=row[5],
        who=row[6],
        transaction=row[7],
        at=from_micros(row[8]),
    )


def _token(row: tuple[Any, ...]) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row[0],
        name=row[1],
        token_hash=row[2],
        created_at=from_micros(row[3]),
        last_used_at=_dt(row[4]),
        revoked_at=_dt(row[5]),
        scope=row[6],
    )


def _event_params(row: EventRow) -> tuple[Any, ...]:
    return (
        row.event_id,
        row.camera_id,
        row.camera_name,
        row.channel,
        row.type,
        row.phase,
        to_micros(row.started_at),
        _us(row.ended_at),
        row.duration,
        row.severity,
        _json(row.metadata),
        row.snapshot_path,
        row.clip,
    )


def event_query_sql(query: EventQuery) -> tuple[str, list[Any]]:
    """The page query: filters combined with AND, newest first, keyset after the cursor."""
    where: list[str] = []
    params: list[Any] = []
    if query.camera_ids:
        where.append(f"camera_id IN ({','.join('?' * len(query.camera_ids))})")
        params.extend(query.camera_ids)
    if query.types:
        where.append(f"type IN ({','.join('?' * len(query.types))})")
        params.extend(str(t) for t in query.types)
    if query.since is not None:
        where.append("started_at >= ?")
        params.append(to_micros(query.since))
    if query.until is not None:
        where.append("started_at < ?")
        params.append(to_micros(query.until))
    if query.acknowledged is not None:
        where.append("acknowledged = ?")
        params.append(int(query.acknowledged))
    if query.cursor:
        at, event_id = decode_cursor(query.cursor)
        where.append("(started_at, event_id) < (?, ?)")
        params.extend((to_micros(at), event_id))
    sql = f"SELECT {_EVENT_COLUMNS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY started_at DESC, event_id DESC LIMIT ?"
    params.append(max(1, query.limit) + 1)
    return sql, params
