"""Read what a device is and what each of its channels can do, in two batched requests.

1. Host batch: GetDevInfo, GetAbility, GetChannelstatus, GetNetPort, GetHddInfo, GetLocalLink,
   GetP2p.
2. Probe batch, per online channel: GetEnc, GetEvents / GetMdState / GetAiState, and — where the
   abilities advertise the feature — the Get command behind each feature.

A feature is supported when GetAbility says so (`ver > 0`) AND its Get command answers (the rule
reolink_aio follows); features without an ability key (recording, e-mail, push, FTP, motion
sensitivity) need only the answer. Offline NVR channels are listed with `online=False` and
every feature off; read the capabilities again when they come online.

Battery channels (GetAbility `battery`) are asked the detection probes (GetEvents / GetMdState /
GetAiState) only on the first read, as reolink_aio's own first read does: a later read (the
health check, with `previous`) keeps the detection flags `previous` knew of them, so a sleeping
camera is never woken to say again what it can detect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities, StorageInfo, StreamPorts
from bridge.domain.values import DeviceKind
from bridge.reolink._json import JsonObject, integer, obj, objects, text_or_none
from bridge.reolink.abilities import PAN_TILT_TYPES, Abilities
from bridge.reolink.mapping import PROBES
from bridge.reolink.vocab import AI_KEYS
from bridge.reolink.wire import Reply, Request

_LOGGER = logging.getLogger(__name__)

Execute = Callable[[Sequence[Request]], Awaitable[list[Reply]]]

NVR_TYPES = frozenset({"NVR", "WIFI_NVR", "HOMEHUB"})


TOGGLES: dict[str, str] = {"recording": "Rec", "email": "Email", "push": "Push", "ftp": "Ftp"}
"""Our toggle name → the Reolink command stem (GetRec/GetRecV20 …) and value key."""

_ZOOM_TYPES = frozenset({1, 2, 5})
_ISP_KEYS = ("ispBright", "ispContrast", "ispSatruation", "ispSharpen", "ispHue")


DETECTION_PROBES = ("GetEvents", "GetMdState", "GetAiState")
"""The probes that read a channel's detections (never repeated on a battery channel)."""

_DETECTION_FLAGS = ("motion", "ai_types", "visitor")


async def read(
    execute: Execute, username: str, previous: Capabilities | None = None
) -> Capabilities:
    """The device's `Capabilities` (raises the typed error if even GetDevInfo fails); with
    `previous` (a re-read), battery channels keep their detection flags unasked."""
    host = await _named(
        execute,
        [
            Request("GetDevInfo"),
            Request("GetAbility", {"User": {"userName": username}}),
            Request("GetChannelstatus"),
            Request("GetNetPort"),
            Request("GetHddInfo"),
            Request("GetLocalLink"),
            Request("GetP2p"),
        ],
    )
    dev = obj(host["GetDevInfo"].value_or_raise(), "DevInfo")
    abilities = Abilities.parse(host["GetAbility"])
    device_type = str(dev.get("exactType") or dev.get("type") or "IPC")
    is_nvr = {str(dev.get("type")), str(dev.get("exactType"))} & NVR_TYPES != set()
    v20 = abilities.ver("scheduleVersion") >= 1
    uid = str(obj(host["GetP2p"].value, "P2p").get("uid") or "")
    slots = _channel_slots(dev, host["GetChannelstatus"], is_nvr=is_nvr, uid=uid)

    online = [slot.channel for slot in slots if slot.online]
    if previous is not None and previous.serial != str(dev.get("serial") or ""):
        previous = None  # another device answers at this address: ask it all
    known = {c.channel: c for c in previous.channels} if previous is not None else {}
    kept = {ch: known[ch] for ch in online if ch in known and abilities.ver("battery", ch) > 0}
    probes = [
        (ch, req)
        for ch in online
        for req in _probe_requests(ch, abilities, v20, is_nvr)
        if ch not in kept or req.cmd not in DETECTION_PROBES
    ]
    answers = await execute([request for _, request in probes])
    per_channel: dict[int, dict[str, Reply]] = {ch: {} for ch in online}
    for (ch, request), answer in zip(probes, answers, strict=True):
        per_channel[ch][request.cmd] = answer

    channels = [
        _channel(slot, per_channel[slot.channel], abilities, v20, kept.get(slot.channel))
        if slot.online
        else slot
        for slot in slots
    ]
    heard = [a for replies in per_channel.values() for a in replies.values()]
    # what the battery channels said of the device-wide flags stands
    get_events = any(a.cmd == "GetEvents" and a.ok for a in heard)
    ai_state = any(a.cmd == "GetAiState" and a.ok for a in heard)
    if previous is not None and kept:
        get_events = get_events or previous.get_events
        ai_state = ai_state or previous.ai_state
    if is_nvr:
        kind = DeviceKind.NVR
    elif any(c.has("visitor") for c in channels):
        kind = DeviceKind.DOORBELL
    else:
        kind = DeviceKind.CAMERA
    return Capabilities(
        model=str(dev.get("model") or "unknown"),
        name=str(dev.get("name") or ""),
        serial=str(dev.get("serial") or ""),
        uid=uid,
        mac=text_or_none(obj(host["GetLocalLink"].value, "LocalLink").get("mac")),
        firmware=str(dev.get("firmVer") or ""),
        hardware=str(dev.get("hardVer") or ""),
        device_type=device_type,
        kind=kind,
        channel_count=integer(dev.get("channelNum"), len(slots)) or len(slots),
        channels=channels,
        ports=_ports(host["GetNetPort"], abilities),
        storage=_storage(host["GetHddInfo"]),
        reboot=abilities.ver("reboot") > 0 if abilities.known else True,
        wifi=abilities.ver("wifi") > 0,
        schedule_v20=v20,
        get_events=get_events,
        ai_state=ai_state,
    )


