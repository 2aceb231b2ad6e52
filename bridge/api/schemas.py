"""Request and response models of the API that are not the domain's own (`bridge.domain`).

The MQTT mirror speaks the domain models unchanged (`CameraState`, `Command`, `CommandResult`,
`Camera`); these add what only HTTP needs: auth, pages, status, per-type settings. Every model
carries an example for the OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bridge.api.security import DEFAULT_TOKEN_SCOPE
from bridge.domain.camera import (
    Camera,
    CameraHost,
    CameraName,
    CameraPassword,
    CameraTags,
    CameraUsername,
    ChannelSettings,
    PushMode,
)
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.command_values import OnOffValue
from bridge.domain.entities import EntityDescription
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.push import PushStatus
from bridge.store import TokenScope

_TS = "2026-11-25T12:00:00Z"


def _example(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class ErrorResponse(BaseModel):
    model_config = _example({"detail": "no camera 'garage'"})
    detail: Any = Field(description="What went wrong: a sentence, or a list of field errors")


# -- auth -------------------------------------------------------------------------------------


class LoginRequest(BaseModel):
    model_config = _example({"username": "admin", "password": "correct horse battery staple"})
    username: str = Field(min_length=1, max_length=128)
    password: SecretStr = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    model_config = _example({"refresh_token": "eyJhbGciOiJIUzI1NiIs…"})
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(BaseModel):
    model_config = _example(
        {
            "access_token": "eyJhbGciOiJIUzI1NiIs…",
            "refresh_token": "eyJhbGciOiJIUzI1NiIs…",
            "token_type": "bearer",
            "expires_in": 900,
        }
    )
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid")


class ApiTokenCreate(BaseModel):
    model_config = _example({"name": "home-assistant", "scope": "control"})
    name: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")
    scope: TokenScope = Field(
        default=DEFAULT_TOKEN_SCOPE,
        description="`read` (see), `control` (also command cameras) or `admin` (also change the "
        f"bridge: cameras, tokens); default `{DEFAULT_TOKEN_SCOPE}`",
    )


class ApiTokenInfo(BaseModel):
    model_config = _example(
        {
            "id": "9f2c4e1a0b3d",
            "name": "home-assistant",
            "scope": "control",
            "created_at": _TS,
            "last_used_at": None,
            "revoked_at": None,
        }
    )
    id: str
    name: str
    scope: TokenScope
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiTokenCreated(ApiTokenInfo):
    model_config = _example(
        {
            "id": "9f2c4e1a0b3d",
            "name": "home-assistant",
            "scope": "control",
            "created_at": _TS,
            "last_used_at": None,
            "revoked_at": None,
            "token": "rbt_3q2-7wEvVY0n…",
        }
    )
    token: str = Field(description="The secret: shown this once, stored only hashed")


# -- cameras ----------------------------------------------------------------------------------

_CAMERA_EXAMPLE: dict[str, Any] = {
    "id": "front_door",
    "name": "Front Door",
    "host": "192.0.2.10",
    "port": 80,
    "https": False,
    "verify_tls": False,
    "username": "admin",
    "channel": None,
    "tags": ["outdoor"],
    "enabled": True,
    "poll_interval": None,
    "push": "auto",
    "baichuan_port": None,
}


def _no_password(schema: dict[str, Any]) -> None:
    schema.get("properties", {}).pop("password", None)
    schema["examples"] = [
        {**_CAMERA_EXAMPLE, "capabilities": None, "cameras": ["front_door"], "online": True}
    ]


class CameraInfo(Camera):
    """A configured device as `reolink/bridge/cameras` lists it: the `Camera` without its
    password, ever, and what the bridge knows of it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_password)
    password: SecretStr = Field(default=SecretStr(""), exclude=True)
    capabilities: Capabilities | None = Field(description="None until the device has answered")
    cameras: list[str] = Field(description="The camera ids it exposes (NVR: one per channel)")
    online: bool


class CameraUpdate(BaseModel):
    """Fields to change; the others keep their value. The password is kept when left out, except
    that changing `host`, `port`, `https` or `username` needs it again (422 without it)."""

    model_config = _example({"name": "Front Door", "tags": ["outdoor", "entrance"]})
    name: CameraName | None = None
    host: CameraHost | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    https: bool | None = None
    verify_tls: bool | None = None
    username: CameraUsername | None = None
    password: CameraPassword | None = None
    channel: int | None = Field(default=None, ge=0, le=255)
    channels: dict[Annotated[int, Field(ge=0, le=255)], ChannelSettings] | None = None
    tags: CameraTags | None = None
    enabled: bool | None = None
    poll_interval: float | None = Field(default=None, gt=0, le=3600)
    push: PushMode | None = None
    baichuan_port: int | None = Field(
        default=None, ge=1, le=65535, description="null: the port the device reports, else 9000"
    )


