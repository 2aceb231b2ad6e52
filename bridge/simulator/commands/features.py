"""Which commands a device knows: a command's feature against the firmware and the camera.

A command whose feature the model lacks is answered ``"cmd": "Unknown"`` / -9 by an IPC (its
firmware has no such command) and ``"cmd": <name>`` / -9 by an NVR for a channel whose camera
lacks it (the NVR knows the command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bridge.simulator.profiles import ChannelProfile, DeviceProfile
    from bridge.simulator.state import ChannelState


def _hardware(camera: ChannelProfile) -> dict[str, bool]:
    """The features a camera has or lacks by its hardware."""
    return {
        "floodlight": camera.floodlight,
        "siren": camera.siren,
        "ptz": camera.has_ptz,
        "zoom": camera.zoom,
        "ir": camera.ir_lights,
        "status_led": camera.status_led,
        "mask": camera.mask,
        "ai": bool(camera.ai_types),
        "battery": camera.battery,
        "speaker": camera.siren or camera.doorbell,
    }


def channel_has(profile: DeviceProfile, ch: ChannelState, feature: str) -> bool:
    """Whether channel ``ch`` (its camera and the device's firmware) has ``feature``."""
    if "+" in feature:
        return all(channel_has(profile, ch, f) for f in feature.split("+"))
    checks = _hardware(ch.profile)
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
    return _hardware(profile.channels[0]).get(feature, True)
