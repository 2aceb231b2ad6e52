"""Selects: day/night mode, floodlight mode, PTZ preset (`options` from the bridge)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class ReolinkServerSelect(DescribedEntity, SelectEntity):
    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        self._attr_options = [str(option) for option in desc.get("options") or []]

    @property
    def current_option(self) -> str | None:
        value = self.bridge_value
        return str(value) if value is not None and str(value) in self.options else None

    async def async_select_option(self, option: str) -> None:
        await self.async_send(option)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "select",
            described(ReolinkServerSelect),
        )
    )
