"""Shared pieces of the bridge tests: the rig, the settings, the timing constants."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.app import Bridge
from bridge.config import Settings, load_settings
from bridge.domain.camera import Camera
from bridge.simulator import Simulator

PASSWORD = "p@ss w#rd%^é"  # exercises URL/JSON escaping end to end
POLL_INTERVAL = 0.5
FAST_MQTT = {"reconnect_min": 0.1, "reconnect_max": 0.5}
LOOPBACK = {"camera_networks": ["127.0.0.0/8", "::1/128"]}
"""`security` of the rig: the simulator is on loopback, which run-time cameras may not use by
default."""


@dataclass
class Rig:
    sim: Simulator
    broker: MosquittoBroker
    bridge: Bridge
    mqtt: Recorder
    settings: Settings

    def state(self, device_id: str) -> dict[str, object]:
        return self.sim.state(device_id)

    def commands(self, device_id: str, cmd: str) -> list[dict[str, object]]:
        log = self.sim.state(device_id)["commands"]
        assert isinstance(log, list)
        return [entry for entry in log if entry["cmd"] == cmd]


def bridge_settings(
    sim: Simulator,
    broker: MosquittoBroker,
    base_topic: str,
    data_dir: Path,
    *,
    health_check_interval: float = 30.0,
    **extra: object,
) -> Settings:
    cameras = [
        Camera(
            id=device_id,
            name="",
            host=device.host,
            port=device.port,
            username=device.username,
            password=device.password,
        )
        for device_id, device in sim.devices.items()
    ]
    extra.setdefault("security", LOOPBACK)
    return load_settings(
        data_dir=data_dir,
        server={"port": 0},
        cameras=cameras,
        mqtt={"url": broker.url, "base_topic": base_topic},
        polling={
            "interval": POLL_INTERVAL,
            "failure_threshold": 2,
            "timeout": 2.0,
            "health_check_interval": health_check_interval,
        },
        **extra,
    )
