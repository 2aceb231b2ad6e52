"""PTZ beyond moves: saving and deleting presets (`SetPtzPreset`), autofocus (`GetAutoFocus`/
`SetAutoFocus` `disable`), the focus position (`GetZoomFocus` `focus.pos`, `StartZoomFocus` op
`FocusPos`), patrol (`GetPtzPatrol` `running`, `PtzCtrl` `StartPatrol`/`StopPatrol`) and the guard
position (`GetPtzGuard`/`SetPtzGuard`: `benable`, `cmdStr` `setPos`/`toPos`)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.errors import CommandRefused, InvalidCommand
from bridge.domain.values import OnOff
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj, objects
from bridge.reolink.abilities import PAN_TILT_TYPES
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Answers, Probe, Reader, WireWriter, answered, ok, plain

PRESET_IDS = range(1, 65)
PRESET_NAME_MAX = 31
"""The longest preset name the firmware stores."""


# -- presets ---------------------------------------------------------------------------------


async def _presets(client: ClientBase, channel: int) -> list[JsonObject]:
    answer = await client._run(Request("GetPtzPreset", {"channel": channel}))
    return objects(answer.value, "PtzPreset")


async def _save_preset(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    """Store the current position as the preset `value` (overwritten if it exists)."""
    name = str(value).strip()
    if not name or len(name) > PRESET_NAME_MAX:
        raise InvalidCommand(f"a preset name has 1 to {PRESET_NAME_MAX} characters")
    presets = await _presets(client, channel)
    same = [p["id"] for p in presets if p.get("enable") == 1 and p.get("name") == name]
    used = {p.get("id") for p in presets if p.get("enable") == 1}
    free = [i for i in PRESET_IDS if i not in used]
    if not same and not free:
        raise CommandRefused("every PTZ preset slot is in use; delete one first")
    preset = {"channel": channel, "enable": 1, "id": same[0] if same else free[0], "name": name}
    await client._run(Request("SetPtzPreset", {"PtzPreset": preset}))


async def _delete_preset(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    ids = [
        p["id"]
        for p in await _presets(client, channel)
        if p.get("enable") == 1 and p.get("name") == value and isinstance(p.get("id"), int)
    ]
    if not ids:
        raise CommandRefused(f"unknown PTZ preset {value!r}")
    for preset_id in ids:
        preset = {"channel": channel, "enable": 0, "id": preset_id}
        await client._run(Request("SetPtzPreset", {"PtzPreset": preset}))


# -- focus -----------------------------------------------------------------------------------


def _autofocus(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    disable = int_or_none(obj(value, "AutoFocus").get("disable"))
    return {"autofocus": None if disable is None else disable == 0}


async def _set_autofocus(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    focus = {"channel": channel, "disable": 0 if OnOff(value) is OnOff.ON else 1}
    await client._run(Request("SetAutoFocus", {"AutoFocus": focus}))


def _focus_range(ch: ChannelCapabilities | None) -> tuple[int, int]:
    return (ch.ranges.get("focus") if ch is not None else None) or (0, 223)


def _focus(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    position = int_or_none(obj_focus(value).get("pos"))
    if position is None:
        return {"focus": None}
    low, high = _focus_range(ch)
    return {"focus": round(100 * (max(low, min(high, position)) - low) / max(1, high - low))}


def obj_focus(value: JsonObject) -> JsonObject:
    return obj(obj(value, "ZoomFocus"), "focus")


async def _set_focus(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    """Our focus is a percentage of the lens's range, like the zoom."""
    low, high = _focus_range(ch)
    position = low + round((high - low) * max(0, min(100, int(value))) / 100)
    focus = {"channel": channel, "op": "FocusPos", "pos": position}
    await client._run(Request("StartZoomFocus", {"ZoomFocus": focus}))


