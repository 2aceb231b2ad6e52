"""`ApiContext`: the units the API works with, built by the composition root (`bridge.app`).

The API never builds a unit of its own beyond what only it uses (the live hub, the
authenticator, the rate limiters, the metrics registry: see `create_app`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bridge.bus.commands import CommandClient
from bridge.bus.messages import Bus
from bridge.cache.base import StateCache
from bridge.config import Settings
from bridge.media.recordings import RecordingsMedia
from bridge.media.service import StreamService
from bridge.pipeline.manager import CameraManager
from bridge.pipeline.snapshots import Snapshots
from bridge.registry import CameraRegistry
from bridge.requests import BridgeRequests
from bridge.store import Store
from bridge.topics.tree import Topics

StatsSource = Callable[[], Mapping[str, Any]]


class MqttStatus(Protocol):
    """What the API reads of the MQTT connection (`bridge.mqtt.connection.MqttConnection`)."""

    @property
    def connected(self) -> bool: ...

    @property
    def dropped_messages(self) -> int: ...


@dataclass
class ApiContext:
    settings: Settings
    store: Store
    bus: Bus
    cache: StateCache
    manager: CameraManager
    registry: CameraRegistry
    commands: CommandClient
    """Commands go over the bus to the instance that runs the camera, never to a dispatcher."""
    requests: BridgeRequests
    snapshots: Snapshots
    topics: Topics
    installation_id: str = ""
    """`Store.installation_id`: the same on every instance sharing the database."""
    mqtt: MqttStatus | None = None
    """None when MQTT is turned off (`mqtt.enabled: false`); then `/ready` does not ask for it."""
    streams: StreamService | None = None
    """Live video (`bridge.media`); None when the API runs without it: the stream routes 503."""
    media: RecordingsMedia | None = None
    """Event media and recordings (`bridge.media.recordings`); None: those routes 503."""
    instances: Callable[[], Awaitable[dict[str, Any]]] | None = None
    """What `GET /bridge/instances` reports (`bridge.pipeline.instances`); None: 503."""
    instance: str = ""
    """This instance's name (`bridge.pipeline.instances.instance_name`)."""
    stats: dict[str, StatsSource] = field(default_factory=dict)
    """Counters exported on `/metrics` as `reolink_component_stat{component, stat}`: e.g.
    `{"writer": writer.stats, "bus": bus.stats}` (numbers only; others are skipped)."""
