"""The event writer's disk spool: what the database could not take, in order, until it can.

One append-only file in the data dir (`<data_dir>/spool/events.spool` by convention), one
checksummed line per record: `bridge.storage.spool_format` describes the lines,
`bridge.storage.spool_reader` how they are read back (a damaged or torn line is skipped).

**Consumption.** `replay()` yields batches of the records that are not acknowledged yet, in order,
and includes what is appended while it runs. The consumer writes a batch and then calls
`ack(batch)`, which appends an `A` marker; nothing is removed before that, so a crash between the
write and the ack re-delivers the batch (the store's writes are idempotent). When everything is
acknowledged the file is truncated to zero (fsync'd with the next batch). `ack` covers everything
through its batch.

**Bound: drop the oldest.** The file never exceeds `max_bytes`. The unacknowledged records may
take three quarters of it; the last quarter is room for acknowledged or dropped records that a
compaction (rewriting the live tail into a new file, fsync, atomic rename) removes. When an append
would go past the bound, the *oldest* records are dropped (a `D` marker), counted in `dropped`,
with a warning. Why the oldest rather than refusing new ones: the spool only fills during a long
database outage, and then what just happened at the door matters more than what happened days ago
(and is closest to retention anyway); an `end` record still carries its `started_at` and
`duration`, so a dropped `start` does not lose the event's span; and the rest of the bridge (the bus
queues, the MQTT outbox) already drops the oldest, so there is one policy to explain.

**Durability.** Appends are written with `os.write` (in the kernel after a process crash) and
fsync'd in batches: once `fsync_every` records are unsynced, or `fsync_interval` seconds after the
first unsynced one, whichever comes first (`sync()` forces it). fsync runs in a worker thread so the
event loop never waits on the disk. A failed write (disk full) is rolled back to the last whole
record and raised as `SpoolError`.

**Appending without awaiting.** `append_nowait` writes at once, from synchronous code (the
in-process bus's journal: an event is in the spool before any subscriber sees it). Nothing else
the spool does may be torn by it: a compaction copies the file in a thread while appends go on,
then — on the event loop, with nothing awaited — copies what was appended meanwhile and renames.
An `append_nowait` that would need a compaction first writes anyway and schedules it, so the file
may pass `max_bytes` by what is appended before that compaction runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from bridge.storage.spool_format import (
    _RECORD_CODES,
    Payload,
    RecordKind,
    SpoolBatch,
    SpoolError,
    SpoolRecord,
    _bodies,
    _encode,
    _estimate,
)
from bridge.storage.spool_reader import _READ_CHUNK, SpoolReader
from bridge.storage.spool_state import DEFAULT_MAX_BYTES

__all__ = [
    "COMPACT_AFTER",
    "DEFAULT_MAX_BYTES",
    "Payload",
    "RecordKind",
    "Spool",
    "SpoolBatch",
    "SpoolError",
    "SpoolRecord",
]

_LOGGER = logging.getLogger(__name__)

COMPACT_AFTER = 8 * 1024 * 1024
"""Acknowledged bytes at the head of the file that trigger a compaction once they are at least
four times what is still live: with write-ahead the file never empties under a steady stream."""
_WARN_EVERY = 10.0


class Spool(SpoolReader):
    """An append-only, bounded, checksummed file of records waiting for the database.

    Use it from one event loop. Opening scans the file (a spool left by a previous run is kept:
    `pending` says how many records wait, `replay()` delivers them).
    """

    # ------------------------------------------------------------------ writing

    async def append(self, records: Sequence[tuple[RecordKind, Payload]]) -> int:
        """Append records in order; returns the sequence number of the last one (0 if none).

        Past the bound the oldest records are dropped (see the module docstring).
        """
        self._check_open()
        if not records:
            return self._last_seq
        bodies = _bodies(records)
        async with self._lock:
            self._check_open()
            estimate = _estimate(bodies)
            self._make_room(estimate)  # drop first, so that the compaction removes the dropped
            if self._size + estimate > self.max_bytes:
                await self._compact_locked()
            seq = self._write_records(bodies)
            due = self._unsynced >= self.fsync_every
            if due:
                await self._sync_locked()
        if not due:
            self._schedule_sync()
        return seq

    def append_nowait(self, records: Sequence[tuple[RecordKind, Payload]]) -> int:
        """`append` from synchronous code: in the file (the kernel's) when it returns.

        The fsync follows as for `append`; a compaction the bound calls for is scheduled rather
        than awaited (the file may pass `max_bytes` until it runs). Raises `SpoolError`.
        """
        self._check_open()
        if not records:
            return self._last_seq
        seq = self._write_records(_bodies(records))
        if self._unsynced >= self.fsync_every:
            self._on_timer()  # fsync now, in its task
        else:
            self._schedule_sync()
        if self._size > self.max_bytes:
            self._schedule_compaction()
        return seq

    def _write_records(self, bodies: list[tuple[bytes, bytes]]) -> int:
        """Number, encode and write records (synchronous: appends never interleave)."""
        seq = self._last_seq
        lines: list[bytes] = []
        for code, body in bodies:
            seq += 1
            lines.append(_encode(code, seq, body))
        self._append_lines(lines, seq)
        return seq

    def _append_lines(self, lines: list[bytes], last_seq: int) -> None:
        first_seq = last_seq - len(lines) + 1
        new_bytes = sum(len(line) for line in lines)
        # A single append larger than the whole capacity keeps only its newest records.
        skipped = 0
        while new_bytes > self.capacity and lines:
            new_bytes -= len(lines.pop(0))
            skipped += 1
        if skipped:
            self._note_dropped(skipped)
            # Everything older than this append is dropped too: the newest records fill it.
            self._drop_through(self._size, first_seq + skipped - 1)
        else:
            self._make_room(new_bytes)
        marker = _encode(b"D", self._acked_seq, b"-") if self._drop_marker_due else b""
        data = marker + b"".join(lines)
        before = self._size
        try:
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
        except OSError as err:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, before)
            raise SpoolError(f"spool {self.path}: write failed: {err}") from err
        self._size = before + len(data)
        self._drop_marker_due = False
        self._last_seq = last_seq
        self._live_count += len(lines)
        self.appended += len(lines)
        self._unsynced += len(lines)
        if self._live_count == len(lines) and lines:
            # Everything before this append was acknowledged or dropped.
            self._live_start = before + len(marker)

    def _make_room(self, new_bytes: int) -> None:
        """Drop the oldest records so that `new_bytes` more fit the capacity (if they can)."""
        live = self._size - self._live_start
        if new_bytes <= self.capacity < live + new_bytes:
            self._drop_oldest(live + new_bytes - self.capacity)

    def _drop_oldest(self, need: int) -> None:
        """Drop the oldest unacknowledged records until `need` bytes of live data are freed."""
        target = self._live_start + need
        dropped = 0
        new_start = self._live_start
        for line in self._scan(self._live_start):
            if line.code == b"~":
                break
            new_start = line.end
            if line.code in _RECORD_CODES and line.seq > self._acked_seq:
                self._acked_seq = line.seq
                self._live_count -= 1
                dropped += 1
                if new_start >= target:
                    break
        self._live_start = new_start
        self._drop_marker_due = True
        self._note_dropped(dropped)

    def _drop_through(self, start: int, seq: int) -> None:
        """Drop every unacknowledged record in the file (the append that follows replaces them)."""
        dropped = self._live_count
        self._live_count = 0
        self._acked_seq = max(self._acked_seq, seq)
        self._live_start = start
        self._drop_marker_due = True
        self._note_dropped(dropped)

    def _note_dropped(self, count: int) -> None:
        if not count:
            return
        self.dropped += count
        now = time.monotonic()
        if now - self._last_drop_warning >= _WARN_EVERY:
            self._last_drop_warning = now
            _LOGGER.warning(
                "spool %s is full (%d bytes): dropped the %d oldest record(s) so far",
                self.path,
                self.max_bytes,
                self.dropped,
            )

    # ------------------------------------------------------- compaction and acknowledgement

    async def _compact_locked(self) -> None:
        """Rewrite the live tail into a new file, fsync it and rename it over the old one.

        The copy runs in a thread while appends go on; back on the loop, with nothing awaited,
        what was appended meanwhile is copied too and the new file renamed into place.
        """
        start, size = self._live_start, self._size
        tmp = self.path.with_name(self.path.name + ".compact")

        def copy() -> int:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _copy_range(self._fd, fd, start, size)
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                raise
            return fd

        def discard(fd: int | None) -> None:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(OSError):
                tmp.unlink()

        def discard_copy(done: asyncio.Future[int]) -> None:
            discard(None if done.cancelled() or done.exception() else done.result())

        copying = asyncio.ensure_future(asyncio.to_thread(copy))
        try:
            fd = await asyncio.shield(copying)
        except asyncio.CancelledError:
            copying.add_done_callback(discard_copy)  # the old file stays; drop the copy
            raise
        except OSError as err:
            discard(None)
            raise SpoolError(f"spool {self.path}: compaction failed: {err}") from err
        # From here to the swap nothing awaits: no append can land in between.
        end = self._size
        try:
            _copy_range(self._fd, fd, size, end)
            os.close(fd)
            os.replace(tmp, self.path)
            new_fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        except OSError as err:
            discard(fd)
            raise SpoolError(f"spool {self.path}: compaction failed: {err}") from err
        os.close(self._fd)
        self._fd = new_fd
        self._size = end - start
        self._live_start = 0
        self._unsynced = 1 if end > size else 0  # the tail copied last is not fsync'd yet
        self._generation += 1
        self.compactions += 1
        self._schedule_sync()
        try:
            await asyncio.to_thread(_fsync_dir, self.path.parent)
        except OSError as err:
            _LOGGER.warning("spool %s: could not fsync its directory: %s", self.path, err)
        _LOGGER.info("spool %s compacted: %d byte(s) freed", self.path, start)

    def _schedule_compaction(self) -> None:
        if self._compact_task is not None and not self._compact_task.done():
            return

        async def compact() -> None:
            async with self._lock:
                if self._closed or self._size <= self.max_bytes:
                    return
                try:
                    await self._compact_locked()
                except SpoolError as err:
                    _LOGGER.error("%s", err)

        self._compact_task = asyncio.get_running_loop().create_task(compact())

    async def ack(self, batch: SpoolBatch) -> None:
        """The batch is in the store: forget it (and everything before it)."""
        self._check_open()
        async with self._lock:
            self._check_open()
            if batch.last_seq <= self._acked_seq:
                return
            done = sum(1 for record in batch.records if record.seq > self._acked_seq)
            self._acked_seq = batch.last_seq
            self._live_count -= done
            self.acknowledged += done
            if self._live_count == 0 and self._acked_seq >= self._last_seq:
                await self._truncate_locked()
                return
            if batch.generation == self._generation:
                self._live_start = max(self._live_start, batch.end_offset)
            else:
                self._live_start, self._live_count = self._find_live(self._live_start)
            if self._live_start >= COMPACT_AFTER and (
                (self._size - self._live_start) * 4 <= self._live_start
            ):
                await self._compact_locked()
                return
            marker = _encode(b"A", self._acked_seq, b"-")
            try:
                os.write(self._fd, marker)
            except OSError as err:  # not fatal: the batch is re-delivered after a restart
                _LOGGER.warning("spool %s: could not record an acknowledgement: %s", self.path, err)
                return
            self._size += len(marker)

    async def _truncate_locked(self) -> None:
        # Not fsync'd here (with write-ahead this runs once per quiet moment): until the next
        # batched fsync a crash may bring acknowledged records back, which re-delivers them.
        os.ftruncate(self._fd, 0)
        self._size = 0
        self._live_start = 0
        self._generation += 1
        self._unsynced = max(self._unsynced, 1)
        self._schedule_sync()

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """fsync and close. Unacknowledged records stay for the next run."""
        if self._closed:
            return
        if self._fd < 0:  # never opened: nothing to sync
            self._closed = True
            return
        try:
            await self.sync()
        finally:
            async with self._lock:
                self._closed = True
                self._cancel_timer()
                os.close(self._fd)
        for task in (self._sync_task, self._compact_task):
            if task is not None and task is not asyncio.current_task():
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _copy_range(source: int, target: int, start: int, end: int) -> None:
    offset = start
    while offset < end:
        chunk = os.pread(source, min(_READ_CHUNK * 4, end - offset), offset)
        if not chunk:
            break
        os.write(target, chunk)
        offset += len(chunk)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
