"""The device's clock: local wall-clock time in a time zone, with the DST rule `GetTime` reports.

Reolink devices keep local time: `GetTime` answers `Time.timeZone` in seconds *west* of UTC
(UTC+1 is -3600) and a `Dst` rule (`startMon`, `startWeek` 1-4 or 5 = last, `startWeekday`
0 = Sunday, `startHour`..., the same for `end*`, `offset` in hours). Recording times (`Search`,
file names) are local; a file that started during DST has `DST` before its date.

The default zone is UTC (no DST), as before; `DeviceClock("Europe/Berlin")` makes a European
device. The rule is derived from the zone's transitions in the current year.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

Json = dict[str, object]


class DeviceClock:
    def __init__(self, timezone: str = "UTC") -> None:
        self.zone = ZoneInfo(timezone)  # ZoneInfoNotFoundError (a KeyError) for an unknown name
        self.name = timezone

    def now(self) -> datetime:
        """Local wall-clock time (naive), as the device shows it."""
        return datetime.now(self.zone).replace(tzinfo=None)

    def is_dst(self, local: datetime) -> bool:
        offset = local.replace(tzinfo=self.zone).dst()
        return bool(offset)

    def to_utc(self, local: datetime) -> datetime:
        """A local time as UTC (ambiguous times: the first, DST, reading)."""
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def _transitions(self, year: int) -> tuple[datetime, datetime, timedelta] | None:
        """(DST start, DST end) as local wall-clock times before the change, and the shift."""
        changes: list[tuple[datetime, timedelta]] = []
        moment = datetime(year, 1, 1, tzinfo=UTC)
        previous = moment.astimezone(self.zone).dst() or timedelta(0)
        while moment.year == year:
            step = moment + timedelta(hours=1)
            dst = step.astimezone(self.zone).dst() or timedelta(0)
            if dst != previous:
                before = moment.astimezone(self.zone).replace(tzinfo=None) + timedelta(hours=1)
                changes.append((before.replace(minute=0, second=0), dst - previous))
                previous = dst
            moment = step
        starts = [c for c in changes if c[1] > timedelta(0)]
        ends = [c for c in changes if c[1] < timedelta(0)]
        if not starts or not ends:
            return None
        return starts[0][0], ends[0][0], starts[0][1]

    def get_time(self) -> Json:
        """The `GetTime` value."""
        now = self.now()
        standard = now.replace(tzinfo=self.zone).utcoffset() or timedelta(0)
        standard -= now.replace(tzinfo=self.zone).dst() or timedelta(0)
        rule = self._transitions(now.year)
        dst: Json = {"enable": 0, "offset": 1}
        dst |= _rule("start", datetime(now.year, 3, 8, 2)) | _rule(
            "end", datetime(now.year, 11, 1, 2)
        )
        if rule is not None:
            start, end, shift = rule
            dst = {"enable": 1, "offset": int(shift.total_seconds() // 3600)}
            dst |= _rule("start", start) | _rule("end", end)
        return {
            "Dst": dst,
            "Time": {
                "day": now.day,
                "hour": now.hour,
                "hourFmt": 0,
                "min": now.minute,
                "mon": now.month,
                "sec": now.second,
                "timeFmt": "DD/MM/YYYY",
                "timeZone": -int(standard.total_seconds()),
                "year": now.year,
            },
        }


def _rule(prefix: str, moment: datetime) -> Json:
    """`<prefix>Mon/Week/Weekday/Hour/Min/Sec` of a transition (week 5: the last in the month)."""
    week = (moment.day - 1) // 7 + 1
    if (moment.date() + timedelta(days=7)).month != moment.month:
        week = 5
    weekday = (moment.weekday() + 1) % 7  # Reolink: 0 = Sunday; Python: 0 = Monday
    return {
        f"{prefix}Mon": moment.month,
        f"{prefix}Week": week,
        f"{prefix}Weekday": weekday,
        f"{prefix}Hour": moment.hour,
        f"{prefix}Min": moment.minute,
        f"{prefix}Sec": moment.second,
    }
