"""Switches: IR lights, status LED, recording, push, email, FTP … (`command.on` / `off`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .entity import DescribedEntity, async_setup_described, described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class OnOffEntity(DescribedEntity):
    """On when the state holds the command's `on` value (compared without case)."""

    @property
    def is_on(self) -> bool | None:
        value = self.bridge_value
        if value is None:
            return None
        return str(value).lower() == str(self.command.get("on", "ON")).lower()

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.async_send(self.command.get("on", "ON"))

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.async_send(self.command.get("off", "OFF"))


class ReolinkServerSwitch(OnOffEntity, SwitchEntity):
    pass


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "switch",
            described(ReolinkServerSwitch),
        )
    )
