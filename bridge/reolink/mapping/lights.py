"""The doorbell's LED mode: `GetPowerLed`/`SetPowerLed` `eDoorbellLightState` (reolink_aio's
StatusLedEnum: KeepOff stays off, Off is automatic, On lights at night, KeepOn always)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.rows.lights import DoorbellLed
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, obj
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Probe, Reader, WireWriter, plain

DOORBELL_LED_WIRE = {
    DoorbellLed.STAY_OFF: "KeepOff",
    DoorbellLed.AUTO: "Off",
    DoorbellLed.ON_AT_NIGHT: "On",
    DoorbellLed.ALWAYS_ON: "KeepOn",
}
DOORBELL_LED_OF = {wire.lower(): mode for mode, wire in DOORBELL_LED_WIRE.items()}


def _doorbell_led(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    state = obj(value, "PowerLed").get("eDoorbellLightState")
    return {"doorbell_led": DOORBELL_LED_OF.get(str(state).lower())}


async def _set_doorbell_led(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    led = {"channel": channel, "eDoorbellLightState": DOORBELL_LED_WIRE[DoorbellLed(value)]}
    await client._run(Request("SetPowerLed", {"PowerLed": led}))


READERS: dict[str, Reader] = {"doorbell_led": plain("GetPowerLed", _doorbell_led)}
WRITERS: dict[str, WireWriter] = {"doorbell_led": _set_doorbell_led}
PROBES: dict[str, Probe] = {}  # the flag is `status_led_doorbell` (GetPowerLed's answer)
