"""The camera's clock: its local wall-clock time ↔ UTC, from `GetTime` (zone offset + DST rule).

Reolink devices keep and report local time (recordings' `StartTime`/`EndTime`, file names).
`Time.timeZone` is in seconds *west* of UTC (UTC+1 → -3600). `Dst` gives `offset` (hours) and
the start and end transitions as month, week of the month (1-4, 5 = the last), weekday (0 =
Sunday) and local time; the end is in DST wall-clock time. A recording's file name says whether it
started during DST (`_DST<date>`), which settles the hour a fall-back repeats.

Also the recordings' file-name flags: the trigger bits in the layout reolink_aio decodes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

_ZERO = timedelta(0)

TRIGGER_BITS = {
    "person": 17,
    "face": 18,
    "vehicle": 19,
    "pet": 20,
    "timer": 23,
    "motion": 24,
    "visitor": 26,
}
"""Trigger → bit of the flags field, counted from its most significant bit (FLAGS_CAM_V2)."""

_NAME = re.compile(
    r"Rec[MS]\w{2}_(?P<dst>DST)?\d{8}_\d{6}_\d{6}_(?:\d+_)?(?P<flags>[0-9A-Fa-f]{7,14})_[0-9A-Fa-f]+\.\w+$"
)


@dataclass(frozen=True, slots=True)
class FileFlags:
    dst: bool | None
    """Whether the file started during DST (None: the name does not say)."""
    triggers: tuple[str, ...]


def file_flags(name: str) -> FileFlags:
    """What a recording's file name says beyond its times."""
    match = _NAME.search(name)
    if match is None:
        return FileFlags(None, ())
    flags = match["flags"]
    width = len(flags) * 4
    value = int(flags, 16)
    triggers = tuple(
        trigger for trigger, bit in TRIGGER_BITS.items() if value >> (width - 1 - bit) & 1
    )
    return FileFlags(match["dst"] is not None, triggers)


@dataclass(frozen=True, slots=True)
class _Rule:
    month: int
    week: int
    weekday: int
    at: timedelta

    @classmethod
    def parse(cls, dst: Mapping[str, Any], prefix: str) -> _Rule:
        def get(key: str, low: int, high: int) -> int:
            value = int(dst.get(f"{prefix}{key}", 0))
            if not low <= value <= high:
                raise ValueError(f"Dst.{prefix}{key} = {value} is outside {low}..{high}")
            return value

        at = timedelta(
            hours=get("Hour", 0, 23), minutes=get("Min", 0, 59), seconds=get("Sec", 0, 59)
        )
        return cls(get("Mon", 1, 12), get("Week", 1, 5), get("Weekday", 0, 6), at)

    def local(self, year: int) -> datetime:
        """The transition's local wall-clock time in `year`."""
        py_weekday = (self.weekday - 1) % 7
        first = date(year, self.month, 1)
        day = first + timedelta(days=(py_weekday - first.weekday()) % 7)
        if self.week >= 5:
            while (day + timedelta(days=7)).month == self.month:
                day += timedelta(days=7)
        else:
            day += timedelta(days=7 * (self.week - 1))
        return datetime(day.year, day.month, day.day) + self.at


@dataclass(frozen=True, slots=True)
class CameraClock:
    offset: timedelta
    """Standard time's offset east of UTC."""
    shift: timedelta = _ZERO
    """What DST adds (zero: no DST)."""
    start: _Rule | None = None
    end: _Rule | None = None

    @classmethod
    def from_get_time(cls, value: Mapping[str, Any]) -> CameraClock:
        """From `GetTime`'s value; `ValueError` when it is malformed."""
        time = value.get("Time")
        if not isinstance(time, Mapping):
            raise ValueError("GetTime has no Time")
        try:
            west = int(time.get("timeZone", 0))
        except (TypeError, ValueError):
            raise ValueError("GetTime's timeZone is not a number") from None
        if not -14 * 3600 <= west <= 14 * 3600:
            raise ValueError(f"GetTime's timeZone {west} is out of range")
        offset = timedelta(seconds=-west)
        dst = value.get("Dst")
        if not isinstance(dst, Mapping) or not int(dst.get("enable", 0) or 0):
            return cls(offset)
        try:
            shift = timedelta(hours=int(dst.get("offset", 1)))
            start, end = _Rule.parse(dst, "start"), _Rule.parse(dst, "end")
        except (TypeError, ValueError) as err:
            raise ValueError(f"GetTime's Dst rule is malformed: {err}") from None
        return cls(offset, shift, start, end)

    def _window_utc(self, year: int) -> tuple[datetime, datetime] | None:
        if self.start is None or self.end is None or not self.shift:
            return None
        begin = self.start.local(year) - self.offset
        finish = self.end.local(year) - self.offset - self.shift
        return begin, finish

    def is_dst_utc(self, moment: datetime) -> bool:
        """Whether DST is in force at a UTC moment (naive = UTC)."""
        naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        window = self._window_utc(naive.year)
        if window is None:
            return False
        begin, finish = window
        if begin <= finish:
            return begin <= naive < finish
        return naive >= begin or naive < finish  # southern hemisphere: DST spans the new year

    def to_utc(self, local: datetime, dst: bool | None = None) -> datetime:
        """A camera wall-clock time as an aware UTC datetime. `dst`: what the file name says
        (None: decided by the rule, taking the DST reading of a repeated hour)."""
        local = local.replace(tzinfo=None)
        standard = local - self.offset
        if dst is None:
            dst = self.is_dst_utc(standard - self.shift)
        return (standard - (self.shift if dst else _ZERO)).replace(tzinfo=UTC)

    def to_local(self, moment: datetime) -> datetime:
        """An aware (or naive UTC) moment as the camera's naive wall-clock time."""
        naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return naive + self.offset + (self.shift if self.is_dst_utc(naive) else _ZERO)
