"""Numbers: sensitivities, image settings, floodlight brightness, zoom (`min`/`max`/`step`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class ReolinkServerNumber(DescribedEntity, NumberEntity):
    _attr_mode = NumberMode.SLIDER

    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        if desc.get("min") is not None:
            self._attr_native_min_value = float(desc["min"])
        if desc.get("max") is not None:
            self._attr_native_max_value = float(desc["max"])
        if desc.get("step") is not None:
            self._attr_native_step = float(desc["step"])
        self._attr_native_unit_of_measurement = desc.get("unit")

    @property
    def native_value(self) -> float | None:
        value = self.bridge_value
        return float(value) if isinstance(value, int | float) else None

    async def async_set_native_value(self, value: float) -> None:
        await self.async_send(int(value) if float(value).is_integer() else value)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "number",
            described(ReolinkServerNumber),
        )
    )
