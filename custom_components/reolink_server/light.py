"""Lights: the floodlight (its brightness and mode are number and select entities)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.light import LightEntity
from homeassistant.components.light.const import ColorMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .entity import async_setup_described, described
from .switch import OnOffEntity

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class ReolinkServerLight(OnOffEntity, LightEntity):
    _attr_color_mode = ColorMode.ONOFF
    _attr_supported_color_modes = {ColorMode.ONOFF}  # noqa: RUF012 - HA's own attribute


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "light",
            described(ReolinkServerLight),
        )
    )
