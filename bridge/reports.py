"""What the bridge says about itself, built once for MQTT and REST alike.

- `bridge_info`: `reolink/bridge/info` and `GET /bridge/info`;
- `camera_entry`: one device of `reolink/bridge/cameras` and of `GET /cameras` (REST adds
  `online`);
- `device_health`: one device of the `health_check` bridge request (MQTT, REST, WebSocket).
"""

from __future__ import annotations

from typing import Any

from bridge import __version__
from bridge.config import Settings, redacted
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.views import camera_views
from bridge.pipeline.device import DeviceRunner


def bridge_info(
    settings: Settings, camera_count: int, dropped_messages: int, installation_id: str
) -> dict[str, Any]:
    """The bridge's version, its installation id, its configuration (secrets redacted),
    counters, and whether it publishes Home Assistant MQTT discovery (`off` also when MQTT is
    off: the custom integration raises a repair issue otherwise)."""
    mqtt = settings.mqtt
    return {
        "version": __version__,
        "installation_id": installation_id,
        "config": redacted(settings),
        "camera_count": camera_count,
        "mqtt": {
            "dropped_messages": dropped_messages,
            "discovery": mqtt.discovery if mqtt.enabled else "off",
        },
    }


def camera_entry(camera: Camera, capabilities: Capabilities | None) -> dict[str, Any]:
    """A configured device without its password, its capabilities (None until it answered)
    and the camera ids it exposes (an NVR: one per channel)."""
    entry: dict[str, Any] = camera.public_dict()
    entry["capabilities"] = capabilities.model_dump(mode="json") if capabilities else None
    entry["cameras"] = (
        [view.camera_id for view in camera_views(camera, capabilities)]
        if capabilities
        else [camera.id]
    )
    return entry


def device_health(runner: DeviceRunner) -> dict[str, Any]:
    """How one device's polling and push go (`push`: mode, state, since, port, last_error)."""
    return {
        "online": runner.online,
        "failures": runner.failures,
        "last_error": runner.last_error,
        "polls": runner.polls,
        "push": runner.push.status(),
    }
