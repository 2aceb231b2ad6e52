"""Audio: volume and the siren."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bridge.simulator.state import Json

from .base import Call, channel_of, int_in, one_of, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


#: Seconds the siren sounds per "times" of ``AudioAlarmPlay``.
SIREN_SECONDS_PER_TIME = 1.0


def get_audio_cfg(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    return {"AudioCfg": {"channel": ch.index, "volume": ch.volume, "talkAndReplyVolume": 80}}


def set_audio_cfg(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "AudioCfg")
    if "volume" in new:
        channel_of(dev, call).volume = int_in(new["volume"], 0, 100, "volume")
    return {}


def audio_alarm_play(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    mode = one_of(call.param.get("alarm_mode", "times"), {"times", "manul", "manu"}, "alarm_mode")
    if mode == "times":
        times = int_in(call.param.get("times", 1), 1, 100, "times")
        ch.siren_active = True
        ch.siren_count += 1
        ch.clear_at["siren"] = time.monotonic() + times * SIREN_SECONDS_PER_TIME
    else:
        switch = int_in(call.param.get("manual_switch"), 0, 1, "manual_switch")
        ch.siren_active = switch == 1
        ch.clear_at.pop("siren", None)
        if switch:
            ch.siren_count += 1
    return {}
