"""The bus between producers (poller, dispatcher, registry) and consumers (MQTT, API, store, cache).

Every message is a frozen dataclass. Each subscriber gets its own bounded queue and its own worker
task, so a slow or failing consumer never delays the producer or another consumer: a handler that
raises is logged with its owner and counted, and a full queue drops its oldest message with a
counted, rate-limited warning. `Bus` is the interface of both buses (in-process, Redis Streams).

Commands are messages too: a face publishes `CommandRequested` and awaits the `CommandCompleted`
of the same `request_id` (`bridge.bus.commands`). Every type of `BusMessage` has its wire form in
`bridge.bus.codec` (a test derives the list of types from the union itself).

A `Journal` attached to the `InProcessBus` sees every message inside `publish()`, before any
subscriber can: the event writer uses it to put events on disk before MQTT can announce them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.commands import Command, CommandResult
from bridge.domain.events import Event
from bridge.domain.state import CameraState

_LOGGER = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 10_000
"""Per subscriber: at 1 s polls, 500 cameras and a few messages each, several seconds of slack."""

_WARN_EVERY = 10.0


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: CameraState


@dataclass(frozen=True, slots=True)
class EventRaised:
    event: Event


@dataclass(frozen=True, slots=True)
class AvailabilityChanged:
    camera_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class DeviceAdded:
    """A camera joined the bridge (config, MQTT, REST); it may not have answered yet."""

    camera: Camera


@dataclass(frozen=True, slots=True)
class DeviceReady:
    """A device connected and its capabilities are known (first time, or changed).

    `owner`: with several instances, the one that runs the device (stamped by its runner's
    `FencedBus`); its `<base>/bridge/<owner>/state` is in the device's Home Assistant
    availability. None with one instance."""

    camera: Camera
    capabilities: Capabilities
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceRemoved:
    camera: Camera
    capabilities: Capabilities | None


@dataclass(frozen=True, slots=True)
class CommandRequested:
    """A face (MQTT, REST, WebSocket) asks for a command: the dispatcher of the instance that
    runs `camera_id` executes it and answers with a `CommandCompleted` of the same `request_id`
    (`bridge.bus.commands`)."""

    request_id: str
    """Unique per request (not the client's `transaction`, which clients reuse)."""
    camera_id: str
    command: Command
    source: str
    who: str | None = None


@dataclass(frozen=True, slots=True)
class CommandCompleted:
    """A command's result: the audit trail (the store keeps it) and the answer to the
    `CommandRequested` of `request_id` (None: dispatched directly, nobody waits)."""

    camera_id: str
    command: dict[str, object]
    source: str
    result: CommandResult
    who: str | None = None
    request_id: str | None = None
    repeat: bool = False
    """An earlier command's result given again to a repeat (`bridge.pipeline.dedupe`): it
    answers the request and is not audited a second time."""


@dataclass(frozen=True, slots=True)
class StillActive:
    """A camera view's poll at `at` found detections still active (its events still open).

    Sent at most every `polling.active_heartbeat_interval` seconds per view while a detection
    lasts, and once more when the camera stops: the store keeps the latest, which is where a
    restart after a crash ends the events it left open.
    """

    camera_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SnapshotTaken:
    camera_id: str
    jpeg: bytes
    event_id: str | None = None
    path: str | None = None
    """Where the media dir keeps it (`bridge.domain.media_paths`); None: not kept on disk."""
    event_only: bool = False
    """Kept for its event only (a doorbell press): not the camera's latest picture on MQTT, so
    Home Assistant's `image` entity (and its logbook) does not change with every press."""


@dataclass(frozen=True, slots=True)
class PushChanged:
    """A device's Baichuan push changed state (`PushLink.status()`, as `push` of its REST status):
    the MQTT face lists it in `reolink/bridge/cameras`. Sent on state transitions only."""

    camera_id: str
    push: dict[str, Any]


BusMessage = (
    StateChanged
    | EventRaised
    | AvailabilityChanged
    | DeviceAdded
    | DeviceReady
    | DeviceRemoved
    | CommandRequested
    | CommandCompleted
    | StillActive
    | SnapshotTaken
    | PushChanged
)
Handler = Callable[[BusMessage], Awaitable[None]]


class Journal(Protocol):
    def record(self, message: BusMessage) -> None:
        """Called by `InProcessBus.publish` before any subscriber sees `message`: keep what must
        survive the process (synchronously; must not raise)."""


class Subscription(Protocol):
    owner: str

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, message: BusMessage) -> None: ...

    def subscribe(
        self, owner: str, handler: Handler, *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> Subscription: ...

    async def drain(self) -> None:
        """Wait until what was published so far has been handled (callers bound the wait)."""

    async def aclose(self) -> None: ...
