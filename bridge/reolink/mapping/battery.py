"""Battery cameras: the battery level and charging state (`GetBatteryInfo`: `batteryPercent`,
`chargeStatus` 0 discharging, 1 charging, 2 charged), sleep (`GetChannelstatus` `sleep`), and
PIR on/off and sensitivity (`GetPirInfo`/`SetPirInfo` `enable`, `sensitive`: the device stores
`101 - sensitivity`, as reolink_aio reads it)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.values import OnOff
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj, objects
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Parser, Probe, Reader, WireWriter, ok, plain

PIR_INVERT = 101


def _battery(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    battery = obj(value, "Battery")
    charge = int_or_none(battery.get("chargeStatus"))
    return {
        "battery_level": int_or_none(battery.get("batteryPercent")),
        "battery_charging": None if charge is None else charge == 1,
    }


def _sleep(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    entry = next((s for s in objects(value, "status") if s.get("channel") == ch.channel), {})
    flag = int_or_none(entry.get("sleep"))
    return {"sleeping": None if flag is None else flag == 1}


def _sleep_reader(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
    return Request("GetChannelstatus"), _sleep  # one request for every channel


def _pir(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    pir = obj(value, "pirInfo")
    enable, sensitive = int_or_none(pir.get("enable")), int_or_none(pir.get("sensitive"))
    return {
        "pir": None if enable is None else enable == 1,
        "pir_sensitivity": None if sensitive is None else PIR_INVERT - sensitive,
    }


async def _set_pir(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    pir = {"channel": channel, "enable": 1 if OnOff(value) is OnOff.ON else 0}
    await client._run(Request("SetPirInfo", {"pirInfo": pir}))


async def _set_pir_sensitivity(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    pir = {"channel": channel, "sensitive": PIR_INVERT - int(value)}
    await client._run(Request("SetPirInfo", {"pirInfo": pir}))


READERS: dict[str, Reader] = {
    "battery": plain("GetBatteryInfo", _battery),
    "sleep": _sleep_reader,
    "pir": plain("GetPirInfo", _pir),
}
WRITERS: dict[str, WireWriter] = {"pir": _set_pir, "pir_sensitivity": _set_pir_sensitivity}
PROBES: dict[str, Probe] = {
    "pir": Probe(
        requests=lambda ch, ab, v20: (
            [Request("GetPirInfo", {"channel": ch})] if ab.any(("mdWithPir", "battery"), ch) else []
        ),
        supported=lambda got, ab, ch: "enable" in obj(ok(got, "GetPirInfo"), "pirInfo"),
    ),
}
