"""The Reolink commands a simulated device answers, one small handler each.

A handler gets the device and the call and returns the ``value`` (or a whole reply); it raises
:class:`CommandError` for an error reply.  :data:`COMMANDS` says, for every command name, which
handler answers it, whether it is per channel, and which feature the firmware needs to know it:
a command whose feature the model lacks is answered ``"cmd": "Unknown"`` / -9 by an IPC (its
firmware has no such command) and ``"cmd": <name>`` / -9 by an NVR for a channel whose camera
lacks it (the NVR knows the command).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import recordings, wire
from .state import FULL_WEEK, PACK_TIMES, POST_REC_TIMES, ChannelState, Json
from .wire import RspCode

if TYPE_CHECKING:
    from .device import SimulatedDevice
    from .profiles import DeviceProfile

#: Seconds the siren sounds per "times" of ``AudioAlarmPlay``.
SIREN_SECONDS_PER_TIME = 1.0
PTZ_OPS = {
    "Stop",
    "Left",
    "Right",
    "Up",
    "Down",
    "LeftUp",
    "LeftDown",
    "RightUp",
    "RightDown",
    "ZoomInc",
    "ZoomDec",
    "FocusInc",
    "FocusDec",
    "IrisInc",
    "IrisDec",
    "Auto",
    "StartPatrol",
    "StopPatrol",
    "ToPos",
}
_PAN_STEP = {"Left": (-1, 0), "Right": (1, 0), "Up": (0, 1), "Down": (0, -1)}
_PAN_STEP |= {"LeftUp": (-1, 1), "LeftDown": (-1, -1), "RightUp": (1, 1), "RightDown": (1, -1)}
PAN_MAX = 3600
TILT_MAX = 900


class CommandError(Exception):
    """An error reply (``code 1``) for the current command."""

    def __init__(self, rsp_code: int, detail: str | None = None, *, unknown: bool = False) -> None:
        super().__init__(detail or wire.DETAILS.get(rsp_code, "error"))
        self.rsp_code = rsp_code
        self.detail = detail
        self.unknown = unknown


def param_error(detail: str = "param error") -> CommandError:
    return CommandError(RspCode.PARAM_ERROR, detail)


@dataclass(slots=True)
class Call:
    """One command of a request body."""

    cmd: str
    action: int
    param: Json
    channel: int | None


Handler = Callable[["SimulatedDevice", Call], Json]


@dataclass(frozen=True, slots=True)
class Command:
    handler: Handler
    per_channel: bool
    feature: str | None = None
    changes_state: bool = False


# ------------------------------------------------------------------------------------------
# helpers


def find_channel(param: Any) -> int | None:
    """``param.channel`` or the ``channel`` of the first nested object (``{"WhiteLed": {...}}``)."""
    if not isinstance(param, dict):
        return None
    ch = param.get("channel")
    if ch is None:
        for inner in param.values():
            if isinstance(inner, dict):
                ch = inner.get("channel")
                if ch is None and isinstance(inner.get("schedule"), dict):
                    ch = inner["schedule"].get("channel")
                break
    if isinstance(ch, bool):
        return None
    if isinstance(ch, int):
        return ch
    if isinstance(ch, str) and ch.isdigit():
        return int(ch)
    return None


def _int(value: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise param_error(f"{what} must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise param_error(f"{what} must be an integer") from None
    if not lo <= number <= hi:
        raise param_error(f"{what} {number} not in {lo}..{hi}")
    return number


def _choice(value: Any, allowed: set[str] | list[str], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise param_error(f"{what} {value!r} not one of {sorted(allowed)}")
    return value


def _obj(call: Call, key: str) -> Json:
    value = call.param.get(key)
    if not isinstance(value, dict):
        raise CommandError(RspCode.NOT_EXIST, f"missing {key}")
    return value


def _ch(dev: SimulatedDevice, call: Call) -> ChannelState:
    assert call.channel is not None
    return dev.channels[call.channel]


def _schedule_table(ch: ChannelState) -> Json:
    table = {"MD": FULL_WEEK, "TIMING": "0" * 168}
    for ai, key in (("people", "AI_PEOPLE"), ("vehicle", "AI_VEHICLE"), ("dog_cat", "AI_DOG_CAT")):
        if ai in ch.profile.ai_types:
            table[key] = FULL_WEEK
    if ch.profile.doorbell:
        table["VISITOR"] = FULL_WEEK
    return table


# ------------------------------------------------------------------------------------------
# host commands


def get_dev_info(dev: SimulatedDevice, call: Call) -> Json:
    p = dev.profile
    info: Json = {
        "B485": 0,
        "IOInputNum": 0,
        "IOOutputNum": 0,
        "audioNum": 1 if p.channels[0].audio and not p.is_nvr else 0,
        "buildDay": f"build {p.firm_ver.rsplit('_', 1)[-1]}",
        "cfgVer": p.cfg_ver,
        "channelNum": p.channel_count,
        "detail": p.detail,
        "diskNum": 1,
        "exactType": p.device_type,
        "firmVer": p.firm_ver,
        "frameworkVer": 1,
        "hardVer": p.hard_ver,
        "model": p.model,
        "name": dev.name,
        "pakSuffix": "pak,paks",
        "serial": dev.serial,
        "type": p.device_type,
        "wifi": 1 if p.wifi else 0,
    }
    if p.legacy:
        for key in ("exactType", "frameworkVer", "pakSuffix"):
            del info[key]
    return {"DevInfo": info}


def get_channel_status(dev: SimulatedDevice, call: Call) -> Json:
    status = []
    for ch in dev.channels:
        entry: Json = {
            "channel": ch.index,
            "name": ch.name if ch.online else "",
            "online": 1 if ch.online else 0,
            "sleep": 1 if ch.sleeping else 0,
            "typeInfo": ch.profile.model if ch.online else "",
            "uid": ch.uid if ch.online else "",
        }
        status.append(entry)
    return {"count": len(status), "status": status}


def get_local_link(dev: SimulatedDevice, call: Call) -> Json:
    return {
        "LocalLink": {
            "activeLink": "LAN",
            "dns": {"auto": 1, "dns1": "192.168.1.1", "dns2": "8.8.8.8"},
            "mac": dev.mac,
            "static": {"gateway": "192.168.1.1", "ip": dev.host, "mask": "255.255.255.0"},
            "type": "DHCP",
        }
    }


def get_net_port(dev: SimulatedDevice, call: Call) -> Json:
    return {"NetPort": dict(dev.host_state.net_port)}


def set_net_port(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "NetPort")
    current = dev.host_state.net_port
    for key, value in new.items():
        if key not in current:
            continue
        if key.endswith("Port"):
            current[key] = _int(value, 1, 65535, key)
        else:
            current[key] = _int(value, 0, 1, key)
    return {}


def get_p2p(dev: SimulatedDevice, call: Call) -> Json:
    return {"P2p": {"enable": 1, "uid": dev.uid}}


def get_hdd_info(dev: SimulatedDevice, call: Call) -> Json:
    cap = dev.profile.storage_capacity_mb
    return {
        "HddInfo": [
            {
                "capacity": cap,
                "format": 1,
                "mount": 1,
                "number": 0,
                "size": cap - dev.host_state.hdd_used_mb,
                "storageType": dev.profile.storage_type,
            }
        ]
    }


def get_user(dev: SimulatedDevice, call: Call) -> Json:
    return {"User": [{"level": "admin", "userName": dev.username}]}


def get_online(dev: SimulatedDevice, call: Call) -> Json:
    users = [
        {
            "canbeDisconn": 0,
            "ip": "127.0.0.1",
            "level": "admin",
            "sessionId": i + 1,
            "userName": dev.username,
        }
        for i in range(dev.sessions.count())
    ]
    return {"User": users}


def get_ntp(dev: SimulatedDevice, call: Call) -> Json:
    return {"Ntp": dict(dev.host_state.ntp)}


def set_ntp(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "Ntp")
    ntp = dev.host_state.ntp
    if "enable" in new:
        ntp["enable"] = _int(new["enable"], 0, 1, "enable")
    if "server" in new:
        if not isinstance(new["server"], str) or not new["server"]:
            raise param_error("server")
        ntp["server"] = new["server"]
    if "port" in new:
        ntp["port"] = _int(new["port"], 1, 65535, "port")
    if "interval" in new:
        ntp["interval"] = _int(new["interval"], 60, 65535, "interval")
    return {}


def get_time(dev: SimulatedDevice, call: Call) -> Json:
    return dev.clock.get_time()


def set_time(dev: SimulatedDevice, call: Call) -> Json:
    # The simulator keeps the host's clock; accept and log valid settings.
    t = call.param.get("Time")
    if t is not None and not isinstance(t, dict):
        raise param_error("Time")
    return {}


def get_push_cfg(dev: SimulatedDevice, call: Call) -> Json:
    return {"PushCfg": {"enable": dev.host_state.push_cfg_enable, "pushInterval": 30}}


def set_push_cfg(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "PushCfg")
    if "enable" in new:
        dev.host_state.push_cfg_enable = _int(new["enable"], 0, 1, "enable")
    return {}


def get_ability(dev: SimulatedDevice, call: Call) -> Json:
    p = dev.profile
    ability: Json = dict(p.host_abilities())
    ability["abilityChn"] = [ch.abilities(legacy=p.legacy) for ch in p.channels]
    return {"Ability": ability}


def get_performance(dev: SimulatedDevice, call: Call) -> Json:
    load = min(95, 8 + dev.requests_last_second())
    return {"Performance": {"codecRate": 2154, "cpuUsed": load, "netThroughput": 0}}


def get_state_light(dev: SimulatedDevice, call: Call) -> Json:
    return {"stateLight": {"enable": dev.host_state.state_light}}


def set_state_light(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "stateLight")
    dev.host_state.state_light = _int(new.get("enable"), 0, 1, "enable")
    return {}


def reboot(dev: SimulatedDevice, call: Call) -> Json:
    dev.schedule_reboot()
    return {}


def search(dev: SimulatedDevice, call: Call) -> Json:
    s = _obj(call, "Search")
    channel = _int(s.get("channel", 0), 0, dev.profile.channel_count - 1, "channel")
    if not dev.channels[channel].online:
        raise CommandError(RspCode.DEVICE_OFFLINE)
    start = recordings.parse_reolink_time(s.get("StartTime"))
    end = recordings.parse_reolink_time(s.get("EndTime"))
    if start is None or end is None or end < start:
        raise param_error("StartTime/EndTime")
    stream = s.get("streamType", "main")
    if stream not in ("main", "sub"):
        raise param_error("streamType")
    only_status = _int(s.get("onlyStatus", 0), 0, 1, "onlyStatus") == 1
    return {"SearchResult": dev.sdcard.search(channel, stream, start, end, only_status)}


def nvr_download(dev: SimulatedDevice, call: Call) -> Json:
    s = _obj(call, "NvrDownload")
    channel = _int(s.get("channel", 0), 0, dev.profile.channel_count - 1, "channel")
    start = recordings.parse_reolink_time(s.get("StartTime"))
    end = recordings.parse_reolink_time(s.get("EndTime"))
    if start is None or end is None or end < start:
        raise param_error("StartTime/EndTime")
    stream = s.get("streamType", "main")
    if stream not in ("main", "sub"):
        raise param_error("streamType")
    files = dev.sdcard.files(channel, stream, start, end)
    return {"fileList": [{"fileName": f.name, "fileSize": str(f.size)} for f in files]}


# ------------------------------------------------------------------------------------------
# channel info, streams, detection


def get_chn_type_info(dev: SimulatedDevice, call: Call) -> Json:
    p = _ch(dev, call).profile
    return {
        "boardInfo": p.hard_ver,
        "firmVer": p.firm_ver,
        "pakSuffix": "pak,paks",
        "typeInfo": p.model,
    }


def _enc_range(ch: ChannelState) -> Json:
    enc = ch.enc
    main, sub = enc["mainStream"], enc["subStream"]
    return {
        "Enc": [
            {
                "audio": "boolean",
                "chnBit": 1 << ch.index,
                "mainStream": {
                    "bitRate": [1024, 1536, 2048, 3072, 4096, 5120, 6144, 7168, 8192],
                    "default": {"bitRate": main["bitRate"], "frameRate": main["frameRate"]},
                    "frameRate": [25, 22, 20, 18, 16, 15, 12, 10, 8, 6, 4, 2],
                    "gop": {"max": 4, "min": 1},
                    "height": main["height"],
                    "profile": ["Base", "Main", "High"],
                    "size": main["size"],
                    "width": main["width"],
                },
                "subStream": {
                    "bitRate": [64, 128, 160, 192, 256, 384, 512],
                    "default": {"bitRate": sub["bitRate"], "frameRate": sub["frameRate"]},
                    "frameRate": [15, 10, 7, 4],
                    "gop": {"max": 4, "min": 1},
                    "height": sub["height"],
                    "profile": ["Base", "Main", "High"],
                    "size": sub["size"],
                    "width": sub["width"],
                },
            }
        ]
    }


def get_enc(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    value = {"Enc": ch.enc}
    if call.action == 1:
        return wire.ok(call.cmd, value, initial=value, range_=_enc_range(ch))
    return value


def set_enc(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "Enc")
    if "audio" in new:
        ch.enc["audio"] = _int(new["audio"], 0, 1, "audio")
    for stream in ("mainStream", "subStream"):
        values = new.get(stream)
        if not isinstance(values, dict):
            continue
        cur = ch.enc[stream]
        if "bitRate" in values:
            cur["bitRate"] = _int(values["bitRate"], 32, 16384, "bitRate")
        if "frameRate" in values:
            cur["frameRate"] = _int(values["frameRate"], 1, 30, "frameRate")
        if "gop" in values:
            cur["gop"] = _int(values["gop"], 1, 4, "gop")
    return {}


def get_rtsp_url(dev: SimulatedDevice, call: Call) -> Json:
    n = (call.channel or 0) + 1
    port = dev.host_state.net_port["rtspPort"]
    base = f"rtsp://{dev.host}:{port}/Preview_{n:02d}"
    return {
        "rtspUrl": {
            "channel": call.channel,
            "mainStream": f"{base}_main",
            "subStream": f"{base}_sub",
        }
    }


def get_mask(dev: SimulatedDevice, call: Call) -> Json:
    return {"Mask": _ch(dev, call).mask}


def set_mask(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "Mask")
    if "enable" in new:
        ch.mask["enable"] = _int(new["enable"], 0, 1, "enable")
    if "area" in new:
        if not isinstance(new["area"], list):
            raise param_error("area")
        ch.mask["area"] = new["area"]
    return {}


def get_md_state(dev: SimulatedDevice, call: Call) -> Json:
    ch = dev.expire_events(_ch(dev, call))
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
    ch = dev.expire_events(_ch(dev, call))
    return {"channel": ch.index, **_ai_entries(dev, ch)}


def get_events(dev: SimulatedDevice, call: Call) -> Json:
    ch = dev.expire_events(_ch(dev, call))
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


# ------------------------------------------------------------------------------------------
# image


def get_isp(dev: SimulatedDevice, call: Call) -> Json:
    return {"Isp": _ch(dev, call).isp}


_ISP_CHOICES = {
    "dayNight": {"Auto", "Color", "Black&White"},
    "backLight": {"Off", "BackLightControl", "DynamicRangeControl"},
    "antiFlicker": {"Off", "50HZ", "60HZ", "Outdoor"},
    "exposure": {"Auto", "LowNoise", "Anti-Smearing", "Manual"},
    "whiteBalance": {"Auto", "Manual"},
}
_ISP_INTS = {
    "dayNightThreshold": (0, 100),
    "blc": (0, 255),
    "drc": (0, 255),
    "mirroring": (0, 1),
    "rotation": (0, 1),
    "nr3d": (0, 1),
    "hdr": (0, 2),
    "redGain": (0, 255),
    "blueGain": (0, 255),
    "constantFrameRate": (0, 1),
}


def set_isp(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "Isp")
    updates: Json = {}
    for key, value in new.items():
        if key in _ISP_CHOICES:
            updates[key] = _choice(value, _ISP_CHOICES[key], key)
        elif key in _ISP_INTS:
            if key == "hdr" and "hdr" not in ch.isp:
                raise CommandError(RspCode.NOT_SUPPORT)
            lo, hi = _ISP_INTS[key]
            updates[key] = _int(value, lo, hi, key)
    ch.isp.update(updates)
    return {}


def get_image(dev: SimulatedDevice, call: Call) -> Json:
    return {"Image": _ch(dev, call).image}


def set_image(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "Image")
    updates: Json = {}
    for key in ("bright", "contrast", "saturation", "hue", "sharpen"):
        if key in new:
            updates[key] = _int(new[key], 0, 255, key)
    ch.image.update(updates)
    return {}


def get_osd(dev: SimulatedDevice, call: Call) -> Json:
    return {"Osd": _ch(dev, call).osd}


def set_osd(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "Osd")
    positions = {"Upper Left", "Top Center", "Upper Right", "Lower Left", "Bottom Center"}
    positions |= {"Lower Right", "Other"}
    osd_channel = new.get("osdChannel")
    if isinstance(osd_channel, dict):
        if "name" in osd_channel:
            name = osd_channel["name"]
            if not isinstance(name, str) or not 0 < len(name) <= 31:
                raise param_error("name")
            ch.osd["osdChannel"]["name"] = name
            ch.name = name
        if "enable" in osd_channel:
            ch.osd["osdChannel"]["enable"] = _int(osd_channel["enable"], 0, 1, "enable")
        if "pos" in osd_channel:
            ch.osd["osdChannel"]["pos"] = _choice(osd_channel["pos"], positions, "pos")
    osd_time = new.get("osdTime")
    if isinstance(osd_time, dict):
        if "enable" in osd_time:
            ch.osd["osdTime"]["enable"] = _int(osd_time["enable"], 0, 1, "enable")
        if "pos" in osd_time:
            ch.osd["osdTime"]["pos"] = _choice(osd_time["pos"], positions, "pos")
    if "watermark" in new:
        ch.osd["watermark"] = _int(new["watermark"], 0, 1, "watermark")
    return {}


# ------------------------------------------------------------------------------------------
# lights


def get_white_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
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
    ch = _ch(dev, call)
    new = _obj(call, "WhiteLed")
    updates: Json = {}
    if "state" in new:
        updates["state"] = _int(new["state"], 0, 1, "state")
    if "bright" in new:
        updates["bright"] = _int(new["bright"], 0, 100, "bright")
    if "mode" in new:
        updates["mode"] = _int(new["mode"], 0, 5, "mode")
    schedule = new.get("LightingSchedule")
    if isinstance(schedule, dict):
        sched = dict(ch.white_led["LightingSchedule"])
        for key, hi in (("StartHour", 23), ("EndHour", 23), ("StartMin", 59), ("EndMin", 59)):
            if key in schedule:
                sched[key] = _int(schedule[key], 0, hi, key)
        updates["LightingSchedule"] = sched
    detect = new.get("wlAiDetectType")
    if isinstance(detect, dict):
        types = dict(ch.white_led["wlAiDetectType"])
        for key, value in detect.items():
            if key in types:
                types[key] = _int(value, 0, 1, key)
        updates["wlAiDetectType"] = types
    ch.white_led.update(updates)
    return {}


def get_ir_lights(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    return {"IrLights": {"channel": ch.index, "state": ch.ir_state}}


def set_ir_lights(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "IrLights")
    _ch(dev, call).ir_state = _choice(new.get("state"), {"Auto", "Off", "On"}, "state")
    return {}


_DOORBELL_LIGHT = ["KeepOff", "Off", "On", "KeepOn"]


def get_power_led(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
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
    ch = _ch(dev, call)
    new = _obj(call, "PowerLed")
    if "eDoorbellLightState" in new:
        if not ch.profile.doorbell:
            raise param_error("eDoorbellLightState")
        ch.power_led["eDoorbellLightState"] = _choice(
            new["eDoorbellLightState"], _DOORBELL_LIGHT, "eDoorbellLightState"
        )
    if "state" in new:
        allowed = _DOORBELL_LIGHT if ch.profile.doorbell else ["On", "Off"]
        state = _choice(new["state"], allowed, "state")
        key = "eDoorbellLightState" if ch.profile.doorbell else "state"
        ch.power_led[key] = state
    return {}


# ------------------------------------------------------------------------------------------
# PTZ


def get_ptz_preset(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    presets = [
        {"channel": ch.index, "enable": p["enable"], "id": p["id"], "name": p["name"]}
        for p in ch.ptz.presets.values()
    ]
    return {"PtzPreset": presets}


def set_ptz_preset(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "PtzPreset")
    preset_id = _int(new.get("id"), 1, 64, "id")
    preset = ch.ptz.presets[preset_id]
    enable = _int(new.get("enable", 1), 0, 1, "enable")
    name = new.get("name", preset["name"] or f"pos{preset_id}")
    if not isinstance(name, str) or len(name) > 31:
        raise param_error("name")
    if enable and not name:
        raise param_error("name")
    preset.update(
        enable=enable,
        name=name if enable else "",
        pan=ch.ptz.pan,
        tilt=ch.ptz.tilt,
        zoom=ch.ptz.zoom,
    )
    return {}


def get_ptz_patrol(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    enabled = [p for p in ch.ptz.presets.values() if p["enable"]]
    patrols = [
        {
            "channel": ch.index,
            "enable": 1 if enabled else 0,
            "id": 0,
            "name": "Patrol",
            "preset": [{"dwellTime": 10, "id": p["id"], "speed": 32} for p in enabled],
            "running": 1 if ch.ptz.patrol_running else 0,
        }
    ]
    patrols += [
        {"channel": ch.index, "enable": 0, "id": i, "name": "", "preset": [], "running": 0}
        for i in range(1, 6)
    ]
    return {"PtzPatrol": patrols}


def get_ptz_guard(dev: SimulatedDevice, call: Call) -> Json:
    guard = _ch(dev, call).ptz.guard
    return {"PtzGuard": {k: v for k, v in guard.items() if k != "pos"}}  # the position is kept


def set_ptz_guard(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "PtzGuard")
    cmd_str = new.get("cmdStr", "setPos")
    _choice(cmd_str, {"setPos", "toPos"}, "cmdStr")
    if "benable" in new:
        ch.ptz.guard["benable"] = _int(new["benable"], 0, 1, "benable")
    if "timeout" in new:
        ch.ptz.guard["timeout"] = _int(new["timeout"], 10, 3600, "timeout")
    if cmd_str == "setPos" and new.get("bSaveCurrentPos"):
        ch.ptz.guard["bexistPos"] = 1
        ch.ptz.guard["pos"] = {"pan": ch.ptz.pan, "tilt": ch.ptz.tilt, "zoom": ch.ptz.zoom}
    if cmd_str == "toPos":
        pos = ch.ptz.guard.get("pos")
        if isinstance(pos, dict):
            ch.ptz.pan, ch.ptz.tilt, ch.ptz.zoom = pos["pan"], pos["tilt"], pos["zoom"]
            ch.ptz.preset, ch.ptz.moving, ch.ptz.patrol_running = None, None, False
            ch.ptz.guard_visits += 1
    return {}


def get_ptz_cur_pos(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    return {"PtzCurPos": {"Ppos": ch.ptz.pan, "Tpos": ch.ptz.tilt, "channel": ch.index}}


def ptz_check(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    ch.ptz.pan = ch.ptz.tilt = 0
    ch.ptz.moving = None
    ch.ptz.preset = None
    return {}


def ptz_ctrl(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    ptz = ch.ptz
    op = _choice(call.param.get("op"), PTZ_OPS, "op")
    if "speed" in call.param:
        ptz.speed = _int(call.param["speed"], 1, 64, "speed")
    zoom_max = ch.profile.zoom_max if ch.profile.zoom else 0
    if op == "Stop":
        ptz.moving = None
    elif op in _PAN_STEP:
        dx, dy = _PAN_STEP[op]
        ptz.pan = (ptz.pan + dx * ptz.speed * 10) % PAN_MAX
        ptz.tilt = max(0, min(TILT_MAX, ptz.tilt + dy * ptz.speed * 5))
        ptz.moving, ptz.preset, ptz.patrol_running = op, None, False
    elif op in ("ZoomInc", "ZoomDec"):
        if not ch.profile.zoom:
            raise CommandError(RspCode.NOT_SUPPORT)
        ptz.zoom = max(0, min(zoom_max, ptz.zoom + (1 if op == "ZoomInc" else -1)))
        ptz.moving, ptz.preset = op, None
    elif op in ("FocusInc", "FocusDec"):
        ptz.focus = max(0, min(ch.profile.focus_max, ptz.focus + (1 if op == "FocusInc" else -1)))
        ptz.moving = op
    elif op in ("IrisInc", "IrisDec"):
        ptz.moving = op
    elif op == "Auto":
        ptz.moving, ptz.preset = "Auto", None
    elif op == "StartPatrol":
        _int(call.param.get("id", 0), 0, 5, "id")
        ptz.patrol_running, ptz.moving = True, None
    elif op == "StopPatrol":
        ptz.patrol_running = False
    elif op == "ToPos":
        preset_id = _int(call.param.get("id"), 1, 64, "id")
        preset = ptz.presets[preset_id]
        if not preset["enable"]:
            raise param_error(f"preset {preset_id} is not set")
        ptz.pan, ptz.tilt = preset["pan"], preset["tilt"]
        ptz.zoom = min(zoom_max, preset["zoom"])
        ptz.preset, ptz.moving, ptz.patrol_running = preset_id, None, False
    return {}


def get_zoom_focus(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    value = {
        "ZoomFocus": {
            "channel": ch.index,
            "focus": {"pos": ch.ptz.focus},
            "zoom": {"pos": ch.ptz.zoom},
        }
    }
    if call.action == 1:
        rng = {
            "ZoomFocus": {
                "channel": 0,
                "focus": {"pos": {"max": ch.profile.focus_max, "min": 0}},
                "zoom": {"pos": {"max": ch.profile.zoom_max, "min": 0}},
            }
        }
        return wire.ok(call.cmd, value, initial=value, range_=rng)
    return value


def start_zoom_focus(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "ZoomFocus")
    op = _choice(new.get("op"), {"ZoomPos", "FocusPos"}, "op")
    if op == "ZoomPos":
        ch.ptz.zoom = _int(new.get("pos"), 0, ch.profile.zoom_max, "pos")
        ch.ptz.preset = None
    else:
        ch.ptz.focus = _int(new.get("pos"), 0, ch.profile.focus_max, "pos")
    return {}


def get_auto_focus(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    value = {"AutoFocus": {"channel": ch.index, "disable": ch.ptz.auto_focus_disabled}}
    if call.action == 1:
        return wire.ok(call.cmd, value, initial=value, range_={"AutoFocus": {"disable": "boolean"}})
    return value


def set_auto_focus(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "AutoFocus")
    _ch(dev, call).ptz.auto_focus_disabled = _int(new.get("disable"), 0, 1, "disable")
    return {}


# ------------------------------------------------------------------------------------------
# audio


def get_audio_cfg(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    return {"AudioCfg": {"channel": ch.index, "volume": ch.volume, "talkAndReplyVolume": 80}}


def set_audio_cfg(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "AudioCfg")
    if "volume" in new:
        _ch(dev, call).volume = _int(new["volume"], 0, 100, "volume")
    return {}


def get_wifi_signal(dev: SimulatedDevice, call: Call) -> Json:
    return {"wifiSignal": dev.host_state.wifi_signal}


# ------------------------------------------------------------------------------------------
# battery cameras


def get_battery_info(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
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
    return {"pirInfo": _ch(dev, call).pir}


def set_pir_info(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "pirInfo")
    updates: Json = {}
    for key, lo, hi in (("enable", 0, 1), ("reduceAlarm", 0, 1), ("sensitive", 1, 100)):
        if key in new:
            updates[key] = _int(new[key], lo, hi, key)
    if "interval" in new:
        updates["interval"] = _int(new["interval"], 1, 3600, "interval")
    ch.pir.update(updates)
    return {}


# ------------------------------------------------------------------------------------------
# siren


def audio_alarm_play(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    mode = _choice(call.param.get("alarm_mode", "times"), {"times", "manul", "manu"}, "alarm_mode")
    if mode == "times":
        times = _int(call.param.get("times", 1), 1, 100, "times")
        ch.siren_active = True
        ch.siren_count += 1
        ch.clear_at["siren"] = time.monotonic() + times * SIREN_SECONDS_PER_TIME
    else:
        switch = _int(call.param.get("manual_switch"), 0, 1, "manual_switch")
        ch.siren_active = switch == 1
        ch.clear_at.pop("siren", None)
        if switch:
            ch.siren_count += 1
    return {}


# ------------------------------------------------------------------------------------------
# alarm / notification settings


def _sched_get(key: str, feature: str, v20: bool) -> Handler:
    """Get{Email,Push,Ftp,Rec,AudioAlarm,BuzzerAlarm}[V20]."""

    def handler(dev: SimulatedDevice, call: Call) -> Json:
        ch = _ch(dev, call)
        hs = dev.host_state
        enabled = ch.schedule_enable.get(feature, 0)
        schedule: Json = {"channel": ch.index, "table": _schedule_table(ch)}
        body: Json
        if v20:
            host_enable = {
                "email": hs.email_enable,
                "push": hs.push_enable,
                "ftp": hs.ftp_enable,
                "rec": hs.rec_enable,
                "buzzer": hs.buzzer_enable,
                "audio": enabled,
            }[feature]
            body = {"enable": host_enable, "schedule": schedule}
            if feature != "audio":
                body["scheduleEnable"] = enabled
        else:
            body = {"schedule": {"enable": enabled, "table": FULL_WEEK}}
            if feature == "rec":
                body["channel"] = ch.index
        if feature == "rec":
            body |= {"overwrite": 1, "postRec": ch.post_rec, "preRec": 1, "saveDay": 30}
            if v20:
                body["packTime"] = hs.pack_time
        elif feature == "email":
            body |= {"addr1": "", "addr2": "", "addr3": "", "attachment": "picture"}
            body |= {"interval": "5 Minutes", "smtpPort": 465, "smtpServer": "smtp.example.com"}
        elif feature == "ftp":
            body |= {"anonymous": 0, "interval": 30, "maxSize": 100, "mode": 0, "port": 21}
            body |= {"remoteDir": "", "server": "", "streamType": 0}
        value = {key: body}
        if call.action == 1 and feature == "rec":
            rng: Json = {"postRec": list(POST_REC_TIMES), "overwrite": "boolean"}
            if v20:
                rng["packTime"] = list(PACK_TIMES)
            return wire.ok(call.cmd, value, initial=value, range_={key: rng})
        return value

    return handler


def _sched_set(key: str, feature: str, v20: bool) -> Handler:
    """Set{Email,Push,Ftp,Rec,AudioAlarm,BuzzerAlarm}[V20]: host switch or channel switch."""

    def handler(dev: SimulatedDevice, call: Call) -> Json:
        new = _obj(call, key)
        hs = dev.host_state
        schedule = new.get("schedule") if isinstance(new.get("schedule"), dict) else {}
        assert isinstance(schedule, dict)
        ch_index = find_channel({key: new})
        if ch_index is None and isinstance(schedule.get("channel"), int):
            ch_index = schedule["channel"]
        channel = dev.channel_or_error(ch_index if ch_index is not None else 0, call.cmd)
        if v20:
            if "enable" in new:
                value = _int(new["enable"], 0, 1, "enable")
                if feature == "audio":
                    channel.schedule_enable["audio"] = value
                else:
                    attr = {
                        "email": "email_enable",
                        "push": "push_enable",
                        "ftp": "ftp_enable",
                        "rec": "rec_enable",
                        "buzzer": "buzzer_enable",
                    }[feature]
                    setattr(hs, attr, value)
            if "scheduleEnable" in new:
                channel.schedule_enable[feature] = _int(
                    new["scheduleEnable"], 0, 1, "scheduleEnable"
                )
            if "packTime" in new:
                hs.pack_time = _choice(new["packTime"], PACK_TIMES, "packTime")
        else:
            if "enable" in schedule:
                channel.schedule_enable[feature] = _int(schedule["enable"], 0, 1, "enable")
            if "packTime" in new:
                hs.pack_time = _choice(new["packTime"], PACK_TIMES, "packTime")
        if feature == "rec" and "postRec" in new:
            channel.post_rec = _choice(new["postRec"], POST_REC_TIMES, "postRec")
        return {}

    return handler


def get_manual_rec(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    return {"Rec": {"channel": ch.index, "enable": ch.manual_rec}}


def set_manual_rec(dev: SimulatedDevice, call: Call) -> Json:
    new = _obj(call, "Rec")
    _ch(dev, call).manual_rec = _int(new.get("enable"), 0, 1, "enable")
    return {}


def get_md_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
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
    ch = _ch(dev, call)
    new = _obj(call, "MdAlarm")
    if "enable" in new:
        ch.md_enable = _int(new["enable"], 0, 1, "enable")
    new_sens = new.get("newSens")
    if isinstance(new_sens, dict) and "sensDef" in new_sens:
        ch.md_sens_def = _int(new_sens["sensDef"], 0, 50, "sensDef")
    return {}


def get_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
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
    ch = _ch(dev, call)
    new = _obj(call, "Alarm")
    if new.get("type", "md") != "md":
        raise param_error("type")
    if "enable" in new:
        ch.md_enable = _int(new["enable"], 0, 1, "enable")
    sens = new.get("sens")
    if isinstance(sens, list) and sens:
        values = [
            _int(s.get("sensitivity") if isinstance(s, dict) else None, 1, 50, "sensitivity")
            for s in sens
        ]
        ch.md_sens_def = round(sum(values) / len(values))
    return {}


def get_ai_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    ai_type = _choice(call.param.get("ai_type"), set(ch.ai_alarm), "ai_type")
    return {"AiAlarm": ch.ai_alarm[ai_type]}


def set_ai_alarm(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    new = _obj(call, "AiAlarm")
    ai_type = _choice(new.get("ai_type"), set(ch.ai_alarm), "ai_type")
    settings = ch.ai_alarm[ai_type]
    if "sensitivity" in new:
        settings["sensitivity"] = _int(new["sensitivity"], 0, 100, "sensitivity")
    if "stay_time" in new:
        settings["stay_time"] = _int(new["stay_time"], 0, 8, "stay_time")
    return {}


def get_ai_cfg(dev: SimulatedDevice, call: Call) -> Json:
    ch = _ch(dev, call)
    detect = dict.fromkeys(sorted(ch.profile.ai_types), 1)
    return {"AiDetectType": detect, "aiTrack": 0, "channel": ch.index, "trackType": detect}


# ------------------------------------------------------------------------------------------
# the table


def _cmd(
    handler: Handler, per_channel: bool = True, feature: str | None = None, state: bool = False
) -> Command:
    return Command(handler, per_channel, feature, state)


def _build() -> dict[str, Command]:
    table: dict[str, Command] = {
        # host
        "GetDevInfo": _cmd(get_dev_info, False),
        "GetChannelstatus": _cmd(get_channel_status, False, "channel_status"),
        "GetLocalLink": _cmd(get_local_link, False),
        "GetNetPort": _cmd(get_net_port, False),
        "SetNetPort": _cmd(set_net_port, False, state=True),
        "GetP2p": _cmd(get_p2p, False),
        "GetHddInfo": _cmd(get_hdd_info, False),
        "GetUser": _cmd(get_user, False),
        "GetOnline": _cmd(get_online, False),
        "GetNtp": _cmd(get_ntp, False),
        "SetNtp": _cmd(set_ntp, False, state=True),
        "GetTime": _cmd(get_time, False),
        "SetTime": _cmd(set_time, False, state=True),
        "GetPushCfg": _cmd(get_push_cfg, False, "push_cfg"),
        "SetPushCfg": _cmd(set_push_cfg, False, "push_cfg", state=True),
        "GetAbility": _cmd(get_ability, False),
        "GetPerformance": _cmd(get_performance, False, "performance"),
        "GetStateLight": _cmd(get_state_light, False, "state_light"),
        "SetStateLight": _cmd(set_state_light, False, "state_light", state=True),
        "Reboot": _cmd(reboot, False, state=True),
        "Search": _cmd(search, False),
        "NvrDownload": _cmd(nvr_download, False, "nvr"),
        # channel info / streams / detection
        "GetChnTypeInfo": _cmd(get_chn_type_info, feature="chn_type_info"),
        "GetEnc": _cmd(get_enc),
        "SetEnc": _cmd(set_enc, state=True),
        "GetRtspUrl": _cmd(get_rtsp_url, feature="rtsp_url"),
        "GetMask": _cmd(get_mask, feature="mask"),
        "SetMask": _cmd(set_mask, feature="mask", state=True),
        "GetMdState": _cmd(get_md_state),
        "GetAiState": _cmd(get_ai_state, feature="ai_state"),
        "GetEvents": _cmd(get_events, feature="get_events"),
        # image
        "GetIsp": _cmd(get_isp),
        "SetIsp": _cmd(set_isp, state=True),
        "GetImage": _cmd(get_image),
        "SetImage": _cmd(set_image, state=True),
        "GetOsd": _cmd(get_osd),
        "SetOsd": _cmd(set_osd, state=True),
        # lights
        "GetWhiteLed": _cmd(get_white_led, feature="floodlight"),
        "SetWhiteLed": _cmd(set_white_led, feature="floodlight", state=True),
        "GetIrLights": _cmd(get_ir_lights, feature="ir"),
        "SetIrLights": _cmd(set_ir_lights, feature="ir", state=True),
        "GetPowerLed": _cmd(get_power_led, feature="status_led"),
        "SetPowerLed": _cmd(set_power_led, feature="status_led", state=True),
        # PTZ
        "PtzCtrl": _cmd(ptz_ctrl, feature="ptz", state=True),
        "GetPtzPreset": _cmd(get_ptz_preset, feature="ptz"),
        "SetPtzPreset": _cmd(set_ptz_preset, feature="ptz", state=True),
        "GetPtzPatrol": _cmd(get_ptz_patrol, feature="ptz"),
        "GetPtzGuard": _cmd(get_ptz_guard, feature="ptz"),
        "SetPtzGuard": _cmd(set_ptz_guard, feature="ptz", state=True),
        "GetPtzCurPos": _cmd(get_ptz_cur_pos, feature="ptz"),
        "PtzCheck": _cmd(ptz_check, feature="ptz", state=True),
        "GetZoomFocus": _cmd(get_zoom_focus, feature="zoom"),
        "StartZoomFocus": _cmd(start_zoom_focus, feature="zoom", state=True),
        "GetAutoFocus": _cmd(get_auto_focus, feature="zoom"),
        "SetAutoFocus": _cmd(set_auto_focus, feature="zoom", state=True),
        # audio, network
        "GetAudioCfg": _cmd(get_audio_cfg, feature="speaker"),
        "SetAudioCfg": _cmd(set_audio_cfg, feature="speaker", state=True),
        "GetWifiSignal": _cmd(get_wifi_signal, False, "wifi"),
        # battery cameras
        "GetBatteryInfo": _cmd(get_battery_info, feature="battery"),
        "GetPirInfo": _cmd(get_pir_info, feature="battery"),
        "SetPirInfo": _cmd(set_pir_info, feature="battery", state=True),
        # siren
        "AudioAlarmPlay": _cmd(audio_alarm_play, feature="siren", state=True),
        # recording, alarms, notifications
        "GetManualRec": _cmd(get_manual_rec, feature="manual_rec"),
        "SetManualRec": _cmd(set_manual_rec, feature="manual_rec", state=True),
        "GetMdAlarm": _cmd(get_md_alarm, feature="md_alarm"),
        "SetMdAlarm": _cmd(set_md_alarm, feature="md_alarm", state=True),
        "GetAlarm": _cmd(get_alarm),
        "SetAlarm": _cmd(set_alarm, state=True),
        "GetAiAlarm": _cmd(get_ai_alarm, feature="ai"),
        "SetAiAlarm": _cmd(set_ai_alarm, feature="ai", state=True),
        "GetAiCfg": _cmd(get_ai_cfg, feature="ai"),
    }
    for key, feature, base, need in (
        ("Email", "email", "Email", None),
        ("Push", "push", "Push", None),
        ("Ftp", "ftp", "Ftp", None),
        ("Rec", "rec", "Rec", None),
        ("Audio", "audio", "AudioAlarm", "siren"),
        ("Buzzer", "buzzer", "BuzzerAlarm", "buzzer"),
    ):
        if base != "BuzzerAlarm":
            table[f"Get{base}"] = _cmd(_sched_get(key, feature, False), feature=need)
            table[f"Set{base}"] = _cmd(_sched_set(key, feature, False), False, need, state=True)
        v20_feature = "v20" if need is None else f"v20+{need}"
        table[f"Get{base}V20"] = _cmd(_sched_get(key, feature, True), feature=v20_feature)
        table[f"Set{base}V20"] = _cmd(
            _sched_set(key, feature, True), False, v20_feature, state=True
        )
    return table


COMMANDS: dict[str, Command] = _build()


def channel_has(profile: DeviceProfile, ch: ChannelState, feature: str) -> bool:
    """Whether channel ``ch`` (its camera and the device's firmware) has ``feature``."""
    if "+" in feature:
        return all(channel_has(profile, ch, f) for f in feature.split("+"))
    p = ch.profile
    checks: dict[str, bool] = {
        "floodlight": p.floodlight,
        "siren": p.siren,
        "ptz": p.has_ptz,
        "zoom": p.zoom,
        "ir": p.ir_lights,
        "status_led": p.status_led,
        "mask": p.mask,
        "ai": bool(p.ai_types),
        "battery": p.battery,
        "speaker": p.siren or p.doorbell,
    }
    if feature in checks:
        return checks[feature]
    return firmware_knows(profile, feature)


def firmware_knows(profile: DeviceProfile, feature: str | None) -> bool:
    """Whether the device's firmware has a command needing ``feature`` at all."""
    if feature is None:
        return True
    if "+" in feature:
        return all(firmware_knows(profile, f) for f in feature.split("+"))
    flags: dict[str, bool] = {
        "channel_status": profile.channel_status,
        "push_cfg": not profile.legacy,
        "performance": profile.performance,
        "state_light": profile.state_light,
        "buzzer": profile.buzzer,
        "nvr": profile.is_nvr,
        "chn_type_info": not profile.legacy,
        "rtsp_url": profile.rtsp_url,
        "ai_state": profile.ai_state,
        "get_events": profile.get_events,
        "manual_rec": profile.manual_rec,
        "md_alarm": profile.md_alarm,
        "v20": profile.schedule_version >= 1,
        "wifi": profile.wifi,
    }
    if feature in flags:
        return flags[feature]
    # Channel features: an NVR knows every command; a camera only those of its hardware.
    if profile.is_nvr:
        return True
    cam = profile.channels[0]
    hardware: dict[str, bool] = {
        "floodlight": cam.floodlight,
        "siren": cam.siren,
        "ptz": cam.has_ptz,
        "zoom": cam.zoom,
        "ir": cam.ir_lights,
        "status_led": cam.status_led,
        "mask": cam.mask,
        "ai": bool(cam.ai_types),
        "battery": cam.battery,
        "speaker": cam.siren or cam.doorbell,
    }
    return hardware.get(feature, True)


def now_string() -> str:
    return datetime.now().isoformat(timespec="milliseconds")
