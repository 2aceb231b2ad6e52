"""Event retention: once at start and then every `interval`, `store.purge_events(now - retention)`.

The task never ends the service: a database that is away (or any other store error) is logged
and the purge is tried again after `retry_interval` (a shorter wait than the full interval, so
one failed run does not postpone retention by hours). What each run removed is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bridge.domain.base import utcnow
from bridge.store import Store, StoreUnavailable

_LOGGER = logging.getLogger(__name__)

DEFAULT_INTERVAL = 6 * 3600.0
DEFAULT_RETRY_INTERVAL = 600.0


class RetentionTask:
    def __init__(
        self,
        store: Store,
        retention_days: int,
        *,
        interval: float = DEFAULT_INTERVAL,
        retry_interval: float = DEFAULT_RETRY_INTERVAL,
        clock: Callable[[], datetime] = utcnow,
        also: Sequence[Callable[[datetime], Awaitable[int]]] = (),
    ) -> None:
        """`also`: purged with the events, with the same cutoff (the media files and the
        recordings index)."""
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.store = store
        self.retention = timedelta(days=retention_days)
        self.interval = interval
        self.retry_interval = min(retry_interval, interval)
        self.clock = clock
        self.also = list(also)
        self.runs = 0
        self.failures = 0
        self.removed = 0
        """Events removed since the start, over every run."""
        self.last_removed: int | None = None
        self.last_run: datetime | None = None
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> int | None:
        """Purge now; the number of events removed, or None when the store failed (logged)."""
        cutoff = self.clock() - self.retention
        self.runs += 1
        self.last_run = self.clock()
        try:
            removed = await self.store.purge_events(cutoff)
            for purge in self.also:
                await purge(cutoff)
        except asyncio.CancelledError:
            raise
        except StoreUnavailable as err:
            self._failed(err)
            _LOGGER.warning(
                "retention: the database is unavailable (%s); trying again in %.0f s",
                err,
                self.retry_interval,
            )
            return None
        except Exception as err:
            self._failed(err)
            _LOGGER.exception("retention: purging events older than %s failed", cutoff)
            return None
        self.last_error = None
        self.last_removed = removed
        self.removed += removed
        if removed:
            _LOGGER.info(
                "retention: removed %d event(s) older than %s (%d days)",
                removed,
                cutoff.isoformat(timespec="seconds"),
                self.retention.days,
            )
        else:
            _LOGGER.debug("retention: no event older than %s", cutoff)
        return removed

    def _failed(self, err: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(err).__name__}: {err}"

    async def _run(self) -> None:
        while True:
            try:
                result = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # run_once logs its own failures; this is a last resort
                _LOGGER.exception("retention: unexpected error")
                result = None
            await asyncio.sleep(self.interval if result is not None else self.retry_interval)
