"""Image commands: ISP, image adjustments, on-screen display."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator.state import Json
from bridge.simulator.wire import RspCode

from .base import Call, CommandError, channel_of, int_in, one_of, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


def get_isp(dev: SimulatedDevice, call: Call) -> Json:
    return {"Isp": channel_of(dev, call).isp}


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
    ch = channel_of(dev, call)
    new = section(call, "Isp")
    updates: Json = {}
    for key, value in new.items():
        if key in _ISP_CHOICES:
            updates[key] = one_of(value, _ISP_CHOICES[key], key)
        elif key in _ISP_INTS:
            if key == "hdr" and "hdr" not in ch.isp:
                raise CommandError(RspCode.NOT_SUPPORT)
            lo, hi = _ISP_INTS[key]
            updates[key] = int_in(value, lo, hi, key)
    ch.isp.update(updates)
    return {}


def get_image(dev: SimulatedDevice, call: Call) -> Json:
    return {"Image": channel_of(dev, call).image}


def set_image(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "Image")
    updates: Json = {}
    for key in ("bright", "contrast", "saturation", "hue", "sharpen"):
        if key in new:
            updates[key] = int_in(new[key], 0, 255, key)
    ch.image.update(updates)
    return {}


def get_osd(dev: SimulatedDevice, call: Call) -> Json:
    return {"Osd": channel_of(dev, call).osd}


def set_osd(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "Osd")
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
            ch.osd["osdChannel"]["enable"] = int_in(osd_channel["enable"], 0, 1, "enable")
        if "pos" in osd_channel:
            ch.osd["osdChannel"]["pos"] = one_of(osd_channel["pos"], positions, "pos")
    osd_time = new.get("osdTime")
    if isinstance(osd_time, dict):
        if "enable" in osd_time:
            ch.osd["osdTime"]["enable"] = int_in(osd_time["enable"], 0, 1, "enable")
        if "pos" in osd_time:
            ch.osd["osdTime"]["pos"] = one_of(osd_time["pos"], positions, "pos")
    if "watermark" in new:
        ch.osd["watermark"] = int_in(new["watermark"], 0, 1, "watermark")
    return {}
