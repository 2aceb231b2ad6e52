"""Channel info and streams: type info, encoder settings, RTSP URLs, the privacy mask."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator import wire
from bridge.simulator.state import ChannelState, Json

from .base import Call, channel_of, int_in, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_chn_type_info(dev: SimulatedDevice, call: Call) -> Json:
    p = channel_of(dev, call).profile
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
    ch = channel_of(dev, call)
    value = {"Enc": ch.enc}
    if call.action == 1:
        return wire.ok(call.cmd, value, initial=value, range_=_enc_range(ch))
    return value


def set_enc(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "Enc")
    if "audio" in new:
        ch.enc["audio"] = int_in(new["audio"], 0, 1, "audio")
    for stream in ("mainStream", "subStream"):
        values = new.get(stream)
        if not isinstance(values, dict):
            continue
        cur = ch.enc[stream]
        if "bitRate" in values:
            cur["bitRate"] = int_in(values["bitRate"], 32, 16384, "bitRate")
        if "frameRate" in values:
            cur["frameRate"] = int_in(values["frameRate"], 1, 30, "frameRate")
        if "gop" in values:
            cur["gop"] = int_in(values["gop"], 1, 4, "gop")
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
    return {"Mask": channel_of(dev, call).mask}


def set_mask(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "Mask")
    if "enable" in new:
        ch.mask["enable"] = int_in(new["enable"], 0, 1, "enable")
    if "area" in new:
        if not isinstance(new["area"], list):
            raise param_error("area")
        ch.mask["area"] = new["area"]
    return {}
