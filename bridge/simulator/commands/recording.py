"""Recording commands: ``Search`` and ``NvrDownload`` over the SD card, manual recording."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator import recordings
from bridge.simulator.state import Json
from bridge.simulator.wire import RspCode

from .base import Call, CommandError, channel_of, int_in, param_error, section

if TYPE_CHECKING:
    from datetime import datetime

    from bridge.simulator.device import SimulatedDevice


def _window(
    dev: SimulatedDevice, s: Json, *, online: bool = False
) -> tuple[int, datetime, datetime, str]:
    """The channel (``online``: that must be online), time window and stream of a ``Search`` or
    ``NvrDownload`` body, checked."""
    channel = int_in(s.get("channel", 0), 0, dev.profile.channel_count - 1, "channel")
    if online and not dev.channels[channel].online:
        raise CommandError(RspCode.DEVICE_OFFLINE)
    start = recordings.parse_reolink_time(s.get("StartTime"))
    end = recordings.parse_reolink_time(s.get("EndTime"))
    if start is None or end is None or end < start:
        raise param_error("StartTime/EndTime")
    stream = s.get("streamType", "main")
    if stream not in ("main", "sub"):
        raise param_error("streamType")
    return channel, start, end, stream


def search(dev: SimulatedDevice, call: Call) -> Json:
    s = section(call, "Search")
    channel, start, end, stream = _window(dev, s, online=True)
    only_status = int_in(s.get("onlyStatus", 0), 0, 1, "onlyStatus") == 1
    return {"SearchResult": dev.sdcard.search(channel, stream, start, end, only_status)}


def nvr_download(dev: SimulatedDevice, call: Call) -> Json:
    channel, start, end, stream = _window(dev, section(call, "NvrDownload"))
    files = dev.sdcard.files(channel, stream, start, end)
    return {"fileList": [{"fileName": f.name, "fileSize": str(f.size)} for f in files]}


def get_manual_rec(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    return {"Rec": {"channel": ch.index, "enable": ch.manual_rec}}


def set_manual_rec(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "Rec")
    channel_of(dev, call).manual_rec = int_in(new.get("enable"), 0, 1, "enable")
    return {}
