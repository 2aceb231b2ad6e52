"""`RedisStreamsBus`: the `Bus` on one Redis stream, shared by every bridge process.

    bus = RedisStreamsBus("redis://127.0.0.1:6379/0", "reolink")
    sub = bus.subscribe("store", handler)   # a consumer kind: one consumer group
    bus.publish(EventRaised(event))         # never blocks; a local bounded outbox
    await bus.drain()                       # outbox flushed, this process's consumers idle
    await bus.aclose()

Semantics (the contract suite in tests/bus/ holds for both buses; what differs is here):

- **Owners are consumer kinds.** `subscribe(owner, handler)` joins the consumer group named
  `owner` as this process's consumer (`consumer_name`, default host-pid-random). Different
  kinds each get every message (fan-out); processes of one kind share the work (each entry
  goes to one of them). Kinds listed in `broadcast` are read by every process instead, with
  no group (`XREAD`), for per-process consumers such as a WebSocket hub.
- **Where a new group starts.** At the entries published after `subscribe()` (`$`), except the
  kinds in `replay` (default: `store`), whose group, when first created, starts at the oldest
  entry kept (`0`): an event writer must not miss what was published before it first ran. A
  group Redis lost (restart without persistence) is recreated at `0`.
- **At-least-once.** An entry is acknowledged only after its handler returned. A handler that
  raises gets the entry again after `claim_idle` seconds, up to `max_deliveries` times; then
  it is poison: acknowledged unhandled, logged, counted and copied to `<prefix>:bus:dead`. A
  consumer that dies (SIGKILL) holds its unacknowledged entries until another consumer of
  the kind reclaims them (`XAUTOCLAIM`, `claim_idle`). Handlers must therefore be idempotent:
  the event writer's writes are keyed by `event_id`, the cache's by camera and `updated_at`.
  Order is per publisher, except for an entry delivered again.
- **Bounds.** The outbox keeps `outbox_size` messages while Redis is away (oldest dropped,
  counted, warned); the stream keeps about `maxlen` entries (`XADD MAXLEN ~`), so a kind that
  falls further behind loses the oldest (warned, and counted as `dropped`: a lower bound, see
  `GroupConsumer._count_trimmed`). A message encoded larger
  than `inline_limit` (a snapshot) is stored beside the stream for `blob_ttl` seconds and the
  entry names it, so the stream's memory stays about `maxlen` × a small message.
- **Redis away.** Publishing keeps buffering; consumers and the outbox retry with jittered
  backoff (`reconnect_initial` .. `reconnect_max`); nothing raises into the bridge.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Collection
from typing import Any

from redis.exceptions import ResponseError

from bridge.bus._broadcast import BroadcastConsumer
from bridge.bus._common import UNREACHABLE, StreamConfig, connect
from bridge.bus._group import GroupConsumer
from bridge.bus._outbox import Outbox
from bridge.bus._subscription import RedisSubscription, ensure_group
from bridge.bus.messages import DEFAULT_QUEUE_SIZE, BusMessage, Handler

DEFAULT_MAXLEN = 100_000
"""Stream bound: at ~1 kB an entry about 100 MB of Redis; minutes of slack at hundreds of msg/s."""
DEFAULT_CLAIM_IDLE = 30.0
"""Seconds before an unacknowledged entry is delivered again: longer than any handler should
take (a slow live consumer re-claims what it holds every claim_idle/3 anyway)."""
DEFAULT_MAX_DELIVERIES = 5
DEFAULT_OUTBOX_SIZE = 10_000
"""As the in-process bus's per-subscriber queue: seconds of a large fleet's messages."""
DEFAULT_BLOCK = 2.0
"""Seconds one blocking read waits (also how soon a closed subscription notices)."""
DEFAULT_BATCH = 100
"""Entries per read and per pipelined XADD."""
DEFAULT_INLINE_LIMIT = 64 * 1024
"""Encoded messages above this (snapshots) are stored beside the stream, not in it."""
DEFAULT_BLOB_TTL = 3600.0
DEFAULT_CONSUMER_EXPIRY = 3600.0
"""A consumer with nothing pending, unseen this long, is deleted from its group."""
DEFAULT_REPLAY: frozenset[str] = frozenset({"store"})

_DRAIN_POLL = 0.01


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class RedisStreamsBus:
    """The `Bus` over Redis Streams; see the module docstring for its semantics."""

    def __init__(
        self,
        url: str,
        key_prefix: str = "reolink",
        *,
        maxlen: int = DEFAULT_MAXLEN,
        consumer_name: str | None = None,
        claim_idle: float = DEFAULT_CLAIM_IDLE,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        outbox_size: int = DEFAULT_OUTBOX_SIZE,
        replay: Collection[str] = DEFAULT_REPLAY,
        broadcast: Collection[str] = (),
        block: float = DEFAULT_BLOCK,
        batch: int = DEFAULT_BATCH,
        inline_limit: int = DEFAULT_INLINE_LIMIT,
        blob_ttl: float = DEFAULT_BLOB_TTL,
        consumer_expiry: float = DEFAULT_CONSUMER_EXPIRY,
        reconnect_initial: float = 0.2,
        reconnect_max: float = 5.0,
        close_timeout: float = 2.0,
        ack_batch: int = 1,
    ) -> None:
        stream = f"{key_prefix}:bus"
        self.config = StreamConfig(
            stream=stream,
            dead_letters=f"{stream}:dead",
            blob_prefix=f"{stream}:blob:",
            maxlen=maxlen,
            claim_idle=claim_idle,
            max_deliveries=max_deliveries,
            block=block,
            batch=batch,
            inline_limit=inline_limit,
            blob_ttl=blob_ttl,
            consumer_expiry=consumer_expiry,
            reconnect_initial=reconnect_initial,
            reconnect_max=reconnect_max,
            ack_batch=max(1, ack_batch),
        )
        self.consumer_name = consumer_name or default_consumer_name()
        self.replay = frozenset(replay)
        self.broadcast = frozenset(broadcast)
        self.close_timeout = close_timeout
        self._redis = connect(url, block=block)
        self._outbox = Outbox(self._redis, self.config, outbox_size)
        self._subscribers: list[RedisSubscription] = []
        self._closed = False

    @property
    def published(self) -> int:
        return self._outbox.published

    def publish(self, message: BusMessage) -> None:
        """Queue `message` for the stream; returns at once, whatever Redis is doing."""
        if self._closed:
            return
        self._outbox.put(message)

    def subscribe(
        self, owner: str, handler: Handler, *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> RedisSubscription:
        """Consume as kind `owner`. `maxsize` is accepted for the `Bus` protocol; the bounds
        here are the stream's `maxlen` and the read `batch` (entries held at once)."""
        del maxsize
        if self._closed:
            raise RuntimeError("the bus is closed")
        consumer: RedisSubscription
        if owner in self.broadcast:
            ready = self._outbox.setup(self._stream_end)
            consumer = BroadcastConsumer(
                owner, handler, self._redis, self.config, ready, self._remove
            )
        else:
            same_kind = sum(1 for s in self._subscribers if s.owner == owner)
            name = self.consumer_name + (f"/{same_kind + 1}" if same_kind else "")
            start = b"0" if owner in self.replay else b"$"
            ready = self._outbox.setup(lambda: ensure_group(self._redis, self.config, owner, start))
            consumer = GroupConsumer(
                owner, handler, self._redis, self.config, ready, self._remove, consumer=name
            )
        self._subscribers.append(consumer)
        consumer.start()
        return consumer

    async def _stream_end(self) -> bytes:
        """The id a broadcast reader starts after: the newest entry now (or 0-0)."""
        newest = await self._redis.xrevrange(self.config.stream, "+", "-", count=1)
        if not newest:
            return b"0-0"
        entry_id = newest[0][0]
        return entry_id if isinstance(entry_id, bytes) else str(entry_id).encode()

    def _remove(self, consumer: RedisSubscription) -> None:
        if consumer in self._subscribers:
            self._subscribers.remove(consumer)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per owner: queued (held now), handled, failures, poisoned, reclaimed, dropped…"""
        return {s.owner: s.stats() for s in self._subscribers}

    def outbox_stats(self) -> dict[str, int]:
        box = self._outbox
        return {
            "queued": box.queued,
            "published": box.published,
            "sent": box.sent,
            "dropped": box.dropped,
            "unencodable": box.unencodable,
        }

    async def drain(self) -> None:
        """Wait until this process's outbox is in the stream and its consumers have handled
        (or failed, waiting for a retry) everything it published so far. No timeout: wrap it."""
        await self._outbox.flushed()
        target = self._outbox.last_id
        for subscriber in list(self._subscribers):
            while subscriber in self._subscribers:
                try:
                    if await subscriber.settled(target):
                        break
                except (ResponseError, *UNREACHABLE):  # type: ignore[misc]
                    pass
                await asyncio.sleep(_DRAIN_POLL)

    async def aclose(self) -> None:
        """Stop: send the outbox if Redis answers within `close_timeout`, let handlers finish
        the message in hand (same bound), hand unhandled entries back, close the connection."""
        if self._closed:
            return
        self._closed = True
        subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.close()
        await self._outbox.aclose(self.close_timeout)
        await asyncio.gather(*(s.wait_closed(self.close_timeout) for s in subscribers))
        await self._redis.aclose()

    async def __aenter__(self) -> RedisStreamsBus:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
