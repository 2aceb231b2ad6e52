"""Binary sensors: detections (motion, person, vehicle, …, visitor) from the bridge's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 0


class ReolinkServerBinarySensor(DescribedEntity, BinarySensorEntity):
    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        if desc.get("device_class") in BinarySensorDeviceClass.__members__.values():
            self._attr_device_class = BinarySensorDeviceClass(desc["device_class"])

    @property
    def is_on(self) -> bool | None:
        value = self.bridge_value  # a JSON boolean; anything else is no state (unknown)
        return value if isinstance(value, bool) else None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "binary_sensor",
            described(ReolinkServerBinarySensor),
        )
    )
