"""The rules of a camera change live in the registry, so every interface (and any later one)
follows them: the registry is driven directly here, on a running bridge and the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.simulator import running_simulator
from pydantic import SecretStr, ValidationError

from bridge.app import Bridge
from bridge.config import load_settings
from bridge.domain.camera import Camera
from bridge.registry import CameraRejected, ConfigFileCamera
from bridge.reolink.network import IPAddress
from bridge.simulator import Simulator

PASSWORD = "registry-pw"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator(
        dict.fromkeys(("configured", "runtime", "elsewhere"), "floodlight"),
        password=PASSWORD,
    ) as simulator:
        yield simulator


@pytest.fixture
async def bridge(sim: Simulator, tmp_path: Path) -> AsyncIterator[Bridge]:
    device = sim.device("configured")
    settings = load_settings(
        data_dir=tmp_path,
        mqtt={"enabled": False},
        server={"enabled": False},
        polling={"interval": 0.2, "timeout": 2.0},
        security={"camera_networks": ["127.0.0.0/8"]},
        cameras=[Camera(id="configured", host=device.host, port=device.port, password=PASSWORD)],
    )
    async with Bridge(settings) as running:
        yield running


def runtime_camera(sim: Simulator) -> Camera:
    device = sim.device("runtime")
    return Camera(id="runtime", host=device.host, port=device.port, password=PASSWORD)


async def test_a_new_login_target_needs_the_password(sim: Simulator, bridge: Bridge) -> None:
    await bridge.registry.add(runtime_camera(sim))
    elsewhere = sim.device("elsewhere")
    with pytest.raises(CameraRejected, match="password again") as refused:
        await bridge.registry.update("runtime", {"port": elsewhere.port})
    assert refused.value.field == "password"
    changed = await bridge.registry.update(
        "runtime", {"port": elsewhere.port, "password": SecretStr(PASSWORD)}
    )
    assert changed.port == elsewhere.port
    async with asyncio.timeout(10):
        while not bridge.manager.runner("runtime").online:
            await asyncio.sleep(0.05)
    stored = await bridge.store.get_camera("runtime")
    assert stored is not None
    assert stored.port == elsewhere.port


async def test_config_file_cameras_are_renamed_only(bridge: Bridge) -> None:
    with pytest.raises(ConfigFileCamera):
        await bridge.registry.remove("configured")
    with pytest.raises(ConfigFileCamera):
        await bridge.registry.update("configured", {"tags": ["x"]})
    renamed = await bridge.registry.update("configured", {"name": "Gate"})
    assert renamed.name == "Gate"
    with pytest.raises(ValidationError):
        await bridge.registry.rename("configured", "Gate\x00")
    assert bridge.manager.runner("configured").camera.name == "Gate"


async def test_an_address_outside_camera_networks_is_refused(
    sim: Simulator, bridge: Bridge
) -> None:
    bridge.registry.networks.networks = ()  # nothing allowed now
    with pytest.raises(CameraRejected, match=r"security\.camera_networks") as refused:
        await bridge.registry.add(runtime_camera(sim))
    assert refused.value.field == "host"
    assert await bridge.store.get_camera("runtime") is None
    assert sim.state("runtime")["requests"] == 0


async def test_an_empty_change_changes_nothing(sim: Simulator, bridge: Bridge) -> None:
    await bridge.registry.add(runtime_camera(sim).model_copy(update={"name": "Porch"}))
    assert (await bridge.registry.update("runtime", {})).name == "Porch"
    assert bridge.manager.runner("runtime").camera.name == "Porch"


async def test_a_name_that_resolves_slowly_is_refused_in_bounded_time(
    sim: Simulator, bridge: Bridge
) -> None:
    """A DNS server that never answers must not hold the handler (an MQTT request slot)."""
    asked: list[str] = []

    async def stalled(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    networks = bridge.registry.networks
    networks.resolver = stalled
    networks.resolve_timeout = 0.3
    slow = runtime_camera(sim).model_copy(update={"host": "slow.test"})
    started = time.monotonic()
    async with asyncio.timeout(5):
        with pytest.raises(CameraRejected, match=r"did not resolve within 0\.3 s") as refused:
            await bridge.registry.add(slow)
    assert time.monotonic() - started < 2
    assert asked == ["slow.test"]
    assert refused.value.field == "host"
    assert await bridge.store.get_camera("runtime") is None
