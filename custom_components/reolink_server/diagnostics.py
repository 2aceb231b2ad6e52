"""Diagnostics, built from an allowlist: no token, no password, no URL (a stream URL carries a
signed token, a camera URL its password)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from .api import Json

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

VIEW_FIELDS = ("device_id", "channel", "is_nvr", "parent_id", "online")
CAPABILITY_FIELDS = ("model", "firmware", "hardware", "device_type", "kind", "channel_count")
ENTITY_FIELDS = ("key", "platform", "kind", "writable", "enabled_by_default")


def _pick(source: Json, fields: tuple[str, ...]) -> Json:
    return {key: source.get(key) for key in fields if key in source}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ReolinkServerConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    info = coordinator.info
    cameras: dict[str, Any] = {}
    for camera_id, view in coordinator.views.items():
        device = coordinator.devices.get(view.get("device_id", ""), {})
        state = coordinator.data.states.get(camera_id) or {}
        cameras[camera_id] = {
            **_pick(view, VIEW_FIELDS),
            "selected": coordinator.selected(camera_id),
            "device": _pick(device.get("capabilities") or {}, CAPABILITY_FIELDS),
            "entities": [_pick(e, ENTITY_FIELDS) for e in coordinator.entities.get(camera_id, [])],
            "state_fields": sorted(k for k, v in state.items() if v is not None),
            "state_updated_at": state.get("updated_at"),
        }
    return {
        "entry": {"title": entry.title, "version": entry.version, "options": dict(entry.options)},
        "bridge": {
            "version": info.get("version"),
            "camera_count": info.get("camera_count"),
            "mqtt_discovery": (info.get("mqtt") or {}).get("discovery"),
        },
        "transport": {
            "websocket_connected": coordinator.connected,
            "reconnects": coordinator.reconnects,
            "last_message": coordinator.last_message.isoformat()
            if coordinator.last_message
            else None,
            "polling_every_seconds": coordinator.update_interval.total_seconds()
            if coordinator.update_interval
            else None,
            "last_update_success": coordinator.last_update_success,
        },
        "cameras": cameras,
    }
