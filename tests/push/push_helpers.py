"""The push rig: the whole bridge (MQTT on a throwaway Mosquitto, the embedded store) against a
simulator, with a polling interval so long that only a push explains an event on time."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fixtures.bridge_rig import FAST_MQTT, FAST_REPUBLISH, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import running_simulator, sim_cameras

from bridge.app import Bridge
from bridge.config import Settings
from bridge.pipeline.device import DeviceRunner
from bridge.simulator import Simulator

SLOW_POLL = 30.0
"""The polling interval of the rig: an event on MQTT within a second can only have been pushed."""
HEALTH_CHECK = 2.0
"""A short health check: push takes over, or hands over to polling, within one."""


@dataclass
class PushRig:
    sim: Simulator
    bridge: Bridge
    mqtt: Recorder
    settings: Settings
    base: str
    http: httpx.AsyncClient

    def runner(self, device_id: str) -> DeviceRunner:
        return self.bridge.manager.runner(device_id)

    async def wait_state(self, camera_id: str, field: str, value: object, since: int = 0) -> None:
        """Until the camera's MQTT state (from `since` on) has `field` at `value`."""
        await self.mqtt.wait_json(
            f"{self.base}/{camera_id}", lambda s: s.get(field) == value, since=since, timeout=20
        )

    async def sim_event(self, device_id: str, kind: str, active: bool = True, **extra: Any) -> None:
        """`POST /sim/event` on the device's own port, as a user's test would."""
        dev = self.sim.device(device_id)
        body = {"type": kind, "active": active, "channel": 0, **extra}
        reply = await self.http.post(f"http://{dev.host}:{dev.port}/sim/event", json=body)
        reply.raise_for_status()

    async def sim_fault(self, device_id: str, mode: str) -> None:
        dev = self.sim.device(device_id)
        reply = await self.http.post(f"http://{dev.host}:{dev.port}/sim/fault", json={"mode": mode})
        reply.raise_for_status()

    def gets(self, device_id: str, cmd: str) -> int:
        """How often the device answered the read command `cmd`."""
        counts = self.sim.state(device_id)["get_counts"]
        assert isinstance(counts, dict)
        return int(counts.get(cmd, 0))

    def bc_logins(self, device_id: str) -> int:
        log = self.sim.state(device_id)["commands"]
        assert isinstance(log, list)
        return len([e for e in log if e["cmd"] == "bc:Login"])


@contextlib.asynccontextmanager
async def push_rig(
    broker: MosquittoBroker,
    data_dir: Path,
    devices: dict[str, str],
    *,
    camera: dict[str, Any] | None = None,
    polling: dict[str, Any] | None = None,
    online: bool = True,
    **sim_options: Any,
) -> AsyncIterator[PushRig]:
    """The bridge with `devices` (id → profile), every camera with the `camera` fields."""
    base = f"push{uuid.uuid4().hex[:8]}"
    async with running_simulator(devices, **sim_options) as sim:
        settings = bridge_settings(
            sim,
            broker,
            base,
            data_dir,
            health_check_interval=HEALTH_CHECK,
            polling={"interval": SLOW_POLL, **(polling or {})},
        )
        settings = settings.model_copy(update={"cameras": sim_cameras(sim, **(camera or {}))})
        async with (
            Recorder(broker.host, broker.port, (f"{base}/#",)) as recorder,
            httpx.AsyncClient(timeout=5.0) as http,
        ):
            bridge = Bridge(settings, mqtt_options=FAST_MQTT, republish_delay=FAST_REPUBLISH)
            async with bridge:
                if online:
                    for device_id in devices:
                        await recorder.wait_topic(
                            f"{base}/{device_id}/availability", lambda m: m.text == "online"
                        )
                yield PushRig(sim, bridge, recorder, settings, base, http)


@contextlib.asynccontextmanager
async def battery_rig(
    broker: MosquittoBroker, data_dir: Path, *, health_check_interval: float
) -> AsyncIterator[PushRig]:
    """The rig with one Home Hub, `hub`, and its battery camera `hub_ch0` (never polled for its
    detections; a fast poll and settings refresh show that), once push is its event source."""
    async with push_rig(
        broker,
        data_dir,
        {"hub": "battery"},
        polling={
            "interval": 0.2,
            "settings_interval": 0.5,
            "health_check_interval": health_check_interval,
        },
        online=False,
    ) as rig:
        await rig.wait_state("hub_ch0", "event_source", "push")
        yield rig
