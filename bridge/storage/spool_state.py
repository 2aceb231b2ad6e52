"""The spool's settings, counters and state, and what reads them (`pending`, `stats()`, ...);
`bridge.storage.spool` describes the spool.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bridge.storage.spool_format import SpoolError

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""About 800,000 events at ~300 bytes each: hours of a busy site's events, days of a quiet one."""


class SpoolBase:
    """The spool's settings, counters and state (`Spool` is built on it)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        fsync_every: int = 500,
        fsync_interval: float = 0.2,
    ) -> None:
        if max_bytes < 4096:
            raise ValueError("max_bytes must be at least 4096")
        if fsync_every < 1:
            raise ValueError("fsync_every must be at least 1")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.capacity = max_bytes - max_bytes // 4
        """What the unacknowledged records may take; the rest is compaction headroom."""
        self.fsync_every = fsync_every
        self.fsync_interval = fsync_interval
        # counters
        self.appended = 0
        self.acknowledged = 0
        self.dropped = 0
        self.corrupt = 0
        self.torn_bytes = 0
        self.fsyncs = 0
        self.compactions = 0
        # state
        self._lock = asyncio.Lock()
        self._last_seq = 0
        self._acked_seq = 0
        self._size = 0
        self._live_start = 0
        self._live_count = 0
        self._unsynced = 0
        self._generation = 0
        self._timer: asyncio.TimerHandle | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._compact_task: asyncio.Task[None] | None = None
        self._drop_marker_due = False
        """Records were dropped: the next write starts with a `D` marker."""
        self._last_drop_warning = 0.0
        self._closed = False
        self._fd = -1
        """The open file; -1 until `open()` (the constructor does no I/O)."""

    @property
    def opened(self) -> bool:
        return self._fd >= 0

    @property
    def pending(self) -> int:
        """Records appended and neither acknowledged nor dropped."""
        return self._live_count

    @property
    def size(self) -> int:
        """Bytes in the file now."""
        return self._size

    @property
    def last_seq(self) -> int:
        return self._last_seq

    @property
    def acked_seq(self) -> int:
        return self._acked_seq

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> dict[str, int]:
        return {
            "pending": self._live_count,
            "bytes": self._size,
            "appended": self.appended,
            "acknowledged": self.acknowledged,
            "dropped": self.dropped,
            "corrupt": self.corrupt,
            "torn_bytes": self.torn_bytes,
            "fsyncs": self.fsyncs,
            "compactions": self.compactions,
        }

    def _check_open(self) -> None:
        if self._closed:
            raise SpoolError(f"spool {self.path} is closed")
