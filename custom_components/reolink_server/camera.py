"""Cameras: one per camera view with video (a standalone camera, each NVR channel). The stream is
the bridge's proxied HLS through a signed URL (no camera password reaches Home Assistant),
fetched again before it expires; the picture is the bridge's thumbnail (never wakes a battery
camera). PTZ, preset, siren and snapshot are entity actions of the camera (`services.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import BridgeError, Json
from .const import STREAM_URL_REFRESH, STREAM_URL_TTL
from .coordinator import ReolinkServerCoordinator
from .entity import ReolinkServerEntity
from .services import async_register_camera_services

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

PARALLEL_UPDATES = 0


def pick_stream(catalogue: Json) -> tuple[str | None, datetime | None]:
    """The HLS URL of the default stream (or the first the proxies serve) and its expiry."""
    for camera in catalogue.get("cameras") or []:
        streams = [s for s in camera.get("streams") or [] if s.get("hls")]
        streams.sort(key=lambda s: s.get("name") != camera.get("default_stream"))
        expires = camera.get("urls_expire_at")
        for stream in streams:
            url = (stream.get("urls") or {}).get("hls")
            if url:
                return url, dt_util.parse_datetime(expires) if expires else None
    return None, None


class ReolinkServerCamera(ReolinkServerEntity, Camera):
    _attr_supported_features = CameraEntityFeature.STREAM
    _attr_name = None

    def __init__(self, coordinator: ReolinkServerCoordinator, camera_id: str) -> None:
        ReolinkServerEntity.__init__(self, coordinator, camera_id, "camera")
        Camera.__init__(self)
        self._stream_url: str | None = None
        self._stream_expires: datetime | None = None

    async def stream_source(self) -> str | None:
        """The signed HLS URL, asked of the bridge again an hour before it expires."""
        expires = self._stream_expires
        if self._stream_url is None or (
            expires is not None and expires - STREAM_URL_REFRESH <= dt_util.utcnow()
        ):
            try:
                catalogue = await self.coordinator.client.streams(self.camera_id, STREAM_URL_TTL)
            except BridgeError:
                return self._stream_url
            self._stream_url, self._stream_expires = pick_stream(catalogue)
        return self._stream_url

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        try:
            return await self.coordinator.client.picture(self.camera_id, "thumbnail")
        except BridgeError:
            return None


def has_video(view: Json) -> bool:
    return not view.get("is_nvr")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ReolinkServerConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator

    @callback
    def add(camera_id: str) -> None:
        if has_video(coordinator.views.get(camera_id, {})):
            async_add_entities([ReolinkServerCamera(coordinator, camera_id)])

    for camera_id in coordinator.camera_ids:
        add(camera_id)
    entry.async_on_unload(coordinator.async_listen_cameras(add))
    async_register_camera_services(entity_platform.async_get_current_platform())
