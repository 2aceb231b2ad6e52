"""What both backends share for the recordings index: the keyset cursor and the row shape."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from bridge.domain.recordings import Recording
from bridge.storage._common import from_micros, to_micros, utc
from bridge.store import InvalidCursor

RECORDING_COLUMNS = (
    'id, camera_id, channel, stream, name, start, "end", size, triggers, gone_at, seen_at'
)
MEDIA_FIELDS = frozenset({"snapshot_path", "clip", "recording_id"})


def encode_recording_cursor(start: datetime, recording_id: int) -> str:
    raw = f"r{to_micros(start)}:{recording_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_recording_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("r"):
            raise ValueError("not a recordings cursor")
        micros, ident = raw[1:].split(":", 1)
        return from_micros(int(micros)), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as err:
        raise InvalidCursor("invalid cursor: use next_cursor from the previous page") from err


def check_media_field(field: str) -> None:
    if field not in MEDIA_FIELDS:
        raise ValueError(f"not an event media field: {field!r}")


def unique_found(found: Sequence[Recording], stream: Literal["main", "sub"]) -> list[Recording]:
    """The files of one stream, one per name (the last wins), with UTC times."""
    by_name: dict[str, Recording] = {}
    for rec in found:
        if rec.stream == stream:
            by_name[rec.name] = rec.model_copy(
                update={"start": utc(rec.start), "end": utc(rec.end)}
            )
    return list(by_name.values())
