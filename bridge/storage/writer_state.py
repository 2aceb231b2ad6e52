"""The event writer's settings, counters and state, and what reads them: `stats()` and the small
predicates the other parts of the writer share (`bridge.storage.writer` describes the writer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any, Literal

from bridge.backoff import Backoff
from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import DEFAULT_QUEUE_SIZE, Bus
from bridge.storage.records import Item
from bridge.storage.spool import Spool
from bridge.store import Store
from bridge.tasks import Supervisor

# Every part of the writer logs under the writer's one name (`bridge.storage.writer`).
_LOGGER = logging.getLogger("bridge.storage.writer")

_WARN_EVERY = 10.0

WriterState = Literal["live", "spooling", "replaying", "stopped"]


class WriterBase:
    """The writer's settings, counters and state (`EventWriter` is built on it)."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        spool: Spool,
        *,
        batch_size: int = 500,
        max_delay: float = 0.2,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        write_timeout: float = 30.0,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        stop_timeout: float = 5.0,
        poison_attempts: int = 3,
        write_ahead: bool | None = None,
        tasks: Supervisor | None = None,
    ) -> None:
        if batch_size < 1 or queue_size < 1:
            raise ValueError("batch_size and queue_size must be at least 1")
        self.store = store
        self.bus = bus
        self.spool = spool
        self.tasks = tasks
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.queue_size = queue_size
        self.write_timeout = write_timeout
        self.stop_timeout = stop_timeout
        self.poison_attempts = max(1, poison_attempts)
        self.write_ahead = True if write_ahead is None else write_ahead
        self.journal = self.write_ahead and isinstance(bus, InProcessBus)
        """The writer is the in-process bus's journal (see `bridge.storage.writer`)."""
        self.rejected_path = spool.path.with_name(spool.path.name + ".rejected")
        # counters
        self.received = 0
        """Events and command records handed over by the bus."""
        self.written = 0
        """Written live (straight from the queue)."""
        self.spooled = 0
        """Appended to the spool."""
        self.replayed = 0
        """Written from the spool."""
        self.failed = 0
        """Store writes that failed (each sends its batch to the spool, or keeps it there)."""
        self.rejected = 0
        """Records the store refused on their own, set aside in `rejected_path`."""
        self.spool_errors = 0
        self.dropped = 0
        """Journaled records dropped from a full memory queue (only while the spool fails)."""
        self.batches = 0
        # state
        self._items: deque[Item] = deque()
        self._held: list[Item] = []  # a batch that neither the store nor the spool took yet
        self._inflight: list[Item] | None = None
        self._signal = asyncio.Event()
        self._not_full = asyncio.Event()
        self._not_full.set()
        self._idle = asyncio.Event()
        self._urgent = False
        self._backoff = Backoff(retry_initial, retry_max)
        self._retry_at = 0.0
        self._down_since: float | None = None
        self._outage_replay = False
        """The database failed since the spool was last empty: its replay is worth a log line."""
        self._last_error = ""
        self._head_seq = 0
        self._head_failures = 0
        self._stopping_at: float | None = None
        self._last_warning = 0.0
        self._subscription: Any = None
        self._accepting = True
        self._task: asyncio.Task[None] | None = None
        self._journaled: deque[tuple[int, Item]] = deque()
        """What the journal spooled, by sequence number: replayed without reading it back."""
        self._backlog_seq = 0
        """The last record an earlier run left in the spool (read by `start()`)."""
        self._acked = asyncio.Event()
        self._started = asyncio.Event()
        self.state: WriterState = "live"
        self.fenced = 0
        """Events the store refused as late ones from a camera's previous owner."""
        self._fenced_owners: set[tuple[str, int]] = set()

    @property
    def queued(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "received": self.received,
            "written": self.written,
            "spooled": self.spooled,
            "replayed": self.replayed,
            "failed": self.failed,
            "rejected": self.rejected,
            "fenced": self.fenced,
            "spool_errors": self.spool_errors,
            "dropped": self.dropped,
            "batches": self.batches,
            "queued": len(self._items),
            "last_error": self._last_error or None,
            "spool": self.spool.stats(),
        }

    def _is_idle(self) -> bool:
        return (
            not self._items and not self._held and self._inflight is None and not self.spool.pending
        )

    def _kick(self) -> None:
        """Cut waits short: close the batch now and retry the database now."""
        self._urgent = True
        self._retry_at = 0.0
        self._signal.set()

    def _past_deadline(self) -> bool:
        return (
            self._stopping_at is not None and asyncio.get_running_loop().time() >= self._stopping_at
        )

    def _warn(self, message: str, *, error: bool = False) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY:
            self._last_warning = now
            _LOGGER.log(logging.ERROR if error else logging.WARNING, "%s", message)