async def _named(execute: Execute, requests: list[Request]) -> dict[str, Reply]:
    return {r.cmd: a for r, a in zip(requests, await execute(requests), strict=True)}


def _channel_slots(
    dev: JsonObject, status: Reply, *, is_nvr: bool, uid: str
) -> list[ChannelCapabilities]:
    """Every channel the device has, with name/model/online; features still all off."""
    entries = status.value.get("status") if status.ok else None
    if isinstance(entries, list) and entries:
        slots = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("channel"), int):
                continue
            alone = not is_nvr and len(entries) == 1
            slots.append(
                _blank(
                    entry["channel"],
                    name=str(entry.get("name") or (dev.get("name") if alone else "") or ""),
                    model=text_or_none(entry.get("typeInfo"))
                    or (dev.get("model") if alone else None),
                    uid=text_or_none(entry.get("uid")) or (uid if alone else None),
                    firmware=str(dev.get("firmVer")) if alone else None,
                    online=entry.get("online", 1) == 1,
                )
            )
        return sorted(slots, key=lambda s: s.channel)
    # Standalone cameras answer GetChannelstatus with "Unknown": every channelNum channel exists.
    count = max(integer(dev.get("channelNum"), 1), 1)
    if is_nvr:
        _LOGGER.warning("NVR without GetChannelstatus: assuming all %d channels online", count)
    return [
        _blank(
            ch,
            name=str(dev.get("name") or "") if count == 1 else "",
            model=None if is_nvr else text_or_none(dev.get("model")),
            uid=(uid or None) if count == 1 and not is_nvr else None,
            firmware=None if is_nvr else text_or_none(dev.get("firmVer")),
            online=True,
        )
        for ch in range(count)
    ]


def _blank(channel: int, **fields: Any) -> ChannelCapabilities:
    off = dict.fromkeys(("motion", "snapshot"), False)
    return ChannelCapabilities(channel=channel, **off, **fields)


