"""What the event writer stores, and its spool form: events, command audit records, heartbeats.

`from_message` picks the bus messages the store keeps; `to_spool` / `from_spool` carry a record
through the spool as JSON (an event as exactly the JSON MQTT carries, encoded by pydantic, plus
its fence when it has one: `Event.fenced_payload`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal, get_args

from bridge.bus.messages import BusMessage, CommandCompleted, EventRaised, StillActive
from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.storage.spool import Payload, RecordKind, SpoolRecord
from bridge.store import CameraHeartbeat, CommandRecord, CommandSource

Item = Event | CommandRecord | CameraHeartbeat

_SOURCES: frozenset[str] = frozenset(get_args(CommandSource))


def command_record(message: CommandCompleted, at: datetime | None = None) -> CommandRecord:
    """The audit record of a completed command (who, source, command, result, time)."""
    source = message.source if message.source in _SOURCES else "internal"
    status: Literal["ok", "error"] = "ok" if message.result.status.value == "ok" else "error"
    return CommandRecord(
        camera_id=message.camera_id,
        source=source,  # type: ignore[arg-type]  # checked against CommandSource above
        command=dict(message.command),
        status=status,
        error=message.result.error,
        who=message.who,
        transaction=message.result.transaction,
        at=at or utcnow(),
        request_id=message.request_id,
    )


def from_message(message: BusMessage) -> Item | None:
    """The record a bus message makes in the store, or None for one the store does not keep."""
    if isinstance(message, EventRaised):
        return message.event
    if isinstance(message, CommandCompleted):
        return None if message.repeat else command_record(message)
    if isinstance(message, StillActive):
        return CameraHeartbeat(message.camera_id, message.at)
    return None


def _command_payload(record: CommandRecord) -> dict[str, Any]:
    return {
        "camera_id": record.camera_id,
        "source": record.source,
        "command": record.command,
        "status": record.status,
        "error": record.error,
        "who": record.who,
        "transaction": record.transaction,
        "at": record.at.isoformat() if record.at is not None else None,
        "request_id": record.request_id,
    }


def _command_from_payload(payload: dict[str, Any]) -> CommandRecord:
    at = payload.get("at")
    return CommandRecord(
        camera_id=str(payload["camera_id"]),
        source=payload["source"],
        command=dict(payload["command"]),
        status=payload["status"],
        error=payload.get("error"),
        who=payload.get("who"),
        transaction=payload.get("transaction"),
        at=datetime.fromisoformat(at) if isinstance(at, str) else None,
        request_id=payload.get("request_id"),
    )


def to_spool(item: Item) -> tuple[RecordKind, Payload]:
    if isinstance(item, Event):
        if item.fence is not None:  # the fence is no field of the JSON pydantic dumps
            return "event", json.dumps(item.fenced_payload(), separators=(",", ":")).encode()
        return "event", item.model_dump_json().encode()
    if isinstance(item, CameraHeartbeat):
        return "heartbeat", {"camera_id": item.camera_id, "seen_at": item.seen_at.isoformat()}
    return "command", _command_payload(item)


def from_spool(record: SpoolRecord) -> Item:
    """The record back from the spool; raises ValueError, KeyError or TypeError if it is not one."""
    if record.kind == "event":
        return Event.model_validate_json(record.body)
    if record.kind == "heartbeat":
        seen = datetime.fromisoformat(record.payload["seen_at"])
        if seen.tzinfo is None:
            raise ValueError("a heartbeat's time needs a time zone")
        return CameraHeartbeat(str(record.payload["camera_id"]), seen)
    return _command_from_payload(record.payload)
