"""Battery cameras: battery state and the PIR sensor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator.state import Json

from .base import Call, channel_of, int_in, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_battery_info(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    return {
        "Battery": {
            "adapterStatus": "solarPanel" if ch.charging else "none",
            "batteryPercent": ch.battery_percent,
            "batteryVersion": 2,
            "channel": ch.index,
            "chargeStatus": ch.charging,
            "current": 0,
            "lowPower": 1 if ch.battery_percent < 10 else 0,
            "temperature": 21,
            "voltage": 3700 + 5 * ch.battery_percent,
        }
    }


def get_pir_info(dev: SimulatedDevice, call: Call) -> Json:
    return {"pirInfo": channel_of(dev, call).pir}


def set_pir_info(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "pirInfo")
    updates: Json = {}
    for key, lo, hi in (("enable", 0, 1), ("reduceAlarm", 0, 1), ("sensitive", 1, 100)):
        if key in new:
            updates[key] = int_in(new[key], lo, hi, key)
    if "interval" in new:
        updates["interval"] = int_in(new["interval"], 1, 3600, "interval")
    ch.pir.update(updates)
    return {}
