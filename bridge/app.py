"""The composition root: builds every unit from the settings, starts them, stops them in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import TracebackType
from typing import Any

from bridge.bus import InProcessBus
from bridge.commands import CommandDispatcher
from bridge.config import Settings
from bridge.mqtt.connection import MqttConnection
from bridge.mqtt.service import REPUBLISH_DELAY, MqttService
from bridge.mqtt.topics import Topics
from bridge.pipeline.device import ClientFactory, default_client_factory
from bridge.pipeline.manager import CameraManager
from bridge.pipeline.snapshots import Snapshots
from bridge.requests import BridgeRequests

_LOGGER = logging.getLogger(__name__)


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
        self.bus = InProcessBus()
        self.manager = CameraManager(settings.polling, self.bus, client_factory=client_factory)
        self.snapshots = Snapshots(
            self.manager, self.bus, on_event=settings.events.snapshot_on_event
        )
        self.dispatcher = CommandDispatcher(self.manager, self.bus, settings.safety, self.snapshots)
        self.requests = BridgeRequests(self.manager, self.manager)
        self.topics = Topics(settings.mqtt.base_topic, settings.mqtt.discovery_prefix)
        self.mqtt: MqttConnection | None = None
        self.mqtt_service: MqttService | None = None

    async def start(self) -> None:
        if self.settings.mqtt.enabled:
            self.mqtt = MqttConnection(self.settings.mqtt, **self._mqtt_options)
            self.mqtt_service = MqttService(
                self.settings,
                self.mqtt,
                self.bus,
                self.manager,
                self.dispatcher,
                self.requests,
                republish_delay=self._republish_delay,
            )
            await self.mqtt_service.start()
            await self.mqtt.start()
        self.snapshots.start()
        await self.manager.start(self.settings.cameras)
        if self.mqtt_service is not None:
            self.mqtt_service.announce()
        _LOGGER.info(
            "bridge started: %d camera(s), MQTT %s",
            len(self.manager.cameras),
            self.settings.mqtt.url if self.settings.mqtt.enabled else "disabled",
        )

    async def stop(self) -> None:
        self.snapshots.stop()
        await self.manager.stop()
        await self.dispatcher.aclose()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await self.bus.drain()
        if self.mqtt_service is not None:
            await self.mqtt_service.stop()
        if self.mqtt is not None:
            await self.mqtt.stop()
        await self.bus.aclose()
        _LOGGER.info("bridge stopped")

    async def __aenter__(self) -> Bridge:
        await self.start()
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
