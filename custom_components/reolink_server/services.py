"""Entity actions of the camera: PTZ move and preset (go, save, delete), siren with a duration,
snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.entity_platform import EntityPlatform

from .entity import run_command

if TYPE_CHECKING:
    from .camera import ReolinkServerCamera

PTZ_OPS = [
    "left",
    "right",
    "up",
    "down",
    "left_up",
    "left_down",
    "right_up",
    "right_down",
    "zoom_in",
    "zoom_out",
    "focus_near",
    "focus_far",
    "stop",
]
"""The bridge's PTZ operations (`PtzOp`); the bridge checks what each camera supports."""

SERVICE_PTZ_MOVE = "ptz_move"
SERVICE_PTZ_PRESET = "ptz_preset"
SERVICE_PTZ_PRESET_SAVE = "ptz_preset_save"
SERVICE_PTZ_PRESET_DELETE = "ptz_preset_delete"
SERVICE_SIREN = "siren"
SERVICE_SNAPSHOT = "snapshot"


async def _ptz_move(entity: ReolinkServerCamera, call: Any) -> None:
    client = entity.coordinator.client
    await run_command(
        client.ptz_move(
            entity.camera_id, call.data["op"], call.data.get("speed"), call.data.get("duration")
        )
    )


async def _ptz_preset(entity: ReolinkServerCamera, call: Any) -> None:
    client = entity.coordinator.client
    await run_command(client.ptz_preset(entity.camera_id, call.data["preset"]))


async def _ptz_preset_save(entity: ReolinkServerCamera, call: Any) -> None:
    """The current position as the preset `name` (the bridge's `ptz_preset_save` command)."""
    client = entity.coordinator.client
    await run_command(client.set_attribute(entity.camera_id, "ptz_preset_save", call.data["name"]))


async def _ptz_preset_delete(entity: ReolinkServerCamera, call: Any) -> None:
    client = entity.coordinator.client
    await run_command(
        client.set_attribute(entity.camera_id, "ptz_preset_delete", call.data["preset"])
    )


async def _siren(entity: ReolinkServerCamera, call: Any) -> None:
    client = entity.coordinator.client
    on = call.data.get("state", "on") == "on"
    await run_command(client.siren(entity.camera_id, on, call.data.get("duration") if on else None))


async def _snapshot(entity: ReolinkServerCamera, call: Any) -> None:
    client = entity.coordinator.client
    await run_command(client.set_attribute(entity.camera_id, "snapshot", "PRESS"))


def async_register_camera_services(platform: EntityPlatform) -> None:
    platform.async_register_entity_service(
        SERVICE_PTZ_MOVE,
        {
            vol.Required("op"): vol.In(PTZ_OPS),
            vol.Optional("speed"): vol.All(vol.Coerce(int), vol.Range(min=1, max=64)),
            vol.Optional("duration"): vol.All(vol.Coerce(float), vol.Range(min=0.1, max=10)),
        },
        _ptz_move,
    )
    platform.async_register_entity_service(
        SERVICE_PTZ_PRESET, {vol.Required("preset"): cv.string}, _ptz_preset
    )
    platform.async_register_entity_service(
        SERVICE_PTZ_PRESET_SAVE,
        {vol.Required("name"): vol.All(cv.string, vol.Length(min=1, max=31))},
        _ptz_preset_save,
    )
    platform.async_register_entity_service(
        SERVICE_PTZ_PRESET_DELETE, {vol.Required("preset"): cv.string}, _ptz_preset_delete
    )
    platform.async_register_entity_service(
        SERVICE_SIREN,
        {
            vol.Optional("state", default="on"): vol.In(["on", "off"]),
            vol.Optional("duration"): vol.All(vol.Coerce(int), vol.Range(min=1, max=300)),
        },
        _siren,
    )
    platform.async_register_entity_service(SERVICE_SNAPSHOT, {}, _snapshot)
