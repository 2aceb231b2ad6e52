"""Sirens: on for a duration (the bridge stops it by itself), or off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.siren import SirenEntity
from homeassistant.components.siren.const import ATTR_DURATION, SirenEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .entity import async_setup_described, described, run_command
from .switch import OnOffEntity

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 1


class ReolinkServerSiren(OnOffEntity, SirenEntity):
    _attr_supported_features = (
        SirenEntityFeature.TURN_ON | SirenEntityFeature.TURN_OFF | SirenEntityFeature.DURATION
    )

    async def async_turn_on(self, **kwargs: Any) -> None:
        duration = kwargs.get(ATTR_DURATION)
        client = self.coordinator.client
        await run_command(
            client.siren(self.camera_id, True, int(duration) if duration is not None else None)
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        await run_command(self.coordinator.client.siren(self.camera_id, False))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    entry.async_on_unload(
        async_setup_described(
            entry.runtime_data.coordinator,
            async_add_entities,
            "siren",
            described(ReolinkServerSiren),
        )
    )
