"""The coordinator: the bridge's WebSocket is the source of state and events; REST polls only
while the socket is down; entities are built from the bridge's entity descriptions."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import BridgeAuthError, BridgeClient, BridgeCommandError, BridgeError, Json
from .const import (
    CONF_CAMERAS,
    CONF_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    RECONNECT_DELAYS,
)
from .devices import register_devices

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

_LOGGER = logging.getLogger(__name__)

type EventListener = Callable[[Json], None]
type CameraListener = Callable[[str], None]

WS_CLOSE_UNAUTHORIZED = 1008
"""The bridge closes a WebSocket whose token was revoked or expired with this code."""


@dataclass
class BridgeData:
    """What the entities read: each camera's state (the retained `reolink/<id>` payload) and
    whether the bridge says it is online."""

    states: dict[str, Json] = field(default_factory=dict)
    online: dict[str, bool] = field(default_factory=dict)


class ReolinkServerCoordinator(DataUpdateCoordinator[BridgeData]):
    config_entry: ReolinkServerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ReolinkServerConfigEntry,
        client: BridgeClient,
        info: Json,
    ) -> None:
        self.poll_interval = timedelta(
            seconds=entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL)
        )
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=self.poll_interval,
        )
        self.client = client
        self.info = info
        self.installation_id: str = info["installation_id"]
        mqtt = (info.get("config") or {}).get("mqtt") or {}
        self.base_topic: str = mqtt.get("base_topic") or "reolink"
        self.views: dict[str, Json] = {}
        """Every camera view of the bridge (`GET /views`), selected or not."""
        self.devices: dict[str, Json] = {}
        """The bridge's devices (`GET /cameras`) by id: model, firmware, serial."""
        self.entities: dict[str, list[Json]] = {}
        """The entity descriptions of each selected view that has answered once."""
        self.data = BridgeData()
        self.connected = False
        self.reconnects = 0
        self.last_message: datetime | None = None
        self._event_listeners: dict[str, set[EventListener]] = {}
        self._camera_listeners: list[CameraListener] = []
        self._loading: set[str] = set()
        self._flush: asyncio.Handle | None = None

    # -- which cameras -----------------------------------------------------------------------

    def selected(self, camera_id: str) -> bool:
        chosen: list[str] = self.config_entry.options.get(CONF_CAMERAS) or []
        if not chosen:
            return True
        view = self.views.get(camera_id, {})
        return camera_id in chosen or view.get("device_id") in chosen

    @property
    def camera_ids(self) -> list[str]:
        return [cid for cid in self.views if self.selected(cid)]

    def online(self, camera_id: str) -> bool:
        return self.data.online.get(camera_id, False)

    # -- loading -----------------------------------------------------------------------------

    async def async_load(self) -> None:
        """The views, devices, states and entity descriptions (setup and resync)."""
        views, devices = await asyncio.gather(self.client.views(), self.client.cameras())
        self.devices = {d["id"]: d for d in devices}
        self.views = {v["camera_id"]: v for v in views}
        await asyncio.gather(*(self._load_entities(cid) for cid in self.camera_ids))
        self.data = await self._fetch_states()

    async def _load_entities(self, camera_id: str) -> bool:
        """Fetch one view's descriptions; True when they are new (or changed)."""
        try:
            entities = await self.client.entities(camera_id)
        except BridgeCommandError:  # removed meanwhile
            return False
        if not entities or self.entities.get(camera_id) == entities:
            return False
        self.entities[camera_id] = entities
        return True

    async def _fetch_states(self) -> BridgeData:
        data = BridgeData()
        ids = self.camera_ids
        states = await asyncio.gather(
            *(self.client.state(cid) for cid in ids), return_exceptions=True
        )
        for camera_id, state in zip(ids, states, strict=True):
            data.online[camera_id] = bool(self.views[camera_id].get("online"))
            if isinstance(state, BridgeCommandError):
                continue  # no state yet
            if isinstance(state, BaseException):
                raise state
            data.states[camera_id] = state
        return data

    async def _async_update_data(self) -> BridgeData:
        """The REST fallback (only scheduled while the WebSocket is down)."""
        try:
            known = set(self.views)
            await self.async_load()
        except BridgeAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except BridgeError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="bridge_unreachable",
                translation_placeholders={"error": str(err)},
            ) from err
        for camera_id in self.camera_ids:
            if camera_id not in known:
                self._announce(camera_id)
        return self.data

    # -- listeners ---------------------------------------------------------------------------

    @callback
    def async_listen_events(self, camera_id: str, listener: EventListener) -> CALLBACK_TYPE:
        listeners = self._event_listeners.setdefault(camera_id, set())
        listeners.add(listener)
        return lambda: listeners.discard(listener)

    @callback
    def async_listen_cameras(self, listener: CameraListener) -> CALLBACK_TYPE:
        """`listener(camera_id)` for each camera view that appears after setup."""
        self._camera_listeners.append(listener)
        return lambda: self._camera_listeners.remove(listener)

    def _announce(self, camera_id: str) -> None:
        register_devices(self.hass, self, [camera_id])
        for listener in list(self._camera_listeners):
            listener(camera_id)

    # -- push --------------------------------------------------------------------------------

    async def async_run_push(self) -> None:
        """The WebSocket, for as long as the entry is loaded (a background task)."""
        attempt = 0
        while True:
            try:
                ws = await self.client.connect()
            except BridgeAuthError:
                self._socket_down("the token was refused")
                self.config_entry.async_start_reauth(self.hass)
                return
            except BridgeError as err:
                self._socket_down(str(err))
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                attempt += 1
                continue
            attempt = 0
            try:
                await self._receive(ws)
            finally:
                await ws.close()
            if ws.close_code == WS_CLOSE_UNAUTHORIZED:
                self._socket_down("the token no longer holds")
                self.config_entry.async_start_reauth(self.hass)
                return
            self._socket_down(f"closed ({ws.close_code})")

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self.reconnects or not self.last_update_success:
            _LOGGER.info("The bridge's WebSocket is back: push resumes")
        self.connected = True
        self.update_interval = None  # push feeds the data; no polling while it does
        # What changed while the socket was down: views and entity descriptions.
        self.hass.async_create_task(self._resync(), eager_start=False)
        async for message in ws:
            if message.type is aiohttp.WSMsgType.BINARY:
                continue  # the bridge sends text only: a stray frame is no reason to reconnect
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            try:
                frame = json.loads(message.data)
            except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
                continue
            if isinstance(frame, dict) and isinstance(frame.get("topic"), str):
                self.on_frame(frame["topic"], frame.get("payload"))

    def _socket_down(self, why: str) -> None:
        if self.connected:
            _LOGGER.warning(
                "The bridge's WebSocket is down (%s): polling every %s", why, self.poll_interval
            )
            self.reconnects += 1
        self.connected = False
        if self.update_interval is None:
            self.update_interval = self.poll_interval
            self.hass.async_create_task(self.async_refresh(), eager_start=False)

    async def _resync(self) -> None:
        try:
            known = set(self.views)
            views = await self.client.views()
        except BridgeError:
            return
        self.views = {v["camera_id"]: v for v in views}
        for camera_id in self.camera_ids:
            if camera_id not in known or camera_id not in self.entities:
                await self._camera_ready(camera_id)

    @callback
    def on_frame(self, topic: str, payload: Any) -> None:
        """One live message (`{"topic", "payload"}`, the MQTT message)."""
        self.last_message = datetime.now(UTC)
        prefix = self.base_topic + "/"
        if not topic.startswith(prefix):
            return
        parts = topic[len(prefix) :].split("/")
        camera_id = parts[0]
        if camera_id == "bridge" or not camera_id:
            return
        rest = parts[1:]
        if not rest and isinstance(payload, dict):
            self.data.states[camera_id] = payload
            self._changed()
        elif rest == ["availability"] and payload in ("online", "offline"):
            self.data.online[camera_id] = payload == "online"
            self._changed()
        elif rest == ["event"] and isinstance(payload, dict):
            for listener in list(self._event_listeners.get(camera_id, ())):
                listener(payload)
        elif (
            rest == ["entities"]
            and isinstance(payload, dict)
            and (camera_id not in self.entities or camera_id not in self.views)
        ):
            self.hass.async_create_task(self._camera_ready(camera_id), eager_start=False)

    async def _camera_ready(self, camera_id: str) -> None:
        """A camera view answered (a new camera, or one that was offline at setup)."""
        if camera_id in self._loading:
            return
        self._loading.add(camera_id)
        try:
            if camera_id not in self.views:
                self.views = {v["camera_id"]: v for v in await self.client.views()}
                self.devices = {d["id"]: d for d in await self.client.cameras()}
            if (
                camera_id in self.views
                and self.selected(camera_id)
                and await self._load_entities(camera_id)
            ):
                self._announce(camera_id)
        except BridgeError as err:
            _LOGGER.debug("camera %s: %s", camera_id, err)
        finally:
            self._loading.discard(camera_id)

    def _changed(self) -> None:
        """Notify the entities once per burst of frames (the retained states come together)."""
        if self._flush is None:
            self._flush = self.hass.loop.call_soon(self._flush_now)

    @callback
    def _flush_now(self) -> None:
        self._flush = None
        self.async_set_updated_data(self.data)

    async def async_shutdown(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        await super().async_shutdown()
