"""The event writer's disk spool: what the database could not take, in order, until it can.

One append-only file in the data dir (`<data_dir>/spool/events.spool` by convention). Every line is
one entry:

    <code> <seq> <crc32> <body>\\n

- `code` is `E` (an event payload), `C` (a command audit record), `H` (a camera heartbeat: its
  detections were seen still active), `A` (everything through `seq` is acknowledged: written to
  the store) or `D` (everything through `seq` was dropped by the bound).
- `seq` is the record's sequence number (strictly increasing in the file); for `A`/`D` it is the
  last sequence number they cover.
- `crc32` is 8 hex digits over `"<code> <seq> <body>"`; `body` is compact UTF-8 JSON for
  `E`/`C`/`H` and `-` for the markers. JSON never contains a raw newline byte (nor does UTF-8
  inside a character), so a line is a record.

A line that fails its checksum, lacks its newline (a torn write after a crash or a full disk) or
breaks the sequence order is skipped: at the end of the file it is cut off (the torn tail), in the
middle it is counted (`corrupt`) and logged. Leading NUL bytes (left by some file systems after a
power cut) are ignored.

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
import json
import logging
import os
import time
import zlib
from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

_LOGGER = logging.getLogger(__name__)

RecordKind = Literal["event", "command", "heartbeat"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""About 800,000 events at ~300 bytes each: hours of a busy site's events, days of a quiet one."""

_KIND_CODE: dict[str, bytes] = {"event": b"E", "command": b"C", "heartbeat": b"H"}
_CODE_KIND: dict[bytes, RecordKind] = {b"E": "event", b"C": "command", b"H": "heartbeat"}
_RECORD_CODES = frozenset(_CODE_KIND)
_MARKER_CODES = frozenset((b"A", b"D"))
_READ_CHUNK = 1024 * 1024
COMPACT_AFTER = 8 * 1024 * 1024
"""Acknowledged bytes at the head of the file that trigger a compaction once they are at least
four times what is still live: with write-ahead the file never empties under a steady stream."""
_WARN_EVERY = 10.0


class SpoolError(Exception):
    """The spool could not be written (disk full, I/O error) or is closed."""


Payload = Mapping[str, Any] | bytes
"""A record's payload: a JSON object, or one already encoded (compact UTF-8 JSON)."""


class SpoolRecord:
    """One record read back: its sequence number, kind and JSON body (parsed on first use, so a
    consumer that knows the record already skips the parse)."""

    __slots__ = ("_payload", "body", "kind", "seq")

    def __init__(self, seq: int, kind: RecordKind, body: bytes) -> None:
        self.seq = seq
        self.kind = kind
        self.body = body
        self._payload: dict[str, Any] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        """The body parsed; ValueError if it is not a JSON object (the checksum matched: only a
        bug writes such a record)."""
        if self._payload is None:
            value = json.loads(self.body)
            if not isinstance(value, dict):
                raise ValueError(f"spool record {self.seq} is not a JSON object")
            self._payload = value
        return self._payload

    def __repr__(self) -> str:
        return f"SpoolRecord({self.seq}, {self.kind!r}, {self.body!r})"


@dataclass(frozen=True, slots=True)
class SpoolBatch:
    records: list[SpoolRecord]
    end_offset: int
    generation: int

    @property
    def first_seq(self) -> int:
        return self.records[0].seq

    @property
    def last_seq(self) -> int:
        return self.records[-1].seq

    def __len__(self) -> int:
        return len(self.records)


class _Line(NamedTuple):
    offset: int
    end: int
    code: bytes
    """b"E", b"C", b"A", b"D"; b"?" for a line that fails its check; b"~" for a torn tail."""
    seq: int
    body: bytes


def _encode(code: bytes, seq: int, body: bytes) -> bytes:
    head = code + b" " + str(seq).encode()
    crc = zlib.crc32(head + b" " + body)
    return b"%s %08x %s\n" % (head, crc, body)


def _parse(raw: bytes) -> tuple[bytes, int, bytes] | None:
    """(code, seq, body) of one line without its newline, or None if it is damaged."""
    raw = raw.lstrip(b"\0")
    parts = raw.split(b" ", 3)
    if len(parts) != 4:
        return None
    code, seq_text, crc_text, body = parts
    if code not in _RECORD_CODES and code not in _MARKER_CODES:
        return None
    if len(crc_text) != 8 or not seq_text.isdigit():
        return None
    try:
        crc = int(crc_text, 16)
    except ValueError:
        return None
    if zlib.crc32(code + b" " + seq_text + b" " + body) != crc:
        return None
    return code, int(seq_text), body


