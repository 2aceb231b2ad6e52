"""The outbox between `MqttConnection.publish()` (synchronous) and the broker.

Policy, in one place:

- **Retained messages are states**: one per topic is kept, the latest wins. A newer state for a
  topic supersedes the queued one and moves to the back, so per-topic order is kept.
- **Non-retained messages** (events, responses) stay in FIFO order, at most `max_messages` of them.
  Past the bound the *oldest* is dropped; `put` returns how many it dropped so the caller can count
  and warn.
- **In flight**: `take` moves a message out of the queue into the in-flight set; `done` forgets it
  once the broker has acknowledged it. When the connection drops, `requeue_inflight` puts every
  unacknowledged message back at the head, in its original order — except a state that a newer one
  for the same topic has superseded in the meantime, and a message that has been in flight on
  `max_attempts` broken connections (a poison message must not stall the queue forever).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field


@dataclass(slots=True, eq=False)
class OutgoingMessage:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    seq: int = 0
    attempts: int = field(default=0, compare=False)


class Outbox:
    """Bounded, coalescing FIFO. Call it from the event loop's thread only."""

    def __init__(self, max_messages: int) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self.max_messages = max_messages
        # Keys: the seq (int) of a non-retained message, or ("retained", topic) for a state.
        self._queue: OrderedDict[int | tuple[str, str], OutgoingMessage] = OrderedDict()
        self._transient: deque[int] = deque()  # seqs of queued non-retained messages, in order
        self._inflight: dict[int, OutgoingMessage] = {}
        self._latest_state: dict[str, int] = {}  # topic -> seq of the newest retained publish
        self._seq = itertools.count(1)
        self._ready = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()

    def __len__(self) -> int:
        """Messages waiting to be sent (not counting those in flight)."""
        return len(self._queue)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    def put(self, message: OutgoingMessage) -> list[OutgoingMessage]:
        """Queue a message; return the non-retained messages dropped to stay within the bound."""
        message.seq = next(self._seq)
        if message.retain:
            key = ("retained", message.topic)
            self._queue.pop(key, None)
            self._queue[key] = message
            self._latest_state[message.topic] = message.seq
        else:
            self._queue[message.seq] = message
            self._transient.append(message.seq)
        self._ready.set()
        self._drained.clear()
        return self._enforce_bound()

    async def take(self) -> OutgoingMessage:
        """Wait for the next message and move it in flight."""
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        _, message = self._queue.popitem(last=False)
        if not message.retain:
            self._transient.popleft()
        self._inflight[message.seq] = message
        return message

    def done(self, message: OutgoingMessage) -> None:
        """The broker has the message (PUBACK for QoS 1)."""
        self._inflight.pop(message.seq, None)
        self._check_drained()

    def requeue_inflight(self, max_attempts: int) -> tuple[int, list[OutgoingMessage]]:
        """Put unacknowledged messages back at the head, oldest first.

        Returns how many went back and the messages given up on: non-retained ones dropped for
        the bound or after `max_attempts`, and retained ones after `max_attempts`. Superseded
        states are forgotten silently (the newer one is queued or already sent).
        """
        pending = sorted(self._inflight.values(), key=lambda m: m.seq, reverse=True)
        self._inflight.clear()
        given_up: list[OutgoingMessage] = []
        requeued = 0
        for message in pending:
            message.attempts += 1
            if message.retain and self._latest_state.get(message.topic) != message.seq:
                continue
            if message.attempts >= max_attempts:
                given_up.append(message)
                continue
            key: int | tuple[str, str]
            if message.retain:
                key = ("retained", message.topic)
            else:
                key = message.seq
                self._transient.appendleft(message.seq)
            self._queue[key] = message
            self._queue.move_to_end(key, last=False)
            requeued += 1
        if self._queue:
            self._ready.set()
        given_up.extend(self._enforce_bound())
        self._check_drained()
        return requeued, given_up

    async def wait_drained(self) -> None:
        """Until nothing is queued or in flight."""
        await self._drained.wait()

    def _enforce_bound(self) -> list[OutgoingMessage]:
        dropped = []
        while len(self._transient) > self.max_messages:
            dropped.append(self._queue.pop(self._transient.popleft()))
        return dropped

    def _check_drained(self) -> None:
        if not self._queue and not self._inflight:
            self._drained.set()
        else:
            self._drained.clear()
