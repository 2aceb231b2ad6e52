"""Where the event writer's batches go: into the store, or behind the spool while the database
is away (with the outage's backoff and log lines), or held in memory while the spool cannot be
written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from bridge.domain.events import Event
from bridge.storage.records import Item, to_spool
from bridge.storage.spool import SpoolError
from bridge.storage.writer_intake import WriterIntake
from bridge.store import CameraHeartbeat, CommandRecord, StoreUnavailable

# Every part of the writer logs under the writer's one name (`bridge.storage.writer`).
_LOGGER = logging.getLogger("bridge.storage.writer")


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "write timed out"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _transient(err: BaseException) -> bool:
    """Errors that say "not now" rather than "never": they never make a record poison."""
    return isinstance(err, StoreUnavailable | TimeoutError | ConnectionError | OSError)


class WriterBatches(WriterIntake):
    """Batches out: to the store, or to the spool when the store fails."""

    async def _store_write(self, items: Sequence[Item]) -> None:
        """Events first, then commands and heartbeats; the whole call bounded by the write (or
        stop) timeout."""
        events = [item for item in items if isinstance(item, Event)]
        commands = [item for item in items if isinstance(item, CommandRecord)]
        heartbeats = [item for item in items if isinstance(item, CameraHeartbeat)]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.write_timeout
        if self._stopping_at is not None:
            deadline = min(deadline, self._stopping_at)
        async with asyncio.timeout_at(deadline):
            if events:
                self._refused(await self.store.write_events(events))
            if commands:
                await self.store.record_commands(commands)
            if heartbeats:
                await self.store.record_heartbeats(heartbeats)
        self.batches += 1

    def _refused(self, refused: Sequence[Event] | None) -> None:
        """Count the events the store refused (late, from an older owner); say so once per
        owner (lease and generation)."""
        for event in refused or ():
            self.fenced += 1
            owner = (event.fence.lease, event.fence.generation) if event.fence else ("", 0)
            if owner not in self._fenced_owners:
                self._fenced_owners.add(owner)
                _LOGGER.warning(
                    "camera %s: refused a late %s of event %s from a previous owner "
                    "(generation %d; the camera has changed hands since)",
                    event.camera_id,
                    event.phase.value,
                    event.event_id,
                    owner[1],
                )

    async def _write_live(self, batch: list[Item]) -> None:
        if self._past_deadline():  # stopping: no time left for the database
            await self._to_spool(batch)
            return
        self._inflight = batch
        try:
            await self._store_write(batch)
        except Exception as err:
            self.failed += 1
            self._database_down(err)
            await self._to_spool(batch)
        else:
            self.written += len(batch)
        finally:
            self._inflight = None

    async def _to_spool(self, batch: list[Item]) -> None:
        self._inflight = batch
        try:
            await self.spool.append([to_spool(item) for item in batch])
        except SpoolError as err:
            self.spool_errors += 1
            self._warn(f"event writer: cannot spool {len(batch)} record(s): {err}", error=True)
            self._held = batch
            loop = asyncio.get_running_loop()
            self._retry_at = loop.time() + min(5.0, max(0.5, self._backoff.initial))
        else:
            self.spooled += len(batch)
            if self.state == "live":
                self.state = "spooling"
        finally:
            self._inflight = None

    async def _place_held(self) -> bool:
        """The held batch (the spool failed): into the spool, or straight to the store when the
        spool is empty (order allows it). True once placed."""
        loop = asyncio.get_running_loop()
        if self._retry_at > loop.time() and not self._urgent:
            return False
        batch, self._held = self._held, []
        if not self.spool.pending and not self._past_deadline():
            self._inflight = batch
            try:
                await self._store_write(batch)
            except Exception as err:
                self.failed += 1
                self._database_down(err)
            else:
                self.written += len(batch)
                self._database_up()
                return True
            finally:
                self._inflight = None
        await self._to_spool(batch)
        return not self._held

    def _database_down(self, err: BaseException) -> None:
        loop = asyncio.get_running_loop()
        self._last_error = _describe(err)
        # Backoff.attempts grows without bound and factor**attempts overflows after ~1000
        # failures (hours of outage at the cap): keep it where the cap is reached anyway.
        self._backoff.attempts = min(self._backoff.attempts, 64)
        delay = self._backoff.next_delay()
        self._retry_at = loop.time() + delay
        self._outage_replay = True
        if self._down_since is None:
            self._down_since = time.monotonic()
            _LOGGER.warning(
                "event writer: the database failed (%s); spooling to %s and retrying",
                self._last_error,
                self.spool.path,
            )
        else:
            self._warn(
                f"event writer: the database is still failing ({self._last_error}); "
                f"{self.spool.pending} record(s) spooled, next try in {delay:.1f} s"
            )

    def _database_up(self) -> None:
        self._backoff.reset()
        self._retry_at = 0.0
        if self._down_since is not None:
            _LOGGER.warning(
                "event writer: the database answers again after %.1f s; replaying the spool",
                time.monotonic() - self._down_since,
            )
            self._down_since = None
