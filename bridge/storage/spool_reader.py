"""Reading the spool: the scan of its lines when it is opened (what an earlier run left) and
`replay()`, the cursor over the records not acknowledged yet (`bridge.storage.spool` describes the
spool, `bridge.storage.spool_format` its lines).

A line that fails its checksum, lacks its newline (a torn write after a crash or a full disk) or
breaks the sequence order is skipped: at the end of the file it is cut off (the torn tail), in the
middle it is counted (`corrupt`) and logged. Leading NUL bytes (left by some file systems after a
power cut) are ignored.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, Iterator
from typing import Self

from bridge.storage.spool_format import (
    _CODE_KIND,
    _MARKER_CODES,
    _RECORD_CODES,
    SpoolBatch,
    SpoolError,
    SpoolRecord,
    _Line,
    _parse,
)
from bridge.storage.spool_sync import SpoolSync

# Every part of the spool logs under the spool's one name (`bridge.storage.spool`).
_LOGGER = logging.getLogger("bridge.storage.spool")

_READ_CHUNK = 1024 * 1024


class SpoolReader(SpoolSync):
    """The file read back: opened and scanned, replayed in batches."""

    def open(self) -> Self:
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
