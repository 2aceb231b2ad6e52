"""PTZ: moves, presets, patrols, the guard position, zoom and focus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridge.simulator import wire
from bridge.simulator.state import Json
from bridge.simulator.wire import RspCode

from .base import Call, CommandError, channel_of, int_in, one_of, param_error, section

if TYPE_CHECKING:
    from bridge.simulator.device import SimulatedDevice


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


def get_ptz_preset(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    presets = [
        {"channel": ch.index, "enable": p["enable"], "id": p["id"], "name": p["name"]}
        for p in ch.ptz.presets.values()
    ]
    return {"PtzPreset": presets}


def set_ptz_preset(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "PtzPreset")
    preset_id = int_in(new.get("id"), 1, 64, "id")
    preset = ch.ptz.presets[preset_id]
    enable = int_in(new.get("enable", 1), 0, 1, "enable")
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
    ch = channel_of(dev, call)
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
    guard = channel_of(dev, call).ptz.guard
    return {"PtzGuard": {k: v for k, v in guard.items() if k != "pos"}}  # the position is kept


def set_ptz_guard(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    new = section(call, "PtzGuard")
    cmd_str = new.get("cmdStr", "setPos")
    one_of(cmd_str, {"setPos", "toPos"}, "cmdStr")
    if "benable" in new:
        ch.ptz.guard["benable"] = int_in(new["benable"], 0, 1, "benable")
    if "timeout" in new:
        ch.ptz.guard["timeout"] = int_in(new["timeout"], 10, 3600, "timeout")
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
    ch = channel_of(dev, call)
    return {"PtzCurPos": {"Ppos": ch.ptz.pan, "Tpos": ch.ptz.tilt, "channel": ch.index}}


def ptz_check(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    ch.ptz.pan = ch.ptz.tilt = 0
    ch.ptz.moving = None
    ch.ptz.preset = None
    return {}


def ptz_ctrl(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    ptz = ch.ptz
    op = one_of(call.param.get("op"), PTZ_OPS, "op")
    if "speed" in call.param:
        ptz.speed = int_in(call.param["speed"], 1, 64, "speed")
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
        int_in(call.param.get("id", 0), 0, 5, "id")
        ptz.patrol_running, ptz.moving = True, None
    elif op == "StopPatrol":
        ptz.patrol_running = False
    elif op == "ToPos":
        preset_id = int_in(call.param.get("id"), 1, 64, "id")
        preset = ptz.presets[preset_id]
        if not preset["enable"]:
            raise param_error(f"preset {preset_id} is not set")
        ptz.pan, ptz.tilt = preset["pan"], preset["tilt"]
        ptz.zoom = min(zoom_max, preset["zoom"])
        ptz.preset, ptz.moving, ptz.patrol_running = preset_id, None, False
    return {}


def get_zoom_focus(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
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
    ch = channel_of(dev, call)
    new = section(call, "ZoomFocus")
    op = one_of(new.get("op"), {"ZoomPos", "FocusPos"}, "op")
    if op == "ZoomPos":
        ch.ptz.zoom = int_in(new.get("pos"), 0, ch.profile.zoom_max, "pos")
        ch.ptz.preset = None
    else:
        ch.ptz.focus = int_in(new.get("pos"), 0, ch.profile.focus_max, "pos")
    return {}


def get_auto_focus(dev: SimulatedDevice, call: Call) -> Json:
    ch = channel_of(dev, call)
    value = {"AutoFocus": {"channel": ch.index, "disable": ch.ptz.auto_focus_disabled}}
    if call.action == 1:
        return wire.ok(call.cmd, value, initial=value, range_={"AutoFocus": {"disable": "boolean"}})
    return value


def set_auto_focus(dev: SimulatedDevice, call: Call) -> Json:
    new = section(call, "AutoFocus")
    channel_of(dev, call).ptz.auto_focus_disabled = int_in(new.get("disable"), 0, 1, "disable")
    return {}
