"""Image: the latest snapshot the bridge kept (taken on each detection, or by the snapshot
button); its time is the last event's."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.components.image import ImageEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import BridgeError, Json
from .coordinator import ReolinkServerCoordinator
from .entity import DescribedEntity, async_setup_described

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 0


class ReolinkServerImage(DescribedEntity, ImageEntity):
    _attr_content_type = "image/jpeg"

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: ReolinkServerCoordinator,
        camera_id: str,
        desc: Json,
    ) -> None:
        DescribedEntity.__init__(self, coordinator, camera_id, desc)
        ImageEntity.__init__(self, hass)
        self._attr_image_last_updated = self._taken()

    def _taken(self) -> datetime | None:
        last = self.state_payload.get("last_event")
        stamp = last.get("timestamp") if isinstance(last, dict) else None
        return dt_util.parse_datetime(stamp) if isinstance(stamp, str) else None

    @callback
    def _handle_coordinator_update(self) -> None:
        taken = self._taken()
        if taken is not None and taken != self._attr_image_last_updated:
            self._attr_image_last_updated = taken
            self._cached_image = None
        super()._handle_coordinator_update()

    async def async_image(self) -> bytes | None:
        try:
            return await self.coordinator.client.picture(self.camera_id, "cached")
        except BridgeError:
            return None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    def make(coordinator: ReolinkServerCoordinator, camera_id: str, desc: Json) -> ImageEntity:
        return ReolinkServerImage(hass, coordinator, camera_id, desc)

    entry.async_on_unload(
        async_setup_described(entry.runtime_data.coordinator, async_add_entities, "image", make)
    )
