"""Devices: one per camera view of the bridge; an NVR's channels hang off the NVR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN, MANUFACTURER

if TYPE_CHECKING:
    from .coordinator import ReolinkServerCoordinator


def device_info(coordinator: ReolinkServerCoordinator, camera_id: str) -> DeviceInfo:
    """One device per camera view; an NVR's channels hang off the NVR (`via_device`)."""
    view = coordinator.views[camera_id]
    own = view.get("capabilities") or {}
    device = (coordinator.devices.get(view["device_id"]) or {}).get("capabilities") or {}
    iid = coordinator.installation_id
    info = DeviceInfo(
        identifiers={(DOMAIN, f"{iid}_{camera_id}")},
        name=view.get("name") or camera_id,
        manufacturer=MANUFACTURER,
        model=own.get("model") or device.get("model"),
        sw_version=own.get("firmware") or device.get("firmware"),
        configuration_url=f"{coordinator.client.url}/?camera={camera_id}",
    )
    if camera_id == view["device_id"]:
        if device.get("serial"):
            info["serial_number"] = device["serial"]
        if device.get("hardware"):
            info["hw_version"] = device["hardware"]
    if view.get("parent_id"):
        info["via_device"] = (DOMAIN, f"{iid}_{view['parent_id']}")
    return info


def register_devices(
    hass: HomeAssistant, coordinator: ReolinkServerCoordinator, camera_ids: list[str]
) -> None:
    """Register the devices, parents (NVRs) first, before any entity names them."""
    registry = dr.async_get(hass)
    ordered = sorted(camera_ids, key=lambda cid: bool(coordinator.views[cid].get("parent_id")))
    for camera_id in ordered:
        registry.async_get_or_create(
            config_entry_id=coordinator.config_entry.entry_id,
            **device_info(coordinator, camera_id),
        )
