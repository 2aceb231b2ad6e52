"""The Wi-Fi signal: `GetWifiSignal` (device-wide) → `wifiSignal` in bars, shown in dBm as
reolink_aio does (-85 + 10 × bars)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import ChannelCapabilities
from bridge.reolink._json import JsonObject, int_or_none
from bridge.reolink.wiring import Probe, Reader, WireWriter, device


def _wifi(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    bars = int_or_none(value.get("wifiSignal"))
    return {"wifi_signal": None if bars is None else -85 + 10 * bars}


READERS: dict[str, Reader] = {"wifi": device("GetWifiSignal", _wifi)}
WRITERS: dict[str, WireWriter] = {}
PROBES: dict[str, Probe] = {}  # `Capabilities.wifi`: GetAbility's host `wifi`
