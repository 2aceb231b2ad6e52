"""The mutable state of a simulated device: what later ``Get*`` commands return.

Settings that the camera returns as whole JSON objects (``Isp``, ``Enc``, ``WhiteLed`` ...) are
kept in that shape, so ``Set*`` merges into them and ``Get*`` returns them as they are.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .profiles import AI_TYPES, ChannelProfile, DeviceProfile

Json = dict[str, Any]

#: 7 days x 24 hours, one character per hour, as in Reolink's schedule tables.
FULL_WEEK = "1" * 168

PACK_TIMES = ["30 Minutes", "45 Minutes", "60 Minutes"]
POST_REC_TIMES = [
    "15 Seconds",
    "30 Seconds",
    "1 Minute",
    "2 Minutes",
    "5 Minutes",
    "10 Minutes",
]


def stable_hex(*parts: str, length: int = 16) -> str:
    """A deterministic upper-case hex string derived from ``parts``."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest().upper()
    return digest[:length]


@dataclass(slots=True)
class PtzState:
    """Position and motion of a PTZ head."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0
    focus: int = 120
    moving: str | None = None  # the last continuous op (Left, ZoomInc ...) until Stop
    speed: int = 32
    patrol_running: bool = False
    preset: int | None = None  # the preset the head is at, if any
    auto_focus_disabled: int = 0
    guard_visits: int = 0  # SetPtzGuard toPos that moved the head
    presets: dict[int, Json] = field(default_factory=dict)
    guard: Json = field(default_factory=dict)


@dataclass(slots=True)
class ChannelState:
    """One channel: its detection states and its settings."""

    index: int
    profile: ChannelProfile
    online: bool
    uid: str
    name: str
    motion: bool = False
    ai: dict[str, bool] = field(default_factory=dict)
    visitor: bool = False
    #: event type -> monotonic time at which it clears by itself
    clear_at: dict[str, float] = field(default_factory=dict)
    enc: Json = field(default_factory=dict)
    isp: Json = field(default_factory=dict)
    image: Json = field(default_factory=dict)
    white_led: Json = field(default_factory=dict)
    ir_state: str = "Auto"
    power_led: Json = field(default_factory=dict)
    osd: Json = field(default_factory=dict)
    mask: Json = field(default_factory=dict)
    manual_rec: int = 0
    #: per-channel switches of email/push/ftp/rec/audio/buzzer (scheduleEnable)
    schedule_enable: dict[str, int] = field(default_factory=dict)
    post_rec: str = "1 Minute"
    md_sens_def: int = 41  # useNewSens newSens.sensDef (0..50, UI shows 51 - value)
    md_enable: int = 1
    battery_percent: int = 87
    charging: int = 0  # BatteryEnum: 0 discharging, 1 charging, 2 charge complete
    sleeping: bool = False  # a battery camera asleep (GetChannelstatus `sleep`)
    volume: int = 70  # speaker volume (GetAudioCfg)
    pir: Json = field(default_factory=dict)
    ai_alarm: dict[str, Json] = field(default_factory=dict)
    ptz: PtzState = field(default_factory=PtzState)
    siren_active: bool = False
    siren_count: int = 0

    @property
    def supported_events(self) -> list[str]:
        """The ``/sim/event`` types this channel can show."""
        if not self.online:
            return []
        events = ["motion"]
        names = {"people": "person", "vehicle": "vehicle", "dog_cat": "pet"}
        names |= {"face": "face", "package": "package"}
        events += [names[t] for t in AI_TYPES if t in self.profile.ai_types]
        if self.profile.doorbell:
            events.append("visitor")
        return events


def _enc(ch: ChannelProfile, index: int) -> Json:
    mw, mh = ch.main_size
    sw, sh = ch.sub_size
    return {
        "audio": 1 if ch.audio else 0,
        "channel": index,
        "mainStream": {
            "bitRate": ch.main_bitrate,
            "frameRate": ch.main_fps,
            "gop": 2,
            "height": mh,
            "profile": "High",
            "size": f"{mw}*{mh}",
            "vType": ch.main_codec,
            "width": mw,
        },
        "subStream": {
            "bitRate": 256,
            "frameRate": 10,
            "gop": 2,
            "height": sh,
            "profile": "High",
            "size": f"{sw}*{sh}",
            "vType": "h264",
            "width": sw,
        },
    }


def _isp(ch: ChannelProfile, index: int) -> Json:
    isp: Json = {
        "antiFlicker": "Outdoor",
        "backLight": "DynamicRangeControl",
        "blc": 128,
        "blueGain": 128,
        "cdsType": 0,
        "channel": index,
        "constantFrameRate": 0,
        "dayNight": "Auto",
        "dayNightThreshold": 50,
        "drc": 128,
        "exposure": "Auto",
        "gain": {"max": 62, "min": 1},
        "mirroring": 0,
        "nr3d": 1,
        "redGain": 128,
        "rotation": 0,
        "shutter": {"max": 125, "min": 0},
        "whiteBalance": "Auto",
    }
    if ch.hdr:
        isp["hdr"] = 0
    return isp


def new_channel_state(device_id: str, profile: DeviceProfile, index: int) -> ChannelState:
    """The factory state of channel ``index``."""
    ch = profile.channels[index]
    uid = ""
    if ch.online:
        if profile.is_nvr:
            uid = "95270000" + stable_hex(device_id, "ch", str(index), length=6) + ch.uid_suffix
        else:
            uid = "95270000" + stable_hex(device_id, "uid", length=8)
    state = ChannelState(index=index, profile=ch, online=ch.online, uid=uid, name=ch.name)
    state.ai = dict.fromkeys(sorted(ch.ai_types), False)
    if not ch.online:
        return state
    state.enc = _enc(ch, index)
    state.isp = _isp(ch, index)
    state.image = {
        "bright": 128,
        "channel": index,
        "contrast": 128,
        "hue": 128,
        "saturation": 128,
        "sharpen": 128,
    }
    state.white_led = {
        "LightingSchedule": {"EndHour": 6, "EndMin": 0, "StartHour": 18, "StartMin": 0},
        "bright": 85,
        "channel": index,
        "mode": 1,
        "state": 0,
        "wlAiDetectType": {"dog_cat": 1, "face": 0, "people": 1, "vehicle": 0},
    }
    if ch.doorbell:
        state.power_led = {"channel": index, "eDoorbellLightState": "On", "eDoorbellLightType": 0}
    else:
        state.power_led = {"channel": index, "state": "On"}
    state.osd = {
        "bgcolor": 0,
        "channel": index,
        "osdChannel": {"enable": 1, "name": ch.name, "pos": "Lower Right"},
        "osdTime": {"enable": 1, "pos": "Top Center"},
        "watermark": 1,
    }
    state.mask = {"area": [], "channel": index, "enable": 0}
    state.pir = {"channel": index, "enable": 1, "interval": 30, "reduceAlarm": 1, "sensitive": 50}
    state.schedule_enable = {"email": 0, "push": 1, "ftp": 0, "rec": 1, "audio": 0, "buzzer": 0}
    state.ai_alarm = {
        t: {
            "ai_type": t,
            "channel": index,
            "max_target_height": 1.0,
            "max_target_width": 1.0,
            "min_target_height": 0.0,
            "min_target_width": 0.0,
            "sensitivity": 60,
            "stay_time": 0,
        }
        for t in sorted(ch.ai_types)
    }
    state.ptz.presets = {
        i: {"channel": index, "enable": 0, "id": i, "name": "", "pan": 0, "tilt": 0, "zoom": 0}
        for i in range(1, 65)
    }
    for p in ch.presets:
        state.ptz.presets[p.id] = {
            "channel": index,
            "enable": 1,
            "id": p.id,
            "name": p.name,
            "pan": p.pan,
            "tilt": p.tilt,
            "zoom": p.zoom,
        }
    state.ptz.guard = {
        "benable": 0,
        "bexistPos": 1,
        "channel": index,
        "timeout": 60,
        "pos": {"pan": 0, "tilt": 0, "zoom": 0},
    }
    return state


@dataclass(slots=True)
class DeviceState:
    """Host-level state: switches that are not per channel, network settings, boot count."""

    email_enable: int = 1
    push_enable: int = 1
    ftp_enable: int = 0
    rec_enable: int = 1
    buzzer_enable: int = 0
    audio_enable: int = 1
    pack_time: str = "60 Minutes"
    push_cfg_enable: int = 1
    state_light: int = 1
    net_port: Json = field(default_factory=dict)
    ntp: Json = field(default_factory=dict)
    reboots: int = 0
    hdd_used_mb: int = 0
    wifi_signal: int = 3  # GetWifiSignal bars (0-4)

    def snapshot(self) -> Json:
        return copy.deepcopy(
            {
                "email_enable": self.email_enable,
                "push_enable": self.push_enable,
                "ftp_enable": self.ftp_enable,
                "rec_enable": self.rec_enable,
                "buzzer_enable": self.buzzer_enable,
                "audio_enable": self.audio_enable,
                "pack_time": self.pack_time,
                "push_cfg_enable": self.push_cfg_enable,
                "state_light": self.state_light,
                "net_port": self.net_port,
                "ntp": self.ntp,
                "reboots": self.reboots,
            }
        )


def new_device_state(profile: DeviceProfile, baichuan_port: int) -> DeviceState:
    st = DeviceState()
    st.net_port = {
        "httpEnable": 1,
        "httpPort": 80,
        "httpsEnable": 1,
        "httpsPort": 443,
        # Baichuan, the "media" port (9000 on real devices): where the device's own listens
        "mediaPort": baichuan_port,
        "onvifEnable": 1,
        "onvifPort": 8000,
        "rtmpEnable": 1,
        "rtmpPort": 1935,
        "rtspEnable": 1,
        "rtspPort": 554,
    }
    st.ntp = {"enable": 1, "interval": 1440, "port": 123, "server": "pool.ntp.org"}
    st.hdd_used_mb = profile.storage_capacity_mb // 3
    return st
