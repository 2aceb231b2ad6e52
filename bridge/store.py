"""The `Store` interface and the records it keeps. Both backends pass one contract test suite.

Events are kept one row per logical event: a detection's `start` inserts the row, its `end`
(same `event_id`) completes it with `ended_at` and `duration`; an `instant` event is one row.
Writes are idempotent on `event_id` (+ phase): replaying a spool or a re-delivered stream entry
never writes an event twice. With several instances, a detection's `start` from an owner older
than the device's recorded generation is refused (`bridge.storage.fencing`). Camera passwords
are stored only encrypted (`password_encrypted`), by the registry; the store never sees them in
clear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from bridge.domain.events import Event
from bridge.domain.recordings import Recording
from bridge.domain.values import EventPhase, EventType

CommandSource = Literal["mqtt", "rest", "ws", "ha", "cli", "internal"]
TokenScope = Literal["read", "control", "admin"]
"""What an API token may do, each level including the ones before it: `read` sees, `control`
also commands cameras, `admin` also changes the bridge (cameras, tokens) and sees direct URLs."""


class StoreError(Exception):
    """The store failed; the message says why (never with credentials)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached now; the caller may retry later (the writer spools)."""


class InvalidCursor(StoreError, ValueError):
    """An `EventQuery.cursor` that no `EventPage.next_cursor` produced (the API answers 400)."""


@dataclass(frozen=True, slots=True)
class CameraRecord:
    id: str
    name: str
    host: str
    port: int | None
    https: bool
    username: str
    password_encrypted: str
    channel: int | None = None
    verify_tls: bool = False
    channels: dict[str, Any] = field(default_factory=dict)
    """Per NVR channel what the configuration says (`{"0": {"name": "Gate"}}`)."""
    tags: tuple[str, ...] = ()
    group: str | None = None
    enabled: bool = True
    poll_interval: float | None = None
    push: str = "auto"
    """`auto`, `on` or `off` (`Camera.push`)."""
    baichuan_port: int | None = None
    source: Literal["config", "runtime"] = "runtime"
    model: str | None = None
    firmware: str | None = None
    capabilities: dict[str, Any] | None = None
    status: str | None = None
    last_seen: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: str
    camera_id: str
    camera_name: str
    channel: int
    type: EventType
    phase: EventPhase
    """`start` while it lasts, `end` once ended, `instant` for presses and online/offline."""
    started_at: datetime
    ended_at: datetime | None
    duration: float | None
    severity: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    snapshot_path: str | None = None
    clip: str | None = None
    acknowledged: bool = False
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    recording_id: int | None = None
    """The indexed recording that covers the event (its clip is cut from it)."""


@dataclass(frozen=True, slots=True)
class EventQuery:
    camera_ids: Sequence[str] = ()
    types: Sequence[EventType] = ()
    since: datetime | None = None
    until: datetime | None = None
    acknowledged: bool | None = None
    limit: int = 50
    cursor: str | None = None
    """Opaque keyset cursor from the previous page's `next_cursor` (newest first)."""


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[StoredEvent]
    next_cursor: str | None


EventMediaField = Literal["snapshot_path", "clip", "recording_id"]
"""What `set_event_media` sets: paths are relative to the media dir."""


