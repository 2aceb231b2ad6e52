"""The camera's local time with DST → UTC: the simulator's zone against the client's reading,
the repeated hour of a fall-back settled by the file name's DST flag, and the trigger flags."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from reolink_aio.typings import VOD_trigger, parse_file_name
from reolink_helpers import by_profile, connect

from bridge.reolink.clock import CameraClock, file_flags
from bridge.simulator import Simulator

BERLIN_DST = {
    "enable": 1, "offset": 1,
    "startMon": 3, "startWeek": 5, "startWeekday": 0, "startHour": 2, "startMin": 0, "startSec": 0,
    "endMon": 10, "endWeek": 5, "endWeekday": 0, "endHour": 3, "endMin": 0, "endSec": 0,
}  # fmt: skip


def berlin() -> CameraClock:
    return CameraClock.from_get_time({"Time": {"timeZone": -3600}, "Dst": BERLIN_DST})


def test_the_rule_agrees_with_the_zone_every_hour_of_a_year() -> None:
    clock, zone = berlin(), ZoneInfo("Europe/Berlin")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment.year == 2026:
        local = moment.astimezone(zone)
        assert clock.to_local(moment) == local.replace(tzinfo=None)
        dst = bool(local.dst())
        assert clock.to_utc(local.replace(tzinfo=None), dst) == moment
        moment += timedelta(hours=1)


def test_the_repeated_hour_needs_the_dst_flag() -> None:
    clock = berlin()
    repeated = datetime(2026, 10, 25, 2, 30)  # happens twice in Berlin
    assert clock.to_utc(repeated, True) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert clock.to_utc(repeated, False) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert clock.to_utc(repeated) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # no flag: DST


def test_southern_hemisphere_and_no_dst() -> None:
    sydney = CameraClock.from_get_time(
        {
            "Time": {"timeZone": -36000},
            "Dst": {**BERLIN_DST, "startMon": 10, "startWeek": 1, "endMon": 4, "endWeek": 1},
        }
    )
    zone = ZoneInfo("Australia/Sydney")
    for month in (1, 7):
        moment = datetime(2026, month, 15, 3, tzinfo=UTC)
        assert sydney.to_local(moment) == moment.astimezone(zone).replace(tzinfo=None)
    plain = CameraClock.from_get_time({"Time": {"timeZone": 18000}, "Dst": {"enable": 0}})
    assert plain.to_utc(datetime(2026, 7, 1, 7)) == datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"Time": {"timeZone": "x"}},
        {"Time": {"timeZone": 0}, "Dst": {**BERLIN_DST, "startMon": 13}},
    ],
)
def test_malformed_get_time_is_a_clear_error(value: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="GetTime"):
        CameraClock.from_get_time(value)


AIO_NAMES = {"person": "PERSON", "vehicle": "VEHICLE", "pet": "ANIMAL", "timer": "TIMER",
             "motion": "MOTION", "visitor": "DOORBELL"}  # fmt: skip


@pytest.mark.parametrize("flags", ["6D28808", "6D38808", "6D2C808", "6D20808", "0000000"])
def test_file_name_flags_read_as_reolink_aio_reads_them(flags: str) -> None:
    name = f"Mp4Record/2026-07-01/RecM01_DST20260701_101500_101530_{flags}_4B000.mp4"
    ours = file_flags(name)
    assert ours.dst is True
    theirs = parse_file_name(name)
    assert theirs is not None
    expected = {k for k, v in AIO_NAMES.items() if VOD_trigger[v] in theirs.triggers}
    assert set(ours.triggers) - {"face"} == expected
    assert file_flags("odd.mp4").dst is None


async def test_recordings_in_utc_from_a_camera_in_berlin(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    dev.set_timezone("Europe/Berlin")
    dev.sdcard.post_record = 0.0
    raised = datetime.now(UTC)
    dev.trigger_event("person", True, 0, duration=1.0)
    async with connect(dev) as client:
        await client.get_capabilities()
        async with asyncio.timeout(10):
            while True:
                found = await client.recordings(0, raised - timedelta(hours=1), datetime.now(UTC))
                mine = [r for r in found if "person" in r.triggers]
                if mine:
                    break
                await asyncio.sleep(0.2)
    rec = mine[-1]
    assert rec.start.tzinfo is UTC
    # the camera recorded from 2 s before the event, in Berlin wall-clock time
    assert abs((rec.start - raised).total_seconds() + 2) <= 1.5
    assert all(r.start <= r.end for r in found)