class CameraEntities(BaseModel):
    """`GET /cameras/{id}/entities` (and the retained `reolink/<camera_id>/entities`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "front_door",
                    "entities": [
                        {
                            "key": "status_led",
                            "kind": "switch",
                            "name": "Status LED",
                            "platform": "switch",
                            "scope": "channel",
                            "state_field": "status_led",
                            "writable": True,
                            "command": {"attribute": "status_led", "on": "ON", "off": "OFF"},
                            "category": "config",
                            "icon": "mdi:led-on",
                            "enabled_by_default": True,
                        }
                    ],
                }
            ]
        },
    )

    camera_id: str
    entities: list[EntityDescription]


class CameraStatus(BaseModel):
    model_config = _example(
        {
            "camera_id": "front_door",
            "device_id": "front_door",
            "channel": 0,
            "online": True,
            "failures": 0,
            "last_error": None,
            "last_poll": _TS,
            "polls": 1234,
            "push": {
                "mode": "auto",
                "state": "active",
                "since": _TS,
                "port": 9000,
                "last_error": None,
            },
            "model": "RLC-811A",
            "firmware": "v3.1.0.2368_23062508",
            "capabilities": None,
        }
    )
    camera_id: str
    device_id: str
    channel: int | None = Field(description="None for an NVR's own view")
    online: bool
    failures: int
    last_error: str | None
    last_poll: datetime | None
    polls: int
    push: PushStatus = Field(description="Events pushed over Baichuan: mode and state")
    model: str | None
    firmware: str | None
    capabilities: ChannelCapabilities | None


# -- bridge -----------------------------------------------------------------------------------


class BridgeResponse(BaseModel):
    """What `reolink/bridge/response/<action>` carries."""

    model_config = _example(
        {"status": "ok", "data": {"id": "garage"}, "transaction": "t-1"},
        {"status": "error", "error": "no camera 'garage'"},
    )
    status: Literal["ok", "error"]
    data: Any = None
    error: str | None = None
    transaction: str | None = None


class BridgeInfo(BaseModel):
    """What `reolink/bridge/info` carries."""

    model_config = _example(
        {
            "version": "0.1.0",
            "installation_id": "3f2a9c0e5b7d4e1f8a6b2c9d0e1f2a3b",
            "config": {"server": {"host": "127.0.0.1", "port": 8080}, "cameras": 3},
            "camera_count": 3,
            "mqtt": {"dropped_messages": 0, "discovery": "device"},
        }
    )
    version: str
    installation_id: str = Field(
        default="",
        description="Made once per database, shared by every instance on it",
    )
    config: dict[str, Any]
    camera_count: int
    mqtt: dict[str, Any]


class Health(BaseModel):
    model_config = _example({"status": "ok", "version": "0.1.0"})
    status: Literal["ok"] = "ok"
    version: str


class Readiness(BaseModel):
    model_config = _example(
        {"ready": True, "store": True, "mqtt": True, "detail": None},
        {"ready": False, "store": True, "mqtt": False, "detail": "MQTT broker not connected"},
    )
    ready: bool
    store: bool
    mqtt: bool | None = Field(description="None when MQTT is turned off")
    detail: str | None = None


class LiveFrame(BaseModel):
    """One WebSocket/SSE message: exactly an MQTT message (topic, JSON-parsed payload)."""

    model_config = _example(
        {"topic": "reolink/front_door/availability", "payload": "online"},
        {"topic": "reolink/front_door/set", "payload": {"siren": "ON", "transaction": "t-1"}},
    )
    topic: str
    payload: Any


# -- control ----------------------------------------------------------------------------------


class PresetRequest(BaseModel):
    model_config = _example({"preset": "Gate"})
    preset: str = Field(min_length=1, max_length=64)


class SwitchRequest(BaseModel):
    model_config = _example({"state": "ON"})
    state: OnOffValue


# -- per-type settings (GET/PUT /cameras/{id}/config/{type}) ----------------------------------


class ConfigVersion(BaseModel):
    model_config = _example(
        {"version": 3, "data": {"motion_sensitivity": 41}, "created_at": _TS, "who": "admin"}
    )
    version: int
    data: dict[str, Any]
    created_at: datetime
    who: str | None


# -- events and audit -------------------------------------------------------------------------


class EventRecord(BaseModel):
    """One stored event: a detection (start, then end with its duration) or an instant."""

    model_config = _example(
        {
            "event_id": "0193a4f2-6c1e-7d3a-9b2f-4c5d6e7f8a9b",
            "camera_id": "front_door",
            "camera_name": "Front Door",
            "channel": 0,
            "type": "person",
            "phase": "end",
            "started_at": _TS,
            "ended_at": "2026-11-25T12:00:04.500000Z",
            "duration": 4.5,
            "severity": None,
            "metadata": {},
            "has_snapshot": False,
            "acknowledged": False,
            "acknowledged_at": None,
            "acknowledged_by": None,
        }
    )
    event_id: str
    camera_id: str
    camera_name: str
    channel: int
    type: EventType
    phase: EventPhase
    started_at: datetime
    ended_at: datetime | None
    duration: float | None
    severity: str | None
    metadata: dict[str, Any]
    has_snapshot: bool
    acknowledged: bool
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    snapshot_url: str | None = Field(
        default=None, description="The kept snapshot, signed (valid while the file exists)"
    )
    clip_url: str | None = Field(
        default=None, description="An MP4 of the event cut from the camera's recording, signed"
    )
    recording_id: int | None = Field(default=None, description="The recording that covers it")


class EventPage(BaseModel):
    model_config = _example({"events": [], "next_cursor": None})
    events: list[EventRecord]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class CommandAudit(BaseModel):
    model_config = _example(
        {
            "id": 42,
            "camera_id": "front_door",
            "source": "rest",
            "command": {"siren": {"state": "ON"}},
            "status": "ok",
            "error": None,
            "who": "admin",
            "transaction": None,
            "at": _TS,
        }
    )
    id: int | None
    camera_id: str
    source: str
    command: dict[str, Any]
    status: Literal["ok", "error"]
    error: str | None
    who: str | None
    transaction: str | None
    at: datetime | None


class CommandPage(BaseModel):
    model_config = _example({"commands": [], "next_before_id": None})
    commands: list[CommandAudit]
    next_before_id: int | None = Field(description="Pass as `before_id` for the older page")