def _focus_ranges(got: Answers) -> dict[str, tuple[int, int]]:
    answer = got.get("GetZoomFocus")
    if answer is None or not answer.ok:
        return {}
    bounds = obj(obj(obj(answer.range, "ZoomFocus"), "focus"), "pos")
    low, high = bounds.get("min"), bounds.get("max")
    if isinstance(low, int) and isinstance(high, int) and high > low:
        return {"focus": (low, high)}
    return {}


# -- patrol and guard ------------------------------------------------------------------------


def _patrol(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    patrols = objects(value, "PtzPatrol")
    if not patrols:
        return {}
    return {"ptz_patrol": any(p.get("running") == 1 for p in patrols)}


async def _set_patrol(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    """Start or stop the first enabled patrol (what reolink_aio's `ctrl_ptz_patrol` does)."""
    answer = await client._run(Request("GetPtzPatrol", {"channel": channel}))
    enabled = [p for p in objects(answer.value, "PtzPatrol") if p.get("enable") == 1]
    patrol = int_or_none(enabled[0].get("id")) if enabled else None
    op = "StartPatrol" if OnOff(value) is OnOff.ON else "StopPatrol"
    if patrol is None:
        if op == "StartPatrol":
            raise CommandRefused("the camera has no PTZ patrol set up")
        patrol = 0
    await client._run(Request("PtzCtrl", {"channel": channel, "op": op, "id": patrol}))


def _guard(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    enable = int_or_none(obj(value, "PtzGuard").get("benable"))
    return {"ptz_guard": None if enable is None else enable == 1}


async def _set_guard(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    guard = {
        "channel": channel,
        "cmdStr": "setPos",
        "benable": 1 if OnOff(value) is OnOff.ON else 0,
    }
    await client._run(Request("SetPtzGuard", {"PtzGuard": guard}))


async def _goto_guard(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    guard = {"channel": channel, "cmdStr": "toPos", "bSaveCurrentPos": 0}
    await client._run(Request("SetPtzGuard", {"PtzGuard": guard}))


async def _set_guard_position(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    guard = {"channel": channel, "cmdStr": "setPos", "bSaveCurrentPos": 1}
    await client._run(Request("SetPtzGuard", {"PtzGuard": guard}))


READERS: dict[str, Reader] = {
    "autofocus": plain("GetAutoFocus", _autofocus),
    "focus": plain("GetZoomFocus", _focus),
    "ptz_patrol": plain("GetPtzPatrol", _patrol),
    "ptz_guard": plain("GetPtzGuard", _guard),
}
WRITERS: dict[str, WireWriter] = {
    "ptz_preset_save": _save_preset,
    "ptz_preset_delete": _delete_preset,
    "autofocus": _set_autofocus,
    "focus": _set_focus,
    "ptz_patrol": _set_patrol,
    "ptz_guard": _set_guard,
    "ptz_guard_goto": _goto_guard,
    "ptz_guard_set": _set_guard_position,
}
PROBES: dict[str, Probe] = {
    "autofocus": Probe(
        requests=lambda ch, ab, v20: (
            [Request("GetAutoFocus", {"channel": ch})] if ab.ver("disableAutoFocus", ch) > 0 else []
        ),
        supported=lambda got, ab, ch: "disable" in obj(ok(got, "GetAutoFocus"), "AutoFocus"),
    ),
    "focus": Probe(
        requests=lambda ch, ab, v20: [],  # GetZoomFocus (with its ranges) is asked for the zoom
        supported=lambda got, ab, ch: "pos" in obj_focus(ok(got, "GetZoomFocus")),
        ranges=_focus_ranges,
    ),
    "ptz_guard": Probe(
        requests=lambda ch, ab, v20: (
            [Request("GetPtzGuard", {"channel": ch})]
            if ab.ver("ptzType", ch) in PAN_TILT_TYPES
            else []
        ),
        supported=lambda got, ab, ch: (
            answered(got, "GetPtzGuard") and "benable" in obj(ok(got, "GetPtzGuard"), "PtzGuard")
        ),
    ),
}
