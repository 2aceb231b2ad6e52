"""The device's virtual SD card: the files `Search`, `NvrDownload` and `Download` see.

Two kinds of file: the timer/motion recordings of every day (a pure function of the device's seed,
`bridge.simulator.recordings`), and one file per detection the simulator raised (`record`): it
starts `PRE_RECORD` s before the detection and ends `POST_RECORD` s after it clears, carries the
detection types as triggers, and is listed once it is finished (like the firmware, which lists a
file when it is closed). Detections that overlap on a channel share one file. `drop_before`
plays the camera overwriting its oldest files. Times are the device's local wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import recordings
from .clock import DeviceClock
from .recordings import Recording

PRE_RECORD = 2.0
POST_RECORD = 2.0
DEFAULT_HOLD = 10.0
"""Seconds a detection raised without a duration is assumed to last (until it is cleared)."""
MAX_FILES = 2000
"""Files one `Search` answers at most (the firmware's page is smaller; enough for a window)."""


@dataclass(slots=True)
class _Take:
    channel: int
    start: datetime
    end: datetime
    triggers: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)


class SdCard:
    def __init__(self, seed: str, clock: DeviceClock) -> None:
        self.seed = seed
        self.clock = clock
        self.dropped_before: datetime | None = None
        self.pre_record = PRE_RECORD
        self.post_record = POST_RECORD
        self._takes: list[_Take] = []

    # ---------------------------------------------------------------------------------
    # writing

    def record(self, channel: int, trigger: str, active: bool, duration: float | None) -> None:
        """A detection started (`active`) or cleared on `channel`."""
        now = self.clock.now()
        take = next(
            (t for t in self._takes if t.channel == channel and t.end > now),
            None,
        )
        if not active:
            if take is not None and trigger in take.active:
                take.active.discard(trigger)
                if not take.active:
                    take.end = min(take.end, now + timedelta(seconds=self.post_record))
            return
        hold = duration if duration is not None else DEFAULT_HOLD
        end = now + timedelta(seconds=hold + self.post_record)
        if take is None:
            start = now - timedelta(seconds=self.pre_record)
            take = _Take(channel, start.replace(microsecond=0), end)
            self._takes.append(take)
        take.end = max(take.end, end)
        take.triggers.add(trigger)
        take.active.add(trigger)

    def drop_before(self, moment: datetime) -> None:
        """Overwrite every file that started before `moment` (local time)."""
        self.dropped_before = moment
        self._takes = [t for t in self._takes if t.start >= moment]

    # ---------------------------------------------------------------------------------
    # reading

    def _event_files(self, channel: int, stream: str, now: datetime) -> list[Recording]:
        out = []
        rate = (
            recordings.MAIN_BYTES_PER_SECOND
            if stream == "main"
            else recordings.SUB_BYTES_PER_SECOND
        )
        for take in self._takes:
            end = take.end.replace(microsecond=0)
            if take.channel != channel or end > now or end <= take.start:
                continue
            seconds = int((end - take.start).total_seconds())
            size = max(recordings.MIN_FILE_SIZE, seconds * rate)
            triggers = tuple(t for t in recordings.TRIGGERS if t in take.triggers)
            dst = self.clock.is_dst(take.start)
            name = recordings.file_name(channel, stream, take.start, end, size, triggers, dst)
            out.append(Recording(name, channel, stream, take.start, end, size, triggers))
        return out

    def files_of_day(
        self, channel: int, stream: str, day: date, now: datetime | None = None
    ) -> list[Recording]:
        """The day's finished files as the card is at `now` (default: the clock's now)."""
        now = self.clock.now() if now is None else now
        files = recordings.recordings_for_day(
            self.seed, channel, stream, day, now, self.clock.is_dst
        )
        files += [f for f in self._event_files(channel, stream, now) if f.start.date() == day]
        if self.dropped_before is not None:
            files = [f for f in files if f.start >= self.dropped_before]
        return sorted(files, key=lambda f: (f.start, f.name))

    def files(
        self,
        channel: int,
        stream: str,
        start: datetime,
        end: datetime,
        now: datetime | None = None,
    ) -> list[Recording]:
        """The finished files overlapping [start, end] (local times), oldest first, as the card
        is at `now` (default: the clock's now, read once: a file closed while the list is made
        is in it for every day or for none)."""
        now = self.clock.now() if now is None else now
        out: list[Recording] = []
        day = start.date()
        while day <= end.date() and len(out) < MAX_FILES:
            out += [
                f
                for f in self.files_of_day(channel, stream, day, now)
                if f.end >= start and f.start <= end
            ]
            day += timedelta(days=1)
        return out[:MAX_FILES]

    def find(self, name: str) -> Recording | None:
        """The file called `name` (as `Search` returned it), if the card still has it."""
        name = name.strip().lstrip("/")
        match = recordings.NAME_RE.match(name)
        if match is None:
            return None
        try:
            day = datetime.strptime(match["date"], "%Y%m%d").date()
        except ValueError:
            return None
        stream = "main" if match["stream"] == "M" else "sub"
        channel = int(match["chan"]) - 1
        return next((f for f in self.files_of_day(channel, stream, day) if f.name == name), None)

    def search(
        self, channel: int, stream: str, start: datetime, end: datetime, only_status: bool
    ) -> dict[str, object]:
        """The `SearchResult` object for a window."""
        now = self.clock.now()
        today = now.date()
        result: dict[str, object] = {"channel": channel}
        statuses = []
        for year, month in recordings.months(start.date(), end.date()):
            table = recordings.month_table(self.seed, channel, year, month, today)
            if self.dropped_before is not None:
                cut = self.dropped_before.date()
                table = "".join(
                    "0" if date(year, month, i + 1) < cut else c for i, c in enumerate(table)
                )
            statuses.append({"mon": month, "table": table, "year": year})
        if any("1" in str(s["table"]) for s in statuses):
            result["Status"] = statuses
        if only_status:
            return result
        files = [f.search_entry() for f in self.files(channel, stream, start, end, now)]
        if files:
            result["File"] = files
        return result
