"""Reading a device's state: detections (fast cadence) and settings (slow cadence).

Each is ONE batched request for all online channels (chunks of 35). A channel whose every
reply failed (an NVR channel that just went offline, …) is left out of the result; a field that
was not read stays None in `ChannelState`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from statistics import mean
from typing import Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.features import FEATURES
from bridge.domain.state import DEVICE_CHANNEL, ChannelState
from bridge.reolink._json import JsonObject, int_or_none, obj, objects
from bridge.reolink.capabilities import TOGGLES
from bridge.reolink.mapping import READERS
from bridge.reolink.vocab import (
    AI_KEYS,
    DAY_NIGHT_OF,
    FLOODLIGHT_MODE_OF,
    IR_MODE_OF,
    STATUS_LED_OFF,
    sensitivity_from_wire,
)
from bridge.reolink.wire import Reply, Request
from bridge.reolink.wiring import SLEEP_GROUP, WAKING_COMMANDS, Parser, Reader

_LOGGER = logging.getLogger(__name__)

Execute = Callable[[Sequence[Request]], Awaitable[list[Reply]]]


async def poll_detections(execute: Execute, caps: Capabilities) -> dict[int, ChannelState]:
    """Motion, AI and visitor state: GetEvents where the firmware has it, else GetMdState
    (+ GetAiState for channels with AI types)."""
    plan: list[tuple[ChannelCapabilities, Request, Parser]] = []
    for ch in caps.channels:
        if not ch.online:
            continue
        p = {"channel": ch.channel}
        if caps.get_events:
            plan.append((ch, Request("GetEvents", p), _events))
            continue
        if ch.has("motion"):
            plan.append((ch, Request("GetMdState", p), _md_state))
        if caps.ai_state and ch.ai_types:
            plan.append((ch, Request("GetAiState", p), _ai_state))
    return await _run(execute, [(ch, ch.channel, request, parse) for ch, request, parse in plan])


async def read_settings(execute: Execute, caps: Capabilities) -> dict[int, ChannelState]:
    """Every feature field the table reads slowly (lights, IR, LED, day/night, image, motion
    sensitivity, the recording/e-mail/push/FTP toggles, zoom, …): one request per reader group the
    channel's features need, identical requests sent once. Device-wide fields (`scope="device"`
    rows: the Wi-Fi signal) are read once, under `DEVICE_CHANNEL`. (Whether the siren is sounding
    cannot be read over HTTP.)"""
    plan: list[tuple[ChannelCapabilities, int, Request, Parser]] = []
    online = [ch for ch in caps.channels if ch.online]
    asleep = await _asleep(execute, caps, online)
    for ch in online:
        groups = dict.fromkeys(
            row.read
            for row in FEATURES.rows
            if row.read is not None
            and not row.fast
            and row.scope == "channel"
            and row.available(ch, caps)
        )
        planned = _planned(ch, ch.channel, groups, caps)
        if ch.channel in asleep:  # a sleeping battery camera is not woken to be read
            planned = [p for p in planned if p[2].cmd not in WAKING_COMMANDS]
        plan += planned
    if online:
        groups = dict.fromkeys(
            row.read
            for row in FEATURES.rows
            if row.read is not None and row.scope == "device" and row.available(None, caps)
        )
        plan += _planned(online[0], DEVICE_CHANNEL, groups, caps)
    return await _run(execute, plan)


async def _asleep(
    execute: Execute, caps: Capabilities, online: list[ChannelCapabilities]
) -> set[int]:
    """The battery channels that sleep now (one request that wakes nothing)."""
    battery = [ch for ch in online if ch.has("battery")]
    reader = SETTINGS_READERS.get(SLEEP_GROUP)
    if not battery or reader is None:
        return set()
    found = await _run(execute, [(ch, ch.channel, *reader(ch, caps)) for ch in battery])
    return {channel for channel, state in found.items() if state.get("sleeping")}


def _planned(
    ch: ChannelCapabilities, key: int, groups: Iterable[str], caps: Capabilities
) -> list[tuple[ChannelCapabilities, int, Request, Parser]]:
    plan = []
    for group in groups:
        reader = SETTINGS_READERS.get(group)
        if reader is None:
            _LOGGER.debug("no reader for feature group %r", group)
            continue
        request, parser = reader(ch, caps)
        plan.append((ch, key, request, parser))
    return plan


async def _run(
    execute: Execute, plan: list[tuple[ChannelCapabilities, int, Request, Parser]]
) -> dict[int, ChannelState]:
    if not plan:
        return {}
    # Reader groups that send the same request (GetIsp for day/night and HDR) share it.
    unique: dict[str, Request] = {}
    for _, _, request, _ in plan:
        unique.setdefault(_same(request), request)
    index = {key: i for i, key in enumerate(unique)}
    answers = await execute(list(unique.values()))
    fields: dict[int, dict[str, Any]] = {}
    for ch, key, request, parse in plan:
        answer = answers[index[_same(request)]]
        if not answer.ok:
            _LOGGER.debug(
                "channel %d: %s failed: %s (%s)",
                ch.channel,
                request.cmd,
                answer.error,
                answer.rsp_code,
            )
            continue
        fields.setdefault(key, {}).update(parse(ch, answer.value))
    return {channel: ChannelState(channel=channel, **found) for channel, found in fields.items()}


def _same(request: Request) -> str:
    """A key equal for equal requests (their parameters are plain JSON)."""
    return json.dumps([request.cmd, dict(request.param), request.action], sort_keys=True)


# -- detections ----------------------------------------------------------------------------------


def _alarm_state(entry: object) -> bool | None:
    if isinstance(entry, dict):
        entry = entry.get("alarm_state")
    value = int_or_none(entry)
    return None if value is None else value == 1


def _ai_fields(ch: ChannelCapabilities, ai: JsonObject) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, kind in AI_KEYS.items():
        if kind in ch.ai_types and key in ai:
            found[kind.value] = _alarm_state(ai[key])
    return found


def _events(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    ai = obj(value, "ai")
    found = _ai_fields(ch, ai)
    md, pir = obj(value, "md"), obj(ai, "other")
    if ch.has("motion") and pir.get("support") == 1 and md.get("support") != 1:
        found["motion"] = _alarm_state(pir)  # battery camera: PIR motion
    elif ch.has("motion") and "md" in value:
        found["motion"] = _alarm_state(value["md"])
    if ch.has("visitor") and "visitor" in value:
        found["visitor"] = _alarm_state(value["visitor"])
    return found


def _md_state(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    return {"motion": _alarm_state(value.get("state"))}


def _ai_state(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    return _ai_fields(ch, value)


# -- settings ------------------------------------------------------------------------------------


def _white_led(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    led = obj(value, "WhiteLed")
    state, bright, mode = (int_or_none(led.get(k)) for k in ("state", "bright", "mode"))
    return {
        "floodlight": None if state is None else state == 1,
        "floodlight_brightness": bright if ch.has("floodlight_brightness") else None,
        "floodlight_mode": FLOODLIGHT_MODE_OF.get(mode) if mode is not None else None,
    }


def _ir_lights(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    state = obj(value, "IrLights").get("state")
    return {"ir_lights": IR_MODE_OF.get(str(state).lower())}


def _power_led(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    led = obj(value, "PowerLed")
    state = led.get("eDoorbellLightState" if ch.status_led_doorbell else "state")
    return {"status_led": None if state is None else str(state).lower() not in STATUS_LED_OFF}


def _isp(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    day_night = obj(value, "Isp").get("dayNight")
    return {"day_night": DAY_NIGHT_OF.get(str(day_night).lower())}


def _image(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    image = obj(value, "Image")
    names = {
        "brightness": "bright",
        "contrast": "contrast",
        "saturation": "saturation",
        "sharpness": "sharpen",
        "hue": "hue",
    }
    return {ours: int_or_none(image.get(theirs)) for ours, theirs in names.items()}


def _zoom(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    position = int_or_none(obj(obj(value, "ZoomFocus"), "zoom").get("pos"))
    return {"zoom": None if position is None else ch.zoom_percent(position)}


def _md_alarm(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    alarm = obj(value, "MdAlarm")
    if alarm.get("useNewSens") == 1:
        sens = int_or_none(obj(alarm, "newSens").get("sensDef"))
        return {"motion_sensitivity": None if sens is None else sensitivity_from_wire(sens)}
    return _mean_sensitivity(objects(alarm, "sens"))


def _alarm(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
    return _mean_sensitivity(objects(obj(value, "Alarm"), "sens"))


def _mean_sensitivity(periods: list[JsonObject]) -> dict[str, Any]:
    values = [v for v in (int_or_none(p.get("sensitivity")) for p in periods) if v is not None]
    return {"motion_sensitivity": sensitivity_from_wire(mean(values)) if values else None}


def _toggle(name: str, stem: str, *, v20: bool) -> Parser:
    def parse(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
        body = obj(value, stem)
        # V20: the channel's own switch is `scheduleEnable`; legacy: `schedule.enable`.
        flag = body.get("scheduleEnable") if v20 else obj(body, "schedule").get("enable")
        state = int_or_none(flag)
        return {name: None if state is None else state == 1}

    return parse


# -- the wire mapping of the feature table's reader groups ---------------------------------------


def _plain(cmd: str, parser: Parser) -> Reader:
    return lambda ch, caps: (Request(cmd, {"channel": ch.channel}), parser)


def _motion_sensitivity(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
    if ch.md_sensitivity_legacy:
        alarm = {"Alarm": {"channel": ch.channel, "type": "md"}}
        return Request("GetAlarm", alarm), _alarm
    return Request("GetMdAlarm", {"channel": ch.channel}), _md_alarm


def _toggle_reader(name: str) -> Reader:
    stem = TOGGLES[name]

    def reader(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
        suffix = "V20" if caps.schedule_v20 else ""
        request = Request(f"Get{stem}{suffix}", {"channel": ch.channel})
        return request, _toggle(name, stem, v20=caps.schedule_v20)

    return reader


SETTINGS_READERS: dict[str, Reader] = {
    "white_led": _plain("GetWhiteLed", _white_led),
    "ir_lights": _plain("GetIrLights", _ir_lights),
    "power_led": _plain("GetPowerLed", _power_led),
    "isp": _plain("GetIsp", _isp),
    "image": _plain("GetImage", _image),
    "zoom": _plain("GetZoomFocus", _zoom),
    "md_alarm": _motion_sensitivity,
    "rec": _toggle_reader("recording"),
    "email": _toggle_reader("email"),
    "push": _toggle_reader("push"),
    "ftp": _toggle_reader("ftp"),
    **READERS,
}
"""Reader group (a feature row's `read`) → the request that reads it and the parser of its answer.
The detections (`detections`, read on every poll) are `poll_detections`."""

READER_GROUPS = frozenset({"detections", *SETTINGS_READERS})
"""Every reader group this client implements (a test checks each row's `read` is one)."""