class Spool:
    """An append-only, bounded, checksummed file of records waiting for the database.

    Use it from one event loop. Opening scans the file (a spool left by a previous run is kept:
    `pending` says how many records wait, `replay()` delivers them).
    """

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

    def open(self) -> Spool:
        """Create the directory and the file if needed and read what an earlier run left
        (synchronous file I/O: run it in a thread from async code). Idempotent; returns self."""
        if self._fd >= 0:
            return self
        if self._closed:
            raise SpoolError(f"spool {self.path} is closed")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._fd = fd
        try:
            self._load()
        except BaseException:
            self._fd = -1
            os.close(fd)
            raise
        return self

    @property
    def opened(self) -> bool:
        return self._fd >= 0

    # ------------------------------------------------------------------ state

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

    # ------------------------------------------------------------------ reading

    def _scan(self, start: int) -> Iterator[_Line]:
        """Every line from `start` to the current end of the file (synchronous: no await inside)."""
        offset = start
        end_of_file = self._size
        buffer = b""
        while offset + len(buffer) < end_of_file or buffer:
            if offset + len(buffer) < end_of_file:
                want = min(_READ_CHUNK, end_of_file - offset - len(buffer))
                chunk = os.pread(self._fd, want, offset + len(buffer))
                if not chunk:  # the file is shorter than we thought
                    end_of_file = offset + len(buffer)
                buffer += chunk
            position = 0
            while True:
                newline = buffer.find(b"\n", position)
                if newline < 0:
                    break
                raw = buffer[position:newline]
                line_start = offset + position
                line_end = offset + newline + 1
                parsed = _parse(raw)
                if parsed is None:
                    yield _Line(line_start, line_end, b"?", 0, b"")
                else:
                    yield _Line(line_start, line_end, parsed[0], parsed[1], parsed[2])
                position = newline + 1
            offset += position
            buffer = buffer[position:]
            if buffer and offset + len(buffer) >= end_of_file:
                yield _Line(offset, offset + len(buffer), b"~", 0, b"")
                return

    def _load(self) -> None:
        self._size = os.fstat(self._fd).st_size
        last_seq = 0
        acked = 0
        good_end = 0
        bad_lines = 0  # damaged lines since the last good one
        records = 0
        for line in self._scan(0):
            if line.code in _RECORD_CODES:
                if line.seq <= last_seq:
                    bad_lines += 1
                    continue
                last_seq = line.seq
                records += 1
            elif line.code in _MARKER_CODES:
                acked = max(acked, line.seq)
            else:
                bad_lines += 1
                continue
            self.corrupt += bad_lines
            bad_lines = 0
            good_end = line.end
        if self.corrupt:
            _LOGGER.warning(
                "spool %s: skipped %d damaged record(s) inside the file", self.path, self.corrupt
            )
        if good_end < self._size:
            self.torn_bytes = self._size - good_end
            _LOGGER.warning(
                "spool %s: cut a torn tail of %d byte(s) (an interrupted write)",
                self.path,
                self.torn_bytes,
            )
            os.ftruncate(self._fd, good_end)
            self._size = good_end
        self._last_seq = last_seq
        self._acked_seq = min(acked, last_seq)
        if records and acked < last_seq:
            self._live_start, self._live_count = self._find_live(0)
        if self._live_count == 0 and self._size:
            os.ftruncate(self._fd, 0)
            self._size = 0
            self._live_start = 0
        if self._live_count:
            _LOGGER.warning(
                "spool %s: %d record(s) from a previous run wait for the database",
                self.path,
                self._live_count,
            )

    def _find_live(self, start: int) -> tuple[int, int]:
        """(offset of the first unacknowledged record at or after `start`, how many there are)."""
        first = -1
        count = 0
        for line in self._scan(start):
            if line.code in _RECORD_CODES and line.seq > self._acked_seq:
                if first < 0:
                    first = line.offset
                count += 1
        return (first if first >= 0 else self._size), count

    def recount(self) -> None:
        """Count the unacknowledged records again from the file (a consistency repair)."""
        self._live_start, self._live_count = self._find_live(self._live_start)

    async def replay(self, batch_size: int = 500) -> AsyncGenerator[SpoolBatch, None]:
        """Batches of the unacknowledged records, oldest first, until the end of the file.

        Records appended while the iteration runs are included. Nothing is removed until `ack`;
        a batch that is not acknowledged comes again from the next `replay()`.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        generation = -1
        position = 0
        last = 0
        while not self._closed:
            if generation != self._generation:
                generation = self._generation
                position = self._live_start
            position = max(position, self._live_start)
            floor = max(last, self._acked_seq)
            records: list[SpoolRecord] = []
            end = position
            for line in self._scan(position):
                if line.code == b"~":
                    break
                end = line.end
                if line.code in _RECORD_CODES and line.seq > floor:
                    records.append(SpoolRecord(line.seq, _CODE_KIND[line.code], line.body))
                    if len(records) >= batch_size:
                        break
            if not records:
                return
            position = end
            last = records[-1].seq
            yield SpoolBatch(records, end, generation)

    # ------------------------------------------------------------------ writing

    def _check_open(self) -> None:
        if self._closed:
            raise SpoolError(f"spool {self.path} is closed")

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

    # ------------------------------------------------------------------ durability

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


def _bodies(records: Sequence[tuple[RecordKind, Payload]]) -> list[tuple[bytes, bytes]]:
    return [
        (
            _KIND_CODE[kind],
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, separators=(",", ":"), default=str).encode(),
        )
        for kind, payload in records
    ]


def _estimate(bodies: list[tuple[bytes, bytes]]) -> int:
    """Bytes the records take as lines, near enough to decide on a compaction (plus a marker)."""
    return sum(len(body) + 32 for _, body in bodies) + 32


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
