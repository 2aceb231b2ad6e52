"""The live hub: bus messages out to every WebSocket and SSE client, as the MQTT messages.

One bus subscription (`LIVE_OWNER`) for the whole process. Each bus message becomes the MQTT
messages `bridge.topics.mapping.live_messages` gives, encoded once as a JSON text frame
`{"topic": …, "payload": …}` and offered to every client (or every client of one camera).
Raw-byte payloads (the snapshot JPEG) are not sent; `GET /cameras/{id}/snapshot` serves them.

Overflow policy: each client has a bounded frame queue (`server.live_queue_size`). A client that
falls that far behind is closed (WebSocket code 1013 "try again later", or the end of the SSE
stream) and counted: it reconnects and gets the retained states again, so it never sees a gap it
does not know about. Offering never blocks, so one stuck client cannot delay the others.

A client whose token is revoked in this process is closed at once (`end_sessions`, reason
'unauthorized'); `bridge.api.sessions` re-checks the token of every client over time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from bridge.bus.messages import Bus, BusMessage, SnapshotTaken, Subscription
from bridge.cache.base import StateCache
from bridge.media.links import MediaLinks
from bridge.topics.mapping import Payload, live_messages
from bridge.topics.tree import Topics

_LOGGER = logging.getLogger(__name__)

LIVE_OWNER = "api"
"""The hub's bus owner. On the Redis Streams bus it must be a broadcast kind: every API process
serves its own clients and needs every message."""

HUB_QUEUE_SIZE = 10_000
"""The hub's own bus queue: it only encodes and fans out, so it is never far behind."""

EVENT_SNAPSHOTS_BYTES = 32 * 1024 * 1024
"""Event snapshots kept in memory for `GET /events/{id}/snapshot` (newest first, ~100-300 JPEGs);
older ones are served from the file the store names, when it names one."""


def encode_frame(topic: str, payload: Payload) -> str:
    return json.dumps(
        {"topic": topic, "payload": payload}, separators=(",", ":"), ensure_ascii=False
    )


@dataclass(frozen=True, slots=True)
class Frame:
    text: str
    camera_id: str | None
    """The camera the frame is about; None for bridge-wide frames (`<base>/bridge/…`)."""


