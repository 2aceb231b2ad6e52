"""The publishing side of the Redis Streams bus: a bounded local outbox drained into the stream.

`publish()` only appends to a deque and wakes the drain task, so it never blocks the caller and
never fails. The drain task sends batches with one pipelined `XADD … MAXLEN ~` each. While Redis
is away the outbox keeps up to `size` messages; beyond that the oldest is dropped, counted and
warned about (rate-limited), as the in-process bus does for a slow subscriber. A batch whose
send failed is put back in front, so order is kept; a send cut off half-way may add its first
entries twice (at-least-once).

Setup steps (creating a consumer group, noting where a broadcast reader starts) go through the
same task, ahead of every message published after them: a subscriber sees at least everything
published after `subscribe()` returned, even while Redis is still away.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from bridge.backoff import Backoff
from bridge.bus._common import (
    _LOGGER,
    FIELD_BLOB,
    FIELD_INLINE,
    UNREACHABLE,
    OutageLog,
    StreamConfig,
)
from bridge.bus.codec import encode
from bridge.bus.messages import BusMessage

_WARN_EVERY = 10.0

SetupStep = Callable[[], Awaitable[Any]]


class Outbox:
    def __init__(self, redis: aioredis.Redis, config: StreamConfig, size: int) -> None:
        self._redis = redis
        self._config = config
        self.size = size
        self._queue: deque[BusMessage] = deque()
        self._setup: deque[tuple[SetupStep, asyncio.Future[Any]]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._outage = OutageLog("bus outbox")
        self._last_warning = 0.0
        self.published = 0
        self.sent = 0
        self.dropped = 0
        self.unencodable = 0
        self.last_id: bytes | None = None
        """The id of the last entry this outbox added to the stream."""

    # -- called from the event loop's thread, never blocking -------------------------------

    def put(self, message: BusMessage) -> None:
        self.published += 1
        if len(self._queue) >= self.size:
            self._queue.popleft()
            self._dropped(1)
        self._queue.append(message)
        self._poke()

    def setup(self, step: SetupStep) -> asyncio.Future[Any]:
        """Run `step` in order with the messages: after those queued now, before later ones."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._setup.append((step, future))
        self._poke()
        return future

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()
        self._ensure_task()

    def _ensure_task(self) -> None:
        if self._task is None:
            with contextlib.suppress(RuntimeError):  # no running loop yet: started later
                self._task = asyncio.get_running_loop().create_task(
                    self._run(), name="bus:redis-outbox"
                )

    def _dropped(self, count: int) -> None:
        self.dropped += count
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY:
            self._last_warning = now
            _LOGGER.warning(
                "bus outbox full (%d messages, Redis away or slow): dropped %d oldest so far",
                self.size,
                self.dropped,
            )

    @property
    def queued(self) -> int:
        return len(self._queue)

    async def flushed(self) -> None:
        """Wait until everything put so far is in the stream (or dropped)."""
        self._ensure_task()
        await self._idle.wait()

    # -- the drain task ----------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = Backoff(self._config.reconnect_initial, self._config.reconnect_max)
        while True:
            if not self._queue and not self._setup:
                self._idle.set()
                await self._wake.wait()
                self._wake.clear()
                continue
            try:
                await self._step()
            except UNREACHABLE as err:
                self._outage.failed(err)
                await asyncio.sleep(backoff.next_delay())
                continue
            except Exception:
                _LOGGER.exception("bus outbox: Redis refused a batch; retrying")
                await asyncio.sleep(backoff.next_delay())
                continue
            self._outage.recovered()
            backoff.reset()

    async def _step(self) -> None:
        while self._setup:
            step, future = self._setup[0]
            try:
                result = await step()
            except UNREACHABLE:
                raise
            except Exception as err:  # a setup step that can never succeed
                self._setup.popleft()
                if not future.done():
                    future.set_exception(err)
                continue
            self._setup.popleft()
            if not future.done():
                future.set_result(result)
        count = min(self._config.batch, len(self._queue))
        batch = [self._queue.popleft() for _ in range(count)]
        try:
            await self._send(batch)
        except BaseException:
            self._queue.extendleft(reversed(batch))
            excess = len(self._queue) - self.size
            if excess > 0:
                for _ in range(excess):
                    self._queue.popleft()
                self._dropped(excess)
            raise

    async def _send(self, batch: list[BusMessage]) -> None:
        config = self._config
        async with self._redis.pipeline(transaction=False) as pipe:
            added = 0
            for message in batch:
                try:
                    data = encode(message)
                except Exception:
                    self.unencodable += 1
                    _LOGGER.exception("bus: cannot encode %s; dropped", type(message).__name__)
                    continue
                if len(data) > config.inline_limit:
                    key = f"{config.blob_prefix}{uuid.uuid4().hex}"
                    pipe.set(key, data, px=max(1, round(config.blob_ttl * 1000)))
                    fields: dict[Any, Any] = {FIELD_BLOB: key}
                else:
                    fields = {FIELD_INLINE: data}
                pipe.xadd(config.stream, fields, maxlen=config.maxlen, approximate=True)
                added += 1
            if not added:
                return
            results = await pipe.execute()
        ids = [r for r in results if isinstance(r, bytes)]
        if ids:
            self.last_id = ids[-1]
        self.sent += added

    async def aclose(self, grace: float) -> None:
        """Send what is queued if Redis answers within `grace` seconds, then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self.flushed()
        if self._queue:
            _LOGGER.warning("bus outbox closed with %d unsent message(s)", len(self._queue))
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        for _, future in self._setup:
            future.cancel()
