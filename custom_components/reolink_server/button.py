"""Buttons: reboot, snapshot, PTZ steps (`command.payload`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import ButtonDeviceClass, ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .api import Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class ReolinkServerButton(DescribedEntity, ButtonEntity):
    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> None:
        super().__init__(coordinator, camera_id, desc)
        if desc.get("device_class") in ButtonDeviceClass.__members__.values():
            self._attr_device_class = ButtonDeviceClass(desc["device_class"])

    async def async_press(self) -> None:
        await self.async_send(self.command.get("payload", "PRESS"))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "button",
            described(ReolinkServerButton),
        )
    )
