"""Which cameras a configured device exposes: itself, or the NVR and one camera per channel.

A standalone camera is one view with the configured id. An NVR is a view of its own (reboot,
storage) plus one view per channel, `<nvr_id>_ch<N>` (N is Reolink's 0-based channel number),
each its own Home Assistant device linked to the NVR with `via_device`. A camera configured with
`channel: N` on an NVR exposes just that channel under the configured id.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities, ChannelCapabilities


@dataclass(frozen=True, slots=True)
class CameraView:
    camera_id: str
    device_id: str
    name: str
    channel: int | None
    """None for an NVR's own view; the channel number otherwise."""
    capabilities: ChannelCapabilities | None
    parent_id: str | None = None
    """The NVR view's camera_id for an NVR channel."""

    @property
    def is_nvr(self) -> bool:
        return self.channel is None


_CHANNEL = "_ch"


def channel_camera_id(device_id: str, channel: int) -> str:
    return f"{device_id}{_CHANNEL}{channel}"


def is_view_of(camera_id: str, device_id: str) -> bool:
    """`camera_id` is the device itself or one of its NVR channels (`channel_camera_id`)."""
    if camera_id == device_id:
        return True
    prefix = f"{device_id}{_CHANNEL}"
    return camera_id.startswith(prefix) and camera_id[len(prefix) :].isdigit()


def camera_views(camera: Camera, caps: Capabilities) -> list[CameraView]:
    """The views of one device, NVR first; empty NVR slots get no view."""
    if not caps.is_nvr:
        number = camera.channel if camera.channel is not None else 0
        channel = caps.channel(number) or (caps.channels[0] if caps.channels else None)
        name = camera.name or caps.name or (channel.name if channel else "") or camera.id
        return [CameraView(camera.id, camera.id, name, number, channel)]
    if camera.channel is not None:
        channel = caps.channel(camera.channel)
        name = camera.name or (channel.name if channel else "") or camera.id
        return [CameraView(camera.id, camera.id, name, camera.channel, channel)]
    nvr_name = camera.name or caps.name or camera.id
    views = [CameraView(camera.id, camera.id, nvr_name, None, None)]
    for channel in caps.channels:
        if not channel.online and not channel.model:
            continue  # an empty slot; a known camera that went offline keeps its view
        configured = camera.channels.get(channel.channel)
        views.append(
            CameraView(
                camera_id=channel_camera_id(camera.id, channel.channel),
                device_id=camera.id,
                name=(configured.name if configured else "")
                or channel.name
                or f"{nvr_name} channel {channel.channel + 1}",
                channel=channel.channel,
                capabilities=channel,
                parent_id=camera.id,
            )
        )
    return views
