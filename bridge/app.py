"""The composition root: builds every unit from the settings, starts them, stops them in order.

Start: data dir and secret key → store (migrations) → registry (config file + cameras added at
run time) → bus consumers (cache, event writer, snapshots, MQTT) → MQTT connection → cameras →
live streams (ffmpeg left by a previous run killed) → the REST/WebSocket/SSE API; in the
background, once the spool of the previous run is written, the events it left open are ended as
interrupted (`bridge.storage.recovery`). Stop, in reverse: the API, the live streams (every
ffmpeg) and the cameras first (so nothing new comes in), then every consumer drains, the writer
flushes (or spools), MQTT says `offline`, and the store closes last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import TracebackType
from typing import Any

from bridge.api.app import create_app
from bridge.api.context import ApiContext
from bridge.api.lockout import warn_if_locked_out
from bridge.api.server import ApiServer, serve
from bridge.bus.commands import CommandClient
from bridge.bus.factory import build_bus
from bridge.cache import CacheUpdater, build_cache
from bridge.config import Settings
from bridge.domain.base import utcnow
from bridge.media.recordings import RecordingsMedia
from bridge.media.service import StreamService
from bridge.mqtt.connection import MqttConnection
from bridge.mqtt.service import REPUBLISH_DELAY, MqttService
from bridge.pipeline.device import ClientFactory, default_client_factory
from bridge.pipeline.dispatcher import CommandDispatcher
from bridge.pipeline.manager import CameraManager
from bridge.pipeline.snapshots import Snapshots
from bridge.redaction import redact
from bridge.registry import CameraRegistry
from bridge.reolink.network import CameraNetworks
from bridge.requests import BridgeRequests
from bridge.secrets import load_cipher
from bridge.storage.factory import create_store
from bridge.storage.recovery import InterruptedEvents
from bridge.storage.retention import RetentionTask
from bridge.storage.spool import Spool
from bridge.storage.writer import EventWriter
from bridge.store import Store
from bridge.topics.tree import Topics

_LOGGER = logging.getLogger(__name__)

SPOOL_FILE = "events.spool"
DRAIN_TIMEOUT = 5.0
"""Seconds the consumers get, at shutdown, to handle what the cameras produced last."""


class Bridge:
    """The whole service. `async with Bridge(settings):` runs it; leaving stops it cleanly."""

    def __init__(
        self,
        settings: Settings,
        *,
        client_factory: ClientFactory = default_client_factory,
        mqtt_options: dict[str, Any] | None = None,
        republish_delay: tuple[float, float] = REPUBLISH_DELAY,
    ) -> None:
        self.settings = settings
        self._mqtt_options = mqtt_options or {}
        self._republish_delay = republish_delay
        self.bus = build_bus(settings)
        self.cache = build_cache(settings)
        self.networks = CameraNetworks(settings.security.camera_networks)
        self.manager = CameraManager(
            settings.polling, self.bus, client_factory=client_factory, networks=self.networks
        )
        self.snapshots = Snapshots(
            self.manager,
            self.bus,
            on_event=settings.events.snapshot_on_event,
            queue_size=settings.media.snapshot_queue,
        )
        self.dispatcher = CommandDispatcher(self.manager, self.bus, settings.safety, self.snapshots)
        self.commands = CommandClient(
            self.bus, timeout=settings.safety.command_timeout, check=self.manager.resolve
        )
        self.commands.serve(self.dispatcher.on_request)
        self.topics = Topics(settings.mqtt.base_topic, settings.mqtt.discovery_prefix)
        self.store: Store = create_store(settings)
        self.cipher = load_cipher(settings.data_dir)
        self.registry = CameraRegistry(self.store, self.cipher, self.manager, self.networks)
        self.requests = BridgeRequests(self.registry, self.manager)
        self.cache_updater = CacheUpdater(self.cache, self.bus)
        spool_dir = settings.data_dir / "spool"
        spool_dir.mkdir(parents=True, exist_ok=True)
        self.writer = EventWriter(self.store, self.bus, Spool(spool_dir / SPOOL_FILE))
        self.interrupted = InterruptedEvents(self.store, self.writer)
        self.media = RecordingsMedia(settings, self.manager, self.store, self.bus)
        self.retention = RetentionTask(
            self.store, settings.events.retention_days, also=[self.media.purge_before]
        )
        self.streams = StreamService(settings, self.manager) if settings.streams.enabled else None
        self.mqtt: MqttConnection | None = None
        self.mqtt_service: MqttService | None = None
        self.api: ApiServer | None = None

    async def start(self) -> None:
        await self.store.open()
        cameras = await self.registry.load(self.settings.cameras)
        self.cache_updater.start()
        self.writer.start()
        # Before any camera runs: every event that started earlier belongs to a previous run.
        # One instance runs every camera today; a scale-out passes the cameras it took over.
        # A camera removed or disabled since is run by nobody: its events are ended too.
        enabled = {c.id for c in cameras if c.enabled}
        self.interrupted.start(enabled, started_before=utcnow(), running=enabled)
        self.retention.start()
        await self.media.start()
        self.commands.start()
        if self.settings.mqtt.enabled:
            self.mqtt = MqttConnection(self.settings.mqtt, **self._mqtt_options)
            self.mqtt_service = MqttService(
                self.settings,
                self.mqtt,
                self.bus,
                self.manager,
                self.commands,
                self.requests,
                republish_delay=self._republish_delay,
            )
            await self.mqtt_service.start()
            await self.mqtt.start()
        self.snapshots.start()
        await self.manager.start(cameras, trusted={camera.id for camera in self.settings.cameras})
        if self.mqtt_service is not None:
            self.mqtt_service.announce()
        if self.streams is not None:
            await self.streams.start()
        if self.settings.server.enabled:
            await warn_if_locked_out(self.settings, self.store)
            await self._start_api()
        _LOGGER.info(
            "bridge started: %d camera(s), MQTT %s, store %s",
            len(self.manager.cameras),
            redact(self.settings.mqtt.url) if self.settings.mqtt.enabled else "disabled",
            self.settings.database_url.split(":", 1)[0],
        )

    async def _start_api(self) -> None:
        context = ApiContext(
            settings=self.settings,
            store=self.store,
            bus=self.bus,
            cache=self.cache,
            manager=self.manager,
            registry=self.registry,
            commands=self.commands,
            requests=self.requests,
            snapshots=self.snapshots,
            topics=self.topics,
            mqtt=self.mqtt,
            streams=self.streams,
            media=self.media,
            stats={"writer": self.writer.stats, "media": self.media.stats}
            | ({"streams": self.streams.stats} if self.streams is not None else {}),
        )
        server = self.settings.server
        self.api = await serve(
            create_app(context),
            server.host,
            server.port,
            access_log=server.access_log,
            forwarded_allow_ips=server.forwarded_allow_ips,
        )
        if server.public_url is None and server.port == 0:
            server.public_url = self.api.url  # media links name the port bound (tests, demo)

    async def stop(self) -> None:
        if self.streams is not None:
            self.streams.close_viewers()  # FLV viewers would hold the API's shutdown up
        if self.api is not None:
            await self.api.stop()
        if self.streams is not None:
            await self.streams.stop()  # every ffmpeg killed and reaped
        self.snapshots.stop()
        await self.media.stop()
        await self.manager.stop()
        self.commands.stop()
        await self.dispatcher.aclose()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await self.bus.drain()
        if self.mqtt_service is not None:
            await self.mqtt_service.stop()
        await self.interrupted.stop()
        await self.writer.stop()
        await self.retention.stop()
        self.cache_updater.stop()
        if self.mqtt is not None:
            await self.mqtt.stop()
        await self.bus.aclose()
        await self.store.close()
        _LOGGER.info("bridge stopped")

    async def __aenter__(self) -> Bridge:
        try:
            await self.start()
        except BaseException:
            with contextlib.suppress(Exception):  # the start's own error is the one to report
                await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def wait_for_shutdown() -> None:
    """Return on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def run(settings: Settings) -> None:
    async with Bridge(settings):
        await wait_for_shutdown()
