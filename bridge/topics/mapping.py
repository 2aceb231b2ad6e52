"""Bus message → the MQTT messages that carry it: the one mapping MQTT and WebSocket/SSE share.

Discovery and the bridge's own retained topics (`bridge/info`, `bridge/cameras`) are not here:
they are MQTT's business. Everything a live client sees is, so that a WebSocket frame
`{"topic", "payload"}` is byte for byte the MQTT message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.bus.messages import (
    AvailabilityChanged,
    BusMessage,
    DeviceAdded,
    DeviceReady,
    DeviceRemoved,
    EventRaised,
    SnapshotTaken,
    StateChanged,
)
from bridge.domain.capabilities import Capabilities
from bridge.domain.entities import describe
from bridge.domain.views import CameraView, camera_views
from bridge.media.links import MediaLinks
from bridge.topics.tree import Topics

Payload = str | bytes | dict[str, Any] | list[Any] | None
"""What an MQTT message carries: text, raw bytes, JSON (dict/list), or None (empty)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    payload: Payload
    retain: bool = False


def live_messages(
    message: BusMessage, topics: Topics, links: MediaLinks | None = None
) -> list[Outgoing]:
    """`links`: events carry `snapshot_url`/`clip_url` and a kept snapshot's URL goes to
    `<base>/<camera>/snapshot/url` (its raw JPEG only when `links.jpeg_topic`; a picture taken on
    command, which is not kept, as raw JPEG); without it, the plain event and the raw JPEG."""
    if isinstance(message, StateChanged):
        state = message.state
        return [Outgoing(topics.state(state.camera_id), state.payload(), retain=True)]
    if isinstance(message, AvailabilityChanged):
        status = "online" if message.online else "offline"
        return [
            Outgoing(topics.availability(message.camera_id), status, retain=True),
            Outgoing(
                topics.bridge_event,
                {"type": f"camera_{status}", "data": {"id": message.camera_id}},
            ),
        ]
    if isinstance(message, EventRaised):
        event = message.event
        payload = event.payload() if links is None else links.event_payload(event)
        return [Outgoing(topics.event(event.camera_id), payload)]
    if isinstance(message, DeviceAdded):
        data = message.camera.public_dict()
        return [Outgoing(topics.bridge_event, {"type": "camera_added", "data": data})]
    if isinstance(message, DeviceReady):
        return [
            Outgoing(
                topics.entities(view.camera_id),
                entities_payload(view, message.capabilities),
                retain=True,
            )
            for view in camera_views(message.camera, message.capabilities)
        ]
    if isinstance(message, DeviceRemoved):
        data = {"id": message.camera.id}
        return [Outgoing(topics.bridge_event, {"type": "camera_removed", "data": data})]
    if isinstance(message, SnapshotTaken):
        if message.event_only:  # its event's payload links it; the camera's picture stays
            return []
        if links is None:
            return [Outgoing(topics.snapshot(message.camera_id), message.jpeg, retain=True)]
        out = []
        if message.path is not None:
            url = links.file_url(message.path)
            out.append(Outgoing(topics.snapshot_url(message.camera_id), url, retain=True))
        if links.jpeg_topic or message.path is None:  # one taken on command has no file
            out.append(Outgoing(topics.snapshot(message.camera_id), message.jpeg, retain=True))
        return out
    return []


def entities_payload(view: CameraView, capabilities: Capabilities | None) -> dict[str, Any]:
    """`reolink/<camera_id>/entities` and `GET /cameras/{id}/entities`: one shape for both."""
    return {
        "camera_id": view.camera_id,
        "entities": [
            e.model_dump(mode="json", exclude_none=True) for e in describe(view, capabilities)
        ],
    }
