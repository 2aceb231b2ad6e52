"""The spool's durability: appends are fsync'd in batches, in a worker thread, once enough are
unsynced or a moment after the first one (`bridge.storage.spool` describes the spool).
"""

from __future__ import annotations

import asyncio
import logging
import os

from bridge.storage.spool_format import SpoolError
from bridge.storage.spool_state import SpoolBase

# Every part of the spool logs under the spool's one name (`bridge.storage.spool`).
_LOGGER = logging.getLogger("bridge.storage.spool")


class SpoolSync(SpoolBase):
    """Batched fsyncs of what was appended."""

    def _fsync(self) -> None:
        os.fsync(self._fd)
        self.fsyncs += 1

    async def _sync_locked(self) -> None:
        self._cancel_timer()
        if not self._unsynced:
            return
        unsynced, self._unsynced = self._unsynced, 0
        try:
            await asyncio.to_thread(self._fsync)
        except OSError as err:
            self._unsynced += unsynced
            raise SpoolError(f"spool {self.path}: fsync failed: {err}") from err

    async def sync(self) -> None:
        """fsync what was appended so far."""
        if self._closed:
            return
        async with self._lock:
            if not self._closed:
                await self._sync_locked()

    def _schedule_sync(self) -> None:
        if self._timer is not None or not self._unsynced:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.fsync_interval, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.get_running_loop().create_task(self._timed_sync())

    async def _timed_sync(self) -> None:
        try:
            await self.sync()
        except SpoolError as err:
            _LOGGER.error("%s", err)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
