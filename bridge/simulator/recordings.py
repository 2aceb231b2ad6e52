"""Synthetic recordings: a deterministic list of files per device, channel and day.

The list is a pure function of (seed, channel, stream, day), so ``Search`` and ``Download`` agree
without storing anything.  File names follow the real pattern
``Mp4Record/<yyyy-mm-dd>/Rec<M|S><chan>_<yyyymmdd>_<hhmmss>_<hhmmss>_<flags>_<hexsize>.mp4``.
``<flags>`` carries the trigger bits as the firmware sets them (the layout reolink_aio decodes);
a file that started during DST has ``DST`` before its date. The bytes of a file are a real MP4 of
the recording's duration (when ffmpeg is present) followed by an MP4 ``free`` box that pads it to
exactly the size ``Search`` reported, so every download is a valid, playable MP4.
The device's virtual SD card (`bridge.simulator.sdcard`) adds a file per event and drops old ones.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

RETENTION_DAYS = 30
MAIN_BYTES_PER_SECOND = 40_000
SUB_BYTES_PER_SECOND = 8_000
MIN_FILE_SIZE = 256 * 1024
FLAGS = "6D28808"
"""The flags of a timer recording on a 4K camera (resolution, frame rate, audio, encoder bits)."""
FLAG_BITS = {
    "person": 17,
    "face": 18,
    "vehicle": 19,
    "pet": 20,
    "timer": 23,
    "motion": 24,
    "visitor": 26,
    "package": 27,
}
"""Trigger → bit of the flags (counted from the most significant bit of the 28-bit field)."""
TRIGGERS = tuple(FLAG_BITS)

NAME_RE = re.compile(
    r"^Mp4Record/(?P<day>\d{4}-\d{2}-\d{2})/Rec(?P<stream>[MS])(?P<chan>\d{2})_(?:DST)?"
    r"(?P<date>\d{8})_(?P<start>\d{6})_(?P<end>\d{6})_[0-9A-F]+_(?P<size>[0-9A-F]+)\.mp4$"
)


@dataclass(frozen=True, slots=True)
class Recording:
    """One recorded file."""

    name: str
    channel: int
    stream: str  # "main" | "sub"
    start: datetime
    end: datetime
    size: int
    triggers: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return (self.end - self.start).total_seconds()

    def search_entry(self) -> dict[str, object]:
        """The ``SearchResult.File[]`` entry."""
        return {
            "EndTime": reolink_time(self.end),
            "StartTime": reolink_time(self.start),
            "frameRate": 0,
            "height": 0,
            "name": self.name,
            "size": self.size,
            "type": self.stream,
            "width": 0,
        }


def encode_flags(triggers: Iterable[str]) -> str:
    """The 7-hex-digit flags of a file with these triggers (reolink_aio's FLAGS_CAM_V2 layout)."""
    width = len(FLAGS) * 4
    value = int(FLAGS, 16)
    for bit in FLAG_BITS.values():
        value &= ~(1 << (width - 1 - bit))
    for trigger in triggers:
        value |= 1 << (width - 1 - FLAG_BITS[trigger])
    return f"{value:0{len(FLAGS)}X}"


def file_name(
    channel: int,
    stream: str,
    start: datetime,
    end: datetime,
    size: int,
    triggers: Iterable[str],
    dst: bool,
) -> str:
    letter = "M" if stream == "main" else "S"
    return (
        f"Mp4Record/{start:%Y-%m-%d}/Rec{letter}{channel + 1:02d}_{'DST' if dst else ''}"
        f"{start:%Y%m%d}_{start:%H%M%S}_{end:%H%M%S}_{encode_flags(triggers)}_{size:X}.mp4"
    )


def reolink_time(t: datetime) -> dict[str, int]:
    return {
        "day": t.day,
        "hour": t.hour,
        "min": t.minute,
        "mon": t.month,
        "sec": t.second,
        "year": t.year,
    }


def parse_reolink_time(value: object) -> datetime | None:
    """``{"year":..,"mon":..,...}`` → datetime (None when malformed)."""
    if not isinstance(value, dict):
        return None
    try:
        return datetime(
            int(value["year"]),
            int(value["mon"]),
            int(value["day"]),
            int(value.get("hour", 0)),
            int(value.get("min", 0)),
            int(value.get("sec", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _rng(seed: str, *parts: object) -> random.Random:
    return random.Random("/".join([seed, *map(str, parts)]))


def day_has_recordings(seed: str, channel: int, day: date, today: date) -> bool:
    if day > today or day < today - timedelta(days=RETENTION_DAYS):
        return False
    return day == today or _rng(seed, channel, day.isoformat(), "has").random() < 0.85


def recordings_for_day(
    seed: str,
    channel: int,
    stream: str,
    day: date,
    now: datetime,
    is_dst: Callable[[datetime], bool] = lambda _: False,
) -> list[Recording]:
    """The timer/motion files of one day (only those already finished at ``now``)."""
    if not day_has_recordings(seed, channel, day, now.date()):
        return []
    rng = _rng(seed, channel, day.isoformat(), "files")
    count = 4 + rng.randrange(7)
    starts = sorted(rng.sample(range(0, 86_400 - 600, 300), count))
    rate = MAIN_BYTES_PER_SECOND if stream == "main" else SUB_BYTES_PER_SECOND
    out: list[Recording] = []
    midnight = datetime(day.year, day.month, day.day)
    for offset in starts:
        duration = 20 + rng.randrange(280)
        start = midnight + timedelta(seconds=offset)
        end = start + timedelta(seconds=duration)
        if end > now:
            break
        size = max(MIN_FILE_SIZE, duration * rate + rng.randrange(4096))
        triggers = ("timer",) if rng.random() < 0.5 else ("motion",)
        name = file_name(channel, stream, start, end, size, triggers, is_dst(start))
        out.append(Recording(name, channel, stream, start, end, size, triggers))
    return out


def month_table(seed: str, channel: int, year: int, month: int, today: date) -> str:
    """``Status[].table``: one character per day of the month, ``1`` = has recordings."""
    chars = []
    day = date(year, month, 1)
    while day.month == month:
        chars.append("1" if day_has_recordings(seed, channel, day, today) else "0")
        day += timedelta(days=1)
    return "".join(chars)


def months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1


class VirtualFile:
    """The bytes of a recording: ``prefix`` + an MP4 ``free`` box padding to ``size``."""

    def __init__(self, prefix: bytes, size: int) -> None:
        if len(prefix) + 8 > size:
            prefix = prefix[: max(0, size - 8)]
        self.size = size
        self._prefix = prefix
        pad = size - len(prefix)
        self._head = prefix + pad.to_bytes(4, "big") + b"free"

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (clipped to the file)."""
        end = min(self.size, offset + length)
        if offset >= end:
            return b""
        head_len = len(self._head)
        if offset >= head_len:
            return bytes(end - offset)
        part = self._head[offset : min(end, head_len)]
        return part + bytes(max(0, end - head_len))

    def chunks(self, offset: int, length: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
        end = min(self.size, offset + length)
        pos = offset
        while pos < end:
            n = min(chunk, end - pos)
            yield self.read(pos, n)
            pos += n
