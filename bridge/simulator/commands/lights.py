"""Lights: the floodlight (white LED), IR lights, the status/doorbell LED."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator import wire
from bridge.simulator.state import Json

from .base import Call, channel_of, int_in, one_of, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_white_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    if call.action == 1:
        return wire.ok(
            call.cmd,
            {"WhiteLed": ch.white_led},
            initial={"WhiteLed": {**ch.white_led, "bright": 85, "mode": 1, "state": 0}},
            range_={
                "WhiteLed": {
                    "bright": {"max": 100, "min": 0},
                    "channel": 0,
                    "mode": [0, 1, 2, 3],
                    "state": "boolean",
                }
            },
        )
    return {"WhiteLed": ch.white_led}


def set_white_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "WhiteLed")
    updates: Json = {}
    if "state" in new:
        updates["state"] = int_in(new["state"], 0, 1, "state")
    if "bright" in new:
        updates["bright"] = int_in(new["bright"], 0, 100, "bright")
    if "mode" in new:
        updates["mode"] = int_in(new["mode"], 0, 5, "mode")
    schedule = new.get("LightingSchedule")
    if isinstance(schedule, dict):
        sched = dict(ch.white_led["LightingSchedule"])
        for key, hi in (("StartHour", 23), ("EndHour", 23), ("StartMin", 59), ("EndMin", 59)):
            if key in schedule:
                sched[key] = int_in(schedule[key], 0, hi, key)
        updates["LightingSchedule"] = sched
    detect = new.get("wlAiDetectType")
    if isinstance(detect, dict):
        types = dict(ch.white_led["wlAiDetectType"])
        for key, value in detect.items():
            if key in types:
                types[key] = int_in(value, 0, 1, key)
        updates["wlAiDetectType"] = types
    ch.white_led.update(updates)
    return {}


def get_ir_lights(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    return {"IrLights": {"channel": ch.index, "state": ch.ir_state}}


def set_ir_lights(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "IrLights")
    channel_of(dev, call).ir_state = one_of(new.get("state"), {"Auto", "Off", "On"}, "state")
    return {}


_DOORBELL_LIGHT = ["KeepOff", "Off", "On", "KeepOn"]


def get_power_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    if call.action == 1:
        rng: Json = {"channel": 0}
        if ch.profile.doorbell:
            rng["eDoorbellLightState"] = _DOORBELL_LIGHT
        else:
            rng["state"] = ["On", "Off"]
        return wire.ok(
            call.cmd,
            {"PowerLed": ch.power_led},
            initial={"PowerLed": ch.power_led},
            range_={"PowerLed": rng},
        )
    return {"PowerLed": ch.power_led}


def set_power_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "PowerLed")
    if "eDoorbellLightState" in new:
        if not ch.profile.doorbell:
            raise param_error("eDoorbellLightState")
        ch.power_led["eDoorbellLightState"] = one_of(
            new["eDoorbellLightState"], _DOORBELL_LIGHT, "eDoorbellLightState"
        )
    if "state" in new:
        allowed = _DOORBELL_LIGHT if ch.profile.doorbell else ["On", "Off"]
        state = one_of(new["state"], allowed, "state")
        key = "eDoorbellLightState" if ch.profile.doorbell else "state"
        ch.power_led[key] = state
    return {}