@dataclass(frozen=True, slots=True)
class StoredRecording:
    """One file of the camera's recordings index (`recordings`). Times are UTC."""

    id: int
    camera_id: str
    """The device (an NVR for its channels)."""
    channel: int
    stream: Literal["main", "sub"]
    name: str
    start: datetime
    end: datetime
    size: int
    triggers: tuple[str, ...] = ()
    gone_at: datetime | None = None
    """When the indexer found the file no longer on the camera (overwritten)."""
    seen_at: datetime | None = None

    @property
    def duration(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class RecordingQuery:
    camera_id: str | None = None
    channel: int | None = None
    stream: Literal["main", "sub"] | None = None
    since: datetime | None = None
    """Ending at or after."""
    until: datetime | None = None
    """Starting before."""
    triggers: Sequence[str] = ()
    """Any of these triggers."""
    include_gone: bool = False
    limit: int = 50
    cursor: str | None = None
    """Opaque keyset cursor from the previous page's `next_cursor` (newest first)."""


@dataclass(frozen=True, slots=True)
class RecordingPage:
    recordings: list[StoredRecording]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RecordingSync:
    """What one indexer pass changed for one camera, channel and stream."""

    seen: int
    added: int
    gone: int


@dataclass(frozen=True, slots=True)
class CommandRecord:
    camera_id: str
    source: CommandSource
    command: dict[str, Any]
    status: Literal["ok", "error"]
    error: str | None = None
    who: str | None = None
    transaction: str | None = None
    at: datetime | None = None
    id: int | None = None
    request_id: str | None = None
    """The request's id (`CommandRequested.request_id`): one audit row per request, however
    often the bus delivers its result (None: dispatched directly, not over the bus)."""


@dataclass(frozen=True, slots=True)
class CameraHeartbeat:
    """A camera view was seen with a detection still active at `seen_at` (its events open then).

    The store keeps the latest per camera: where a restart after a crash ends the events left open.
    """

    camera_id: str
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: str
    name: str
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    scope: TokenScope = "admin"


@dataclass(frozen=True, slots=True)
class CameraConfigVersion:
    camera_id: str
    kind: str
    version: int
    data: dict[str, Any]
    created_at: datetime
    who: str | None = None


class Store(Protocol):
    """What the bridge needs from a database. Implementations: SQLite (default), PostgreSQL."""

    async def open(self) -> None:
        """Connect and apply pending migrations (raises StoreUnavailable when unreachable)."""

    async def close(self) -> None: ...

    # cameras (the registry)
    async def upsert_camera(self, camera: CameraRecord) -> None: ...
    async def get_camera(self, camera_id: str) -> CameraRecord | None: ...
    async def list_cameras(self) -> list[CameraRecord]: ...
    async def delete_camera(self, camera_id: str) -> bool: ...
    async def update_camera_status(
        self,
        camera_id: str,
        *,
        status: str,
        last_seen: datetime | None = None,
        model: str | None = None,
        firmware: str | None = None,
        capabilities: dict[str, Any] | None = None,
    ) -> None: ...

    # events
    async def write_events(self, events: Sequence[Event]) -> list[Event]:
        """Idempotent batch write, in order (see the module docstring). Returns the events
        refused as late ones from a previous owner (`bridge.storage.fencing`): usually none."""

    async def record_fences(self, generations: Mapping[str, int]) -> dict[str, int]:
        """A take-over: raise each device's recorded owner generation to at least the given one
        (`bridge.storage.fencing`); returns the recorded ones."""

    async def get_event(self, event_id: str) -> StoredEvent | None: ...
    async def query_events(self, query: EventQuery) -> EventPage: ...
    async def acknowledge_event(self, event_id: str, by: str | None) -> StoredEvent | None: ...
    async def purge_events(self, before: datetime) -> int: ...
    async def open_events(self, started_before: datetime) -> list[StoredEvent]:
        """Events still in their `start` phase that started before `started_before`, oldest
        first (after a crash: the ones nobody ended)."""

    async def set_event_media(
        self, event_id: str, field: EventMediaField, value: str | int | None
    ) -> bool:
        """Set a snapshot/clip path or the covering recording; False when no such event (yet)."""

    async def clear_media_paths(self, paths: Sequence[str]) -> int:
        """Files deleted (disk budget): clear the events' `snapshot_path`/`clip` that name them."""

    # the recordings index
    async def sync_recordings(
        self,
        camera_id: str,
        channel: int,
        stream: Literal["main", "sub"],
        since: datetime,
        until: datetime,
        found: Sequence[Recording],
        seen_at: datetime,
    ) -> RecordingSync:
        """One `Search` answer for [since, until] (UTC): upsert every file found (idempotent by
        camera, channel, stream and name; a file found again is no longer gone) and mark gone the
        indexed files overlapping the window that it no longer lists."""

    async def query_recordings(self, query: RecordingQuery) -> RecordingPage: ...
    async def get_recording(self, recording_id: int) -> StoredRecording | None: ...
    async def recording_at(
        self, camera_id: str, channel: int, at: datetime, stream: Literal["main", "sub"] = "main"
    ) -> StoredRecording | None:
        """The file (not gone) that covers `at`, the latest-starting one if several do."""

    async def purge_recordings(self, before: datetime) -> int:
        """Retention: index rows of files that ended before `before`."""

    # heartbeats of cameras with active detections
    async def record_heartbeats(self, heartbeats: Sequence[CameraHeartbeat]) -> None:
        """Keep, per camera, the latest `seen_at` (an older one never replaces a newer one)."""

    async def heartbeats(self, camera_ids: Sequence[str]) -> dict[str, datetime]:
        """The latest heartbeat of each of these cameras that has one."""

    # command audit
    async def record_commands(self, records: Sequence[CommandRecord]) -> None: ...
    async def list_commands(
        self, camera_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[CommandRecord]: ...

    # versioned camera configuration snapshots
    async def save_camera_config(
        self, camera_id: str, kind: str, data: dict[str, Any], who: str | None = None
    ) -> int: ...
    async def camera_config_history(
        self, camera_id: str, kind: str, limit: int = 20
    ) -> list[CameraConfigVersion]: ...

    # API tokens (hashed)
    async def add_token(self, token: ApiTokenRecord) -> None: ...
    async def find_token(self, token_hash: str) -> ApiTokenRecord | None: ...
    async def list_tokens(self) -> list[ApiTokenRecord]: ...
    async def revoke_token(self, token_id: str) -> bool: ...
    async def touch_token(self, token_id: str, at: datetime) -> None: ...

    # the installation
    async def installation_id(self) -> str:
        """This installation's id: made (random) by the first call on a fresh database, then the
        same for every instance that shares it (migration 0007, `bridge_meta`)."""
        ...
