"""Detection: motion and AI states, ``GetEvents``, and the motion/AI alarm settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator.state import FULL_WEEK, ChannelState, Json

from .base import Call, channel_of, int_in, one_of, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_md_state(dev: SimulatedDevice, call: Call) -> Json:
    ch = dev.expire_events(channel_of(dev, call))
    return {"state": 1 if ch.motion else 0}


def _ai_entries(dev: SimulatedDevice, ch: ChannelState) -> Json:
    types = ["dog_cat", "face", "people", "vehicle"]
    if dev.profile.get_events or "package" in ch.profile.ai_types:
        types.append("package")
    return {
        t: {
            "alarm_state": 1 if ch.ai.get(t) else 0,
            "support": 1 if t in ch.profile.ai_types else 0,
        }
        for t in sorted(types)
    }


def get_ai_state(dev: SimulatedDevice, call: Call) -> Json:
    ch = dev.expire_events(channel_of(dev, call))
    return {"channel": ch.index, **_ai_entries(dev, ch)}


def get_events(dev: SimulatedDevice, call: Call) -> Json:
    ch = dev.expire_events(channel_of(dev, call))
    ai = _ai_entries(dev, ch)
    battery = ch.profile.battery  # battery cameras detect motion by PIR: the "other" item
    ai["other"] = {"alarm_state": 1 if ch.motion and battery else 0, "support": 1 if battery else 0}
    return {
        "ai": dict(sorted(ai.items())),
        "channel": ch.index,
        "md": {
            "alarm_state": 1 if ch.motion and not battery else 0,
            "support": 0 if battery else 1,
        },
        "visitor": {
            "alarm_state": 1 if ch.visitor else 0,
            "support": 1 if ch.profile.doorbell else 0,
        },
    }


def get_md_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    sens = [
        {
            "beginHour": 0,
            "beginMin": 0,
            "enable": 1 if i == 0 else 0,
            "endHour": 23,
            "endMin": 59,
            "id": i,
            "priority": 0,
            "sensitivity": ch.md_sens_def,
        }
        for i in range(4)
    ]
    return {
        "MdAlarm": {
            "channel": ch.index,
            "enable": ch.md_enable,
            "newSens": {"sens": sens, "sensDef": ch.md_sens_def},
            "scope": {"cols": 80, "rows": 60, "table": "1" * 4800},
            "type": "md",
            "useNewSens": 1,
        }
    }


def set_md_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "MdAlarm")
    if "enable" in new:
        ch.md_enable = int_in(new["enable"], 0, 1, "enable")
    new_sens = new.get("newSens")
    if isinstance(new_sens, dict) and "sensDef" in new_sens:
        ch.md_sens_def = int_in(new_sens["sensDef"], 0, 50, "sensDef")
    return {}


def get_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    sens = [
        {
            "beginHour": h,
            "beginMin": 0,
            "endHour": h + 5,
            "endMin": 59,
            "id": i,
            "sensitivity": ch.md_sens_def,
        }
        for i, h in enumerate((0, 6, 12, 18))
    ]
    return {
        "Alarm": {
            "action": {"mail": 1, "push": 1, "recChannel": [ch.index]},
            "channel": ch.index,
            "enable": ch.md_enable,
            "scope": {"cols": 80, "rows": 45, "table": "1" * 3600},
            "schedule": {"enable": 1, "table": FULL_WEEK},
            "sens": sens,
            "type": "md",
        }
    }


def set_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "Alarm")
    if new.get("type", "md") != "md":
        raise param_error("type")
    if "enable" in new:
        ch.md_enable = int_in(new["enable"], 0, 1, "enable")
    sens = new.get("sens")
    if isinstance(sens, list) and sens:
        values = [
            int_in(s.get("sensitivity") if isinstance(s, dict) else None, 1, 50, "sensitivity")
            for s in sens
        ]
        ch.md_sens_def = round(sum(values) / len(values))
    return {}


def get_ai_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    ai_type = one_of(call.param.get("ai_type"), set(ch.ai_alarm), "ai_type")
    return {"AiAlarm": ch.ai_alarm[ai_type]}


def set_ai_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "AiAlarm")
    ai_type = one_of(new.get("ai_type"), set(ch.ai_alarm), "ai_type")
    settings = ch.ai_alarm[ai_type]
    if "sensitivity" in new:
        settings["sensitivity"] = int_in(new["sensitivity"], 0, 100, "sensitivity")
    if "stay_time" in new:
        settings["stay_time"] = int_in(new["stay_time"], 0, 8, "stay_time")
    return {}


def get_ai_cfg(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    detect = dict.fromkeys(sorted(ch.profile.ai_types), 1)
    return {"AiDetectType": detect, "aiTrack": 0, "channel": ch.index, "trackType": detect}
