"""Sensors: storage used, Wi-Fi signal, the last event's type (`value_path` into the state)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 0


class ReolinkServerSensor(DescribedEntity, SensorEntity):
    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        self._attr_native_unit_of_measurement = desc.get("unit")
        if desc.get("state_class") in SensorStateClass.__members__.values():
            self._attr_state_class = SensorStateClass(desc["state_class"])
        device_class = str(desc.get("device_class"))
        # An enum sensor needs its options; without them it is a plain text sensor.
        if device_class in SensorDeviceClass.__members__.values() and (
            device_class != SensorDeviceClass.ENUM or desc.get("options")
        ):
            self._attr_device_class = SensorDeviceClass(device_class)
            if desc.get("options"):
                self._attr_options = list(desc["options"])

    @property
    def native_value(self) -> str | int | float | None:
        value = self.bridge_value
        if value is None or isinstance(value, int | float | str):
            return value
        return str(value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "sensor",
            described(ReolinkServerSensor),
        )
    )
