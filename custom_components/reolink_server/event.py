"""Event entities: detections and the doorbell's press, from the bridge's events (`triggers`
maps the bridge's event type to the entity's; `start` and `instant` fire)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.event import EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 0

FIRING_PHASES = ("start", "instant")


class ReolinkServerEvent(DescribedEntity, EventEntity):
    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        self.triggers: dict[str, str] = dict(desc.get("triggers") or {})
        self._attr_event_types = sorted(set(self.triggers.values()))
        if desc.get("device_class") in EventDeviceClass.__members__.values():
            self._attr_device_class = EventDeviceClass(desc["device_class"])

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_listen_events(self.camera_id, self._on_event))

    @callback
    def _on_event(self, event: Json) -> None:
        kind = self.triggers.get(str(event.get("type")))
        if kind is None or event.get("phase") not in FIRING_PHASES:
            return
        self._trigger_event(
            kind,
            {
                "event_id": event.get("event_id"),
                "phase": event.get("phase"),
                "timestamp": event.get("timestamp"),
            },
        )
        self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "event",
            described(ReolinkServerEvent),
        )
    )