def _probe_requests(ch: int, ab: Abilities, v20: bool, is_nvr: bool) -> list[Request]:
    p = {"channel": ch}
    requests = [
        Request("GetEnc", p),
        Request("GetEvents", p),
        Request("GetMdState", p),
        Request("GetAiState", p),
        Request("GetIsp", p),
        Request("GetImage", p),
        Request("GetMdAlarm", p),
    ]
    if not v20:
        requests.append(Request("GetAlarm", {"Alarm": {"channel": ch, "type": "md"}}))
    if is_nvr:
        requests.append(Request("GetChnTypeInfo", p))
    if ab.any(("floodLight", "supportFLswitch"), ch):
        requests.append(Request("GetWhiteLed", p))
    if ab.ver("ledControl", ch) > 0:
        requests.append(Request("GetIrLights", p))
    if ab.any(("powerLed", "indicatorLight", "supportDoorbellLight"), ch):
        requests.append(Request("GetPowerLed", p))
    if ab.any(("alarmAudio", "supportAudioAlarm"), ch):
        requests.append(Request("GetAudioAlarmV20" if v20 else "GetAudioAlarm", p))
    ptz_type = ab.ver("ptzType", ch)
    if ptz_type in PAN_TILT_TYPES or ab.ver("ptzPreset", ch) > 0:
        requests += [Request("GetPtzPreset", p), Request("GetPtzPatrol", p)]
    if ptz_type in _ZOOM_TYPES or ab.ver("supportDigitalZoom", ch) > 0:
        requests.append(Request("GetZoomFocus", p, action=1))
    suffix = "V20" if v20 else ""
    requests += [Request(f"Get{stem}{suffix}", p) for stem in TOGGLES.values()]
    for probe in PROBES.values():  # the table's other flags (`bridge.reolink.mapping`)
        requests += probe.requests(ch, ab, v20)
    asked = {request.cmd for request in requests}
    unique: list[Request] = []
    for request in requests:  # one request per command: a second one would be a repeat
        if request.cmd in asked:
            asked.discard(request.cmd)
            unique.append(request)
    return unique


def _channel(
    slot: ChannelCapabilities,
    got: dict[str, Reply],
    ab: Abilities,
    v20: bool,
    kept: ChannelCapabilities | None = None,
) -> ChannelCapabilities:
    """One online channel from its probes' answers (`kept`: its detection flags, unasked)."""
    if kept is not None:
        fresh = _channel(slot, {**_UNASKED, **got}, ab, v20)
        return fresh.model_copy(update={k: getattr(kept, k) for k in _DETECTION_FLAGS})
    ch = slot.channel
    events = got["GetEvents"].value if got["GetEvents"].ok else None
    ai: dict[str, Any] = {}
    if events is not None and isinstance(events.get("ai"), dict):
        ai = events["ai"]
    elif got["GetAiState"].ok:
        ai = got["GetAiState"].value
    ai_types = [kind for key, kind in AI_KEYS.items() if _ai_supported(ai.get(key))]
    md = obj(events, "md") if events is not None else {}
    pir = obj(ai, "other").get("support") == 1  # battery cameras: PIR motion as `ai.other`
    motion = got["GetMdState"].ok or md.get("support") == 1 or pir
    visitor = events is not None and obj(events, "visitor").get("support") == 1

    white = obj(_ok(got, "GetWhiteLed"), "WhiteLed")
    power = obj(_ok(got, "GetPowerLed"), "PowerLed")
    isp = obj(_ok(got, "GetIsp"), "Isp")
    presets = {
        str(p.get("name")): int(p["id"])
        for p in objects(_ok(got, "GetPtzPreset"), "PtzPreset")
        if p.get("enable") == 1 and isinstance(p.get("id"), int) and p.get("name")
    }
    patrols = [p for p in objects(_ok(got, "GetPtzPatrol"), "PtzPatrol") if p.get("enable") == 1]
    md_new = bool(obj(_ok(got, "GetMdAlarm"), "MdAlarm"))
    md_old = bool(obj(_ok(got, "GetAlarm"), "Alarm").get("sens"))
    chn_type = _ok(got, "GetChnTypeInfo")
    toggles = {
        name: _toggle_supported(got, f"Get{stem}{'V20' if v20 else ''}", stem, v20)
        for name, stem in TOGGLES.items()
    }
    return slot.model_copy(
        update={
            "model": slot.model or text_or_none(chn_type.get("typeInfo")),
            "firmware": slot.firmware or text_or_none(chn_type.get("firmVer")),
            "motion": motion,
            "ai_types": ai_types,
            "visitor": visitor,
            "siren": _answered(got, "GetAudioAlarmV20") or _answered(got, "GetAudioAlarm"),
            "floodlight": bool(white),
            "floodlight_brightness": "bright" in white,
            "ir_lights": _answered(got, "GetIrLights"),
            "status_led": bool(power),
            "status_led_doorbell": "eDoorbellLightState" in power,
            "pan_tilt": ab.ver("ptzType", ch) in PAN_TILT_TYPES,
            "zoom": "GetZoomFocus" in got,
            "zoom_range": _zoom_range(got.get("GetZoomFocus")),
            "ptz_presets": list(presets),
            "ptz_preset_ids": presets,
            "ptz_patrol": bool(patrols),
            "image_settings": _answered(got, "GetImage")
            and (ab.any(_ISP_KEYS, ch) or ab.ver("image", ch) > 0),
            "day_night": ab.ver("ispDayNight", ch, missing=1) > 0 and "dayNight" in isp,
            "md_sensitivity": md_new or md_old,
            "md_sensitivity_legacy": md_old and not md_new,
            "snapshot": ab.ver("snap", ch, missing=1) > 0 if ab.known else True,
            "battery": ab.ver("battery", ch) > 0,
            **toggles,
            **{flag: probe.supported(got, ab, ch) for flag, probe in PROBES.items()},
            "ranges": {k: v for probe in PROBES.values() for k, v in probe.ranges(got).items()},
        }
    )


