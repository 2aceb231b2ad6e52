"""Bus messages as JSON: one format for every process that shares a bus (Redis Streams, logs).

An encoded message is one JSON object: `{"v": 1, "type": "<kind>", ...fields}`; `_CODECS` names
the kind of every message type (`state_changed`, `device_added`, `command_requested`, …). A
`CameraState` or an `Event` is carried as exactly the JSON MQTT carries (`.payload()`; an event
raised under a lease also carries its `fence`: `Event.fenced_payload`); a
`Command` as its `/set` body; `SnapshotTaken.jpeg` is base64.

A camera's password never leaves the process: `DeviceAdded`/`DeviceReady`/`DeviceRemoved` carry
the camera without it (`Camera.public_dict()`), and a decoded camera has an empty password.
Whoever needs credentials reads them from the camera registry, never from the bus.

`decode` raises `CodecError` (a `ValueError`) for anything that is not a message of a known kind
and version; a consumer acknowledges such an entry as poisoned rather than retrying it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bridge.bus.messages import (
    AvailabilityChanged,
    BusMessage,
    CommandCompleted,
    CommandRequested,
    DeviceAdded,
    DeviceReady,
    DeviceRemoved,
    EventRaised,
    PushChanged,
    SnapshotTaken,
    StateChanged,
    StillActive,
)
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.commands import Command, CommandResult
from bridge.domain.events import Event
from bridge.domain.state import CameraState

VERSION = 1

__all__ = ["KINDS", "KIND_OF", "VERSION", "CodecError", "decode", "encode", "from_dict", "to_dict"]


class CodecError(ValueError):
    """The bytes are not a bus message this version understands."""


def _camera(camera: Camera) -> dict[str, Any]:
    return camera.public_dict()


def _capabilities(capabilities: Capabilities | None) -> dict[str, Any] | None:
    return None if capabilities is None else capabilities.model_dump(mode="json")


def _fields(message: BusMessage) -> dict[str, Any]:
    """The fields of one message, as JSON-ready values."""
    match message:
        case StateChanged(state=state):
            return {"state": state.payload()}
        case EventRaised(event=event):
            return {"event": event.fenced_payload()}
        case AvailabilityChanged(camera_id=camera_id, online=online):
            return {"camera_id": camera_id, "online": online}
        case DeviceAdded(camera=camera):
            return {"camera": _camera(camera)}
        case DeviceReady(camera=camera, capabilities=capabilities, owner=owner):
            fields = {"camera": _camera(camera), "capabilities": _capabilities(capabilities)}
            return fields if owner is None else {**fields, "owner": owner}
        case DeviceRemoved(camera=camera, capabilities=capabilities):
            return {"camera": _camera(camera), "capabilities": _capabilities(capabilities)}
        case CommandRequested():
            return {
                "request_id": message.request_id,
                "camera_id": message.camera_id,
                "command": message.command.model_dump(mode="json", exclude_none=True),
                "source": message.source,
                "who": message.who,
            }
        case CommandCompleted():
            return {
                "camera_id": message.camera_id,
                "command": message.command,
                "source": message.source,
                "result": message.result.model_dump(mode="json"),
                "who": message.who,
                "request_id": message.request_id,
                "repeat": message.repeat,
            }
        case StillActive(camera_id=camera_id, at=at):
            return {"camera_id": camera_id, "at": at.isoformat()}
        case SnapshotTaken(
            camera_id=camera_id, jpeg=jpeg, event_id=event_id, path=path, event_only=event_only
        ):
            return {
                "camera_id": camera_id,
                "jpeg": base64.b64encode(jpeg).decode("ascii"),
                "event_id": event_id,
                "path": path,
                "event_only": event_only,
            }
        case PushChanged(camera_id=camera_id, push=push):
            return {"camera_id": camera_id, "push": push}
    raise TypeError(f"not a bus message: {type(message).__name__}")


def to_dict(message: BusMessage) -> dict[str, Any]:
    """The JSON-ready dict of one message (`encode` without the serialization)."""
    kind = KIND_OF.get(type(message))
    if kind is None:
        raise TypeError(f"not a bus message: {type(message).__name__}")
    return {"v": VERSION, "type": kind, **_fields(message)}


def encode(message: BusMessage) -> bytes:
    """One message as compact UTF-8 JSON."""
    return json.dumps(to_dict(message), separators=(",", ":"), ensure_ascii=False).encode()


def _str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise CodecError(f"{key} must be a string, not {type(value).__name__}")
    return value


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise CodecError(f"{key} must be a string or null, not {type(value).__name__}")
    return value


def _optional_capabilities(data: dict[str, Any]) -> Capabilities | None:
    value = data.get("capabilities")
    return None if value is None else Capabilities.model_validate(value)


def _state_changed(data: dict[str, Any]) -> BusMessage:
    return StateChanged(CameraState.model_validate(data["state"]))


def _event_raised(data: dict[str, Any]) -> BusMessage:
    return EventRaised(Event.model_validate(data["event"]))


def _availability_changed(data: dict[str, Any]) -> BusMessage:
    return AvailabilityChanged(_str(data, "camera_id"), _bool(data, "online"))


def _bool(data: dict[str, Any], key: str, default: bool | None = None) -> bool:
    value = data.get(key, default) if default is not None else data[key]
    if not isinstance(value, bool):
        raise CodecError(f"{key} must be true or false")
    return value


def _device_added(data: dict[str, Any]) -> BusMessage:
    return DeviceAdded(Camera.model_validate(data["camera"]))


def _device_ready(data: dict[str, Any]) -> BusMessage:
    capabilities = _optional_capabilities(data)
    if capabilities is None:
        raise CodecError("device_ready needs capabilities")
    owner = _optional_str(data, "owner")
    return DeviceReady(Camera.model_validate(data["camera"]), capabilities, owner)


def _device_removed(data: dict[str, Any]) -> BusMessage:
    return DeviceRemoved(Camera.model_validate(data["camera"]), _optional_capabilities(data))


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data[key]
    if not isinstance(value, dict):
        raise CodecError(f"{key} must be an object")
    return value


def _command_requested(data: dict[str, Any]) -> BusMessage:
    return CommandRequested(
        request_id=_str(data, "request_id"),
        camera_id=_str(data, "camera_id"),
        command=Command.model_validate(_object(data, "command")),
        source=_str(data, "source"),
        who=_optional_str(data, "who"),
    )


def _command_completed(data: dict[str, Any]) -> BusMessage:
    return CommandCompleted(
        camera_id=_str(data, "camera_id"),
        command=_object(data, "command"),
        source=_str(data, "source"),
        result=CommandResult.model_validate(data["result"]),
        who=_optional_str(data, "who"),
        request_id=_optional_str(data, "request_id"),
        repeat=_bool(data, "repeat", False),
    )


def _still_active(data: dict[str, Any]) -> BusMessage:
    try:
        at = datetime.fromisoformat(_str(data, "at"))
    except ValueError as err:
        raise CodecError(f"at is not an ISO 8601 time: {err}") from err
    if at.tzinfo is None:
        raise CodecError("at needs a time zone")
    return StillActive(_str(data, "camera_id"), at)


def _snapshot_taken(data: dict[str, Any]) -> BusMessage:
    try:
        jpeg = base64.b64decode(_str(data, "jpeg"), validate=True)
    except binascii.Error as err:
        raise CodecError(f"jpeg is not base64: {err}") from err
    return SnapshotTaken(
        _str(data, "camera_id"),
        jpeg,
        _optional_str(data, "event_id"),
        _optional_str(data, "path"),
        _bool(data, "event_only", default=False),  # absent from an older instance's message
    )


def _push_changed(data: dict[str, Any]) -> BusMessage:
    return PushChanged(_str(data, "camera_id"), _object(data, "push"))


_CODECS: tuple[tuple[type[BusMessage], str, Callable[[dict[str, Any]], BusMessage]], ...] = (
    (StateChanged, "state_changed", _state_changed),
    (EventRaised, "event_raised", _event_raised),
    (AvailabilityChanged, "availability_changed", _availability_changed),
    (DeviceAdded, "device_added", _device_added),
    (DeviceReady, "device_ready", _device_ready),
    (DeviceRemoved, "device_removed", _device_removed),
    (CommandRequested, "command_requested", _command_requested),
    (CommandCompleted, "command_completed", _command_completed),
    (StillActive, "still_active", _still_active),
    (SnapshotTaken, "snapshot_taken", _snapshot_taken),
    (PushChanged, "push_changed", _push_changed),
)
"""Every message type with its wire name and decoder (a type missing here cannot cross Redis:
tests/bus/test_codec.py checks this against the `BusMessage` union itself)."""

KIND_OF: dict[type[BusMessage], str] = {kind: name for kind, name, _ in _CODECS}
_DECODERS: dict[str, Callable[[dict[str, Any]], BusMessage]] = {
    name: decoder for _, name, decoder in _CODECS
}

KINDS: frozenset[str] = frozenset(_DECODERS)


def from_dict(data: Any) -> BusMessage:
    """The message a `to_dict` result (or any parsed JSON) stands for; `CodecError` if none."""
    if not isinstance(data, dict):
        raise CodecError(f"a bus message is a JSON object, not {type(data).__name__}")
    if data.get("v") != VERSION:
        raise CodecError(f"unsupported bus message version {data.get('v')!r}")
    kind = data.get("type")
    decoder = _DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        raise CodecError(f"unknown bus message type {kind!r}")
    try:
        return decoder(data)
    except KeyError as err:
        raise CodecError(f"{kind} lacks {err.args[0]!r}") from err
    except ValidationError as err:
        raise CodecError(f"{kind}: {err.error_count()} invalid field(s): {err}") from err


def decode(raw: bytes | str) -> BusMessage:
    """The message `encode` made; `CodecError` for anything else."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CodecError(f"not JSON: {err}") from err
    return from_dict(data)