@dataclass(eq=False)
class LiveClient:
    """One WebSocket or SSE connection: a bounded queue of encoded frames."""

    kind: str
    camera_id: str | None
    maxsize: int
    token_id: str | None = None
    """The API token the client authenticated with (None for a login JWT)."""
    frames: deque[str] = field(default_factory=deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: str | None = None
    """Why the client must stop: 'overflow', 'disconnected', 'shutdown', 'unauthorized' (the
    token was revoked or expired: `detail` says which); None while open."""
    detail: str | None = None
    sent: int = 0

    def wants(self, frame: Frame) -> bool:
        return self.camera_id is None or frame.camera_id == self.camera_id

    def offer(self, text: str) -> bool:
        """Queue one frame; False (and the client is closed) when it is too far behind."""
        if self.closed is not None:
            return False
        if len(self.frames) >= self.maxsize:
            self.close("overflow")
            return False
        self.frames.append(text)
        self.ready.set()
        return True

    def close(self, reason: str, detail: str | None = None) -> None:
        if self.closed is None:
            self.closed = reason
            self.detail = detail
        self.ready.set()

    async def next_batch(self, wait: float | None = None) -> list[str]:
        """Wait for frames (up to `wait` s) and take them all; [] on timeout or close."""
        if not self.frames and self.closed is None:
            try:
                async with asyncio.timeout(wait):
                    await self.ready.wait()
            except TimeoutError:
                return []
        self.ready.clear()
        if self.closed is not None:
            return []
        batch = list(self.frames)
        self.frames.clear()
        return batch


class LiveHub:
    def __init__(
        self,
        bus: Bus,
        cache: StateCache,
        topics: Topics,
        *,
        queue_size: int,
        links: MediaLinks | None = None,
    ) -> None:
        self.bus = bus
        self.cache = cache
        self.topics = topics
        self.links = links
        self.queue_size = queue_size
        self._clients: set[LiveClient] = set()
        self._subscription: Subscription | None = None
        self._snapshots: OrderedDict[str, bytes] = OrderedDict()
        self._snapshot_bytes = 0
        # counters (exported on /metrics)
        self.messages = 0
        self.frames_offered = 0
        self.dropped_clients = 0
        self.connections = 0
        self.last_fanout_seconds = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._subscription is None:
            self._subscription = self.bus.subscribe(
                LIVE_OWNER, self._on_bus, maxsize=HUB_QUEUE_SIZE
            )

    def close_clients(self) -> None:
        for client in list(self._clients):
            client.close("shutdown")

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self.close_clients()

    # -- clients -----------------------------------------------------------------------------

    def connect(
        self, kind: str, camera_id: str | None = None, *, token_id: str | None = None
    ) -> LiveClient:
        client = LiveClient(kind, camera_id, self.queue_size, token_id)
        self._clients.add(client)
        self.connections += 1
        return client

    def disconnect(self, client: LiveClient) -> None:
        client.close("disconnected")
        self._clients.discard(client)

    def end_sessions(self, token_id: str, detail: str = "the token has been revoked") -> None:
        """Close every client of a token revoked in this process, at once."""
        for client in list(self._clients):
            if client.token_id == token_id:
                client.close("unauthorized", detail)

    def clients(self, kind: str | None = None) -> int:
        return sum(1 for c in self._clients if kind is None or c.kind == kind)

    async def retained(self, camera_id: str | None = None) -> list[str]:
        """The retained MQTT messages a new client starts with: availability, then states."""
        availability = await self.cache.all_availability()
        states = await self.cache.all_states()
        frames: list[str] = []
        for cid, online in sorted(availability.items()):
            if camera_id is None or cid == camera_id:
                status = "online" if online else "offline"
                frames.append(encode_frame(self.topics.availability(cid), status))
        for cid, state in sorted(states.items()):
            if camera_id is None or cid == camera_id:
                frames.append(encode_frame(self.topics.state(cid), state.payload()))
        return frames

    # -- fan-out -----------------------------------------------------------------------------

    def frames(self, message: BusMessage) -> list[Frame]:
        out: list[Frame] = []
        for outgoing in live_messages(message, self.topics, self.links):
            if isinstance(outgoing.payload, bytes):
                continue
            camera_id = (
                None
                if outgoing.topic.startswith(f"{self.topics.base}/bridge/")
                else (_camera_of(outgoing.topic, self.topics.base))
            )
            out.append(Frame(encode_frame(outgoing.topic, outgoing.payload), camera_id))
        return out

    def broadcast(self, frame: Frame) -> None:
        for client in list(self._clients):
            if client.wants(frame):
                self.frames_offered += 1
                if not client.offer(frame.text) and client.closed == "overflow":
                    self._dropped(client)

    def _dropped(self, client: LiveClient) -> None:
        if client in self._clients:
            self._clients.discard(client)
            self.dropped_clients += 1
            _LOGGER.warning(
                "live %s client too slow (%d frames behind): disconnected",
                client.kind,
                len(client.frames),
            )
            client.frames.clear()

    # -- event snapshots ---------------------------------------------------------------------

    def keep_snapshot(self, event_id: str, jpeg: bytes) -> None:
        old = self._snapshots.pop(event_id, None)
        if old is not None:
            self._snapshot_bytes -= len(old)
        self._snapshots[event_id] = jpeg
        self._snapshot_bytes += len(jpeg)
        while self._snapshot_bytes > EVENT_SNAPSHOTS_BYTES and self._snapshots:
            _, dropped = self._snapshots.popitem(last=False)
            self._snapshot_bytes -= len(dropped)

    def snapshot(self, event_id: str) -> bytes | None:
        return self._snapshots.get(event_id)

    def has_snapshot(self, event_id: str) -> bool:
        return event_id in self._snapshots

    async def _on_bus(self, message: BusMessage) -> None:
        if isinstance(message, SnapshotTaken) and message.event_id is not None:
            self.keep_snapshot(message.event_id, message.jpeg)
        frames = self.frames(message)
        if not frames:
            return
        self.messages += 1
        start = time.perf_counter()
        for frame in frames:
            self.broadcast(frame)
        self.last_fanout_seconds = time.perf_counter() - start

    def stats(self) -> dict[str, Any]:
        return {
            "clients_ws": self.clients("ws"),
            "clients_sse": self.clients("sse"),
            "connections": self.connections,
            "messages": self.messages,
            "frames_offered": self.frames_offered,
            "dropped_clients": self.dropped_clients,
        }


def _camera_of(topic: str, base: str) -> str | None:
    rest = topic[len(base) + 1 :] if topic.startswith(base + "/") else ""
    return rest.split("/", 1)[0] or None