_UNASKED: dict[str, Reply] = {
    cmd: Reply(cmd, ok=False, error="not asked (battery channel)") for cmd in DETECTION_PROBES
}
"""What `_channel` reads for the detection probes not asked of a battery channel."""


def _ai_supported(entry: object) -> bool:
    if isinstance(entry, dict):
        return entry.get("support") == 1
    return isinstance(entry, int) and not isinstance(entry, bool)  # very old firmware: plain ints


def _toggle_supported(got: dict[str, Reply], cmd: str, key: str, v20: bool) -> bool:
    value = obj(_ok(got, cmd), key)
    # reolink_aio: a V20 answer without `scheduleEnable` cannot switch the feature per channel.
    return bool(value) and (not v20 or "scheduleEnable" in value)


def _zoom_range(answer: Reply | None) -> tuple[int, int] | None:
    if answer is None or not answer.ok:
        return None
    zoom = obj(obj(answer.range, "ZoomFocus"), "zoom")
    bounds = obj(zoom, "pos") or zoom  # `zoom.pos.{min,max}` (what reolink_aio reads), or flat
    low, high = bounds.get("min"), bounds.get("max")
    if isinstance(low, int) and isinstance(high, int) and high > low:
        return (low, high)
    return None


def _ports(answer: Reply, ab: Abilities) -> StreamPorts:
    net = obj(answer.value, "NetPort") if answer.ok else {}

    def port(name: str, ability: str | None = None) -> int | None:
        value = net.get(f"{name}Port")
        if not isinstance(value, int) or net.get(f"{name}Enable", 1) == 0:
            return None
        if ability and ab.known and ab.ver(ability) <= 0:
            return None
        return value

    rtmp = port("rtmp", "rtmp")
    return StreamPorts(
        rtsp=port("rtsp", "rtsp"),
        rtmp=rtmp,
        onvif=port("onvif", "onvif"),
        http=port("http"),
        https=port("https"),
        media=port("media"),
        http_flv=rtmp is not None and ab.ver("httpFlv") > 0,
    )


def _storage(answer: Reply) -> list[StorageInfo]:
    disks = objects(answer.value, "HddInfo") if answer.ok else []
    return [
        StorageInfo(
            number=integer(disk.get("number"), index),
            capacity_mb=integer(disk.get("capacity"), 0),
            free_mb=integer(disk.get("size"), 0),
            storage_type={1: "hdd", 2: "sd"}.get(integer(disk.get("storageType"), 0), "unknown"),
            formatted=disk.get("format", 1) == 1,
        )
        for index, disk in enumerate(disks)
    ]


def _ok(got: dict[str, Reply], cmd: str) -> JsonObject:
    answer = got.get(cmd)
    return answer.value if answer is not None and answer.ok else {}


def _answered(got: dict[str, Reply], cmd: str) -> bool:
    answer = got.get(cmd)
    return answer is not None and answer.ok
