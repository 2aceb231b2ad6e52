"""The in-process bus: one bounded queue and one worker task per subscriber.

A slow or failing consumer never delays the producer or another consumer: a handler that raises is
logged with its owner and counted, and a full queue drops its oldest message with a counted,
rate-limited warning. A `Journal` attached to it sees every message inside `publish()`, before any
subscriber can: the event writer uses it to put events on disk before MQTT can announce them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from bridge.bus.messages import DEFAULT_QUEUE_SIZE, BusMessage, Handler, Journal

_LOGGER = logging.getLogger(__name__)

_WARN_EVERY = 10.0


@dataclass(eq=False)
class _Subscriber:
    owner: str
    handler: Handler
    queue: asyncio.Queue[BusMessage]
    bus: InProcessBus
    task: asyncio.Task[None] | None = None
    dropped: int = 0
    failures: int = 0
    _last_warning: float = field(default=0.0)

    def offer(self, message: BusMessage) -> None:
        while True:
            try:
                self.queue.put_nowait(message)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()
                self.queue.task_done()
                self.dropped += 1
                now = time.monotonic()
                if now - self._last_warning >= _WARN_EVERY:
                    self._last_warning = now
                    _LOGGER.warning(
                        "bus subscriber %s is too slow: dropped %d message(s) so far",
                        self.owner,
                        self.dropped,
                    )

    async def run(self) -> None:
        while True:
            message = await self.queue.get()
            try:
                await self.handler(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                _LOGGER.exception(
                    "bus subscriber %s failed on %s", self.owner, type(message).__name__
                )
            finally:
                self.queue.task_done()

    def close(self) -> None:
        self.bus._remove(self)
        if self.task is not None:
            self.task.cancel()


class InProcessBus:
    """The default bus: fan-out to bounded per-subscriber queues in this process."""

    def __init__(self) -> None:
        self._subscribers: list[_Subscriber] = []
        self.published = 0
        self.journal: Journal | None = None

    def publish(self, message: BusMessage) -> None:
        self.published += 1
        if self.journal is not None:
            try:
                self.journal.record(message)
            except Exception:  # the journal's own bug: the subscribers still get the message
                _LOGGER.exception("bus journal failed on %s", type(message).__name__)
        for subscriber in self._subscribers:
            subscriber.offer(message)

    def subscribe(
        self, owner: str, handler: Handler, *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> _Subscriber:
        subscriber = _Subscriber(owner, handler, asyncio.Queue(maxsize), self)
        subscriber.task = asyncio.get_running_loop().create_task(
            subscriber.run(), name=f"bus:{owner}"
        )
        self._subscribers.append(subscriber)
        return subscriber

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            s.owner: {"queued": s.queue.qsize(), "dropped": s.dropped, "failures": s.failures}
            for s in self._subscribers
        }

    async def drain(self) -> None:
        """Wait until every subscriber has handled what was published so far."""
        for subscriber in list(self._subscribers):
            await subscriber.queue.join()

    def _remove(self, subscriber: _Subscriber) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(subscriber)

    async def aclose(self) -> None:
        subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            if subscriber.task is not None:
                subscriber.task.cancel()
        for subscriber in subscribers:
            if subscriber.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await subscriber.task
