"""The spool's file format (`bridge.storage.spool` describes the spool). Every line is one entry:
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

"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

RecordKind = Literal["event", "command", "heartbeat"]

_KIND_CODE: dict[str, bytes] = {"event": b"E", "command": b"C", "heartbeat": b"H"}
_CODE_KIND: dict[bytes, RecordKind] = {b"E": "event", b"C": "command", b"H": "heartbeat"}
_RECORD_CODES = frozenset(_CODE_KIND)
_MARKER_CODES = frozenset((b"A", b"D"))


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
