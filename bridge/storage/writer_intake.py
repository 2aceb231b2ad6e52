"""The event writer's bus side: how records reach it (the in-process bus's journal, a bus
subscription with write-ahead, or the bounded memory queue) and how the worker takes them in
batches.
"""

from __future__ import annotations

import asyncio
import logging

from bridge.bus.messages import BusMessage
from bridge.storage.records import Item, from_message, to_spool
from bridge.storage.spool import SpoolError
from bridge.storage.writer_state import WriterBase

# Every part of the writer logs under the writer's one name (`bridge.storage.writer`).
_LOGGER = logging.getLogger("bridge.storage.writer")


class WriterIntake(WriterBase):
    """Records in: the bus hands them over, the worker collects them in batches."""

    def record(self, message: BusMessage) -> None:
        """The in-process bus's journal: called inside `publish()`, before any subscriber sees
        the message. Appends to the spool at once; only while something waits in memory (the
        spool failed) does the record queue there too, behind it (order), bounded."""
        item = from_message(message)
        if item is None:
            return
        self.received += 1
        self._idle.clear()
        self._signal.set()
        if not (self._items or self._held or self._inflight is not None):
            try:
                seq = self.spool.append_nowait([to_spool(item)])
            except SpoolError as err:
                self.spool_errors += 1
                self._warn(f"event writer: cannot write ahead to the spool: {err}", error=True)
            else:
                self.spooled += 1
                if len(self._journaled) < self.queue_size:
                    self._journaled.append((seq, item))
                return
        if len(self._items) >= self.queue_size:
            self._items.popleft()
            self.dropped += 1
            self._warn(
                f"event writer: the spool fails and the memory queue is full; dropped the "
                f"oldest record ({self.dropped} so far)",
                error=True,
            )
        self._items.append(item)

    async def _on_message(self, message: BusMessage) -> None:
        if not self._accepting:
            # stopping: a bus that redelivers keeps the message for another consumer or the
            # next start instead of acknowledging what nobody will write
            raise RuntimeError("the event writer is stopping")
        item = from_message(message)
        if item is None:
            return
        if self.write_ahead and await self._write_ahead(item):
            return
        await self._enqueue(item)

    async def _write_ahead(self, item: Item) -> bool:
        """Append to the spool before the bus acknowledges the message. False when the item
        must go through the memory queue instead: something is queued in memory ahead of it
        (order), or the spool cannot be written (then memory is better than nothing)."""
        if self._items or self._held or self._inflight is not None or self.spool.closed:
            return False
        try:
            await self.spool.append([to_spool(item)])
        except SpoolError as err:
            self.spool_errors += 1
            self._warn(f"event writer: cannot write ahead to the spool: {err}", error=True)
            return False
        self.received += 1
        self.spooled += 1
        self._idle.clear()
        self._signal.set()
        return True

    async def _enqueue(self, item: Item) -> None:
        while len(self._items) >= self.queue_size:
            self._not_full.clear()
            await self._not_full.wait()
        self._items.append(item)
        self.received += 1
        self._idle.clear()
        if len(self._items) == 1 or len(self._items) >= self.batch_size:
            self._signal.set()

    def _take(self) -> list[Item]:
        count = min(self.batch_size, len(self._items))
        batch = [self._items.popleft() for _ in range(count)]
        if len(self._items) < self.queue_size:
            self._not_full.set()
        return batch

    async def _wait_signal(self, until: float | None) -> bool:
        """Wait for the signal until the loop time `until` (None: forever). False on timeout."""
        loop = asyncio.get_running_loop()
        if until is not None and until <= loop.time():
            return False
        try:
            async with asyncio.timeout_at(until):
                await self._signal.wait()
        except TimeoutError:
            return False
        return True

    async def _collect(self, until: float | None, *, or_spool: bool = False) -> list[Item]:
        """The next batch: waits for a first item (until `until`, or until the spool has
        records with `or_spool`), then up to `max_delay` for more."""
        loop = asyncio.get_running_loop()
        while not self._items:
            self._signal.clear()
            if self._urgent or self._stopping_at is not None:
                return []
            if or_spool and self.spool.pending:
                return []
            if not await self._wait_signal(until):
                return []
        close_at = loop.time() + self.max_delay
        while len(self._items) < self.batch_size and not self._urgent:
            self._signal.clear()
            if self._stopping_at is not None or not await self._wait_signal(close_at):
                break
        return self._take()
