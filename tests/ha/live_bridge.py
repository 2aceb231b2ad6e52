"""The real bridge (in process, with its real MQTT service and discovery) against the real
simulator, both on an event loop of their own in a background thread, so that a synchronous test
can drive Home Assistant beside them.

    with LiveBridge(broker, data_dir, {"doorbell": "doorbell"}) as live:
        live.trigger("doorbell", "visitor")

Every device of the simulator is a camera of the bridge with the same id; `cameras` can add
configuration per camera (e.g. `{"nvr": {"channels": {0: {"name": "Garden"}}}}`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from fixtures.mosquitto import MosquittoBroker

from bridge.app import Bridge
from bridge.config import load_settings
from bridge.domain.camera import Camera
from bridge.simulator import Simulator

T = TypeVar("T")

PASSWORD = "sim-Pässword-42"
POLL_INTERVAL = 0.3
FAST_MQTT = {"reconnect_min": 0.1, "reconnect_max": 0.5}
START_TIMEOUT = 30.0
VISITOR_HOLD = 1.0
"""Seconds a doorbell press stays active on the simulator."""


class LiveBridge:
    def __init__(
        self,
        broker: MosquittoBroker,
        data_dir: Path,
        devices: Mapping[str, str],
        cameras: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        base_topic: str = "reolink",
    ) -> None:
        """`devices`: device id -> simulator profile; `cameras`: more settings per camera id."""
        self.broker = broker
        self.data_dir = data_dir
        self.devices = dict(devices)
        self.cameras = {k: dict(v) for k, v in (cameras or {}).items()}
        self.base_topic = base_topic
        self.sim: Simulator | None = None
        self.bridge: Bridge | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._thread_main, name="live-bridge", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._ready.result(START_TIMEOUT)  # raises what the start raised

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the bridge did not stop"

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as err:
            if not self._ready.done():
                self._ready.set_exception(err)
            raise

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Simulator(
            password=PASSWORD, control_port=None, visitor_hold=VISITOR_HOLD
        ) as sim:
            for device_id, profile in self.devices.items():
                await sim.add_device(profile, device_id=device_id)
            self.sim = sim
            cameras = [
                Camera(
                    id=device_id,
                    host=device.host,
                    port=device.port,
                    username=device.username,
                    password=device.password,
                    **self.cameras.get(device_id, {}),
                )
                for device_id, device in sim.devices.items()
            ]
            settings = load_settings(
                data_dir=self.data_dir,
                # The API serves the signed snapshot URLs that Home Assistant's image entities
                # fetch (`server.public_url` becomes the bound address).
                server={"host": "127.0.0.1", "port": 0},
                streams={"enabled": False},
                cameras=cameras,
                mqtt={"url": self.broker.url, "base_topic": self.base_topic},
                polling={"interval": POLL_INTERVAL, "timeout": 2.0},
                security={"camera_networks": ["127.0.0.0/8"]},
            )
            async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
                self.bridge = bridge
                self._ready.set_result(None)
                await self._stop.wait()

    # -- driving it from the test's thread ---------------------------------------------------

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the bridge's event loop; its result."""
        assert self._loop is not None

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def trigger(self, device_id: str, kind: str, active: bool = True, channel: int = 0) -> None:
        """A detection starts (or ends) on a simulated device; a `visitor` is a doorbell press."""

        def trigger() -> None:
            assert self.sim is not None
            self.sim.trigger_event(device_id, kind, active, channel)

        self.call(trigger)
