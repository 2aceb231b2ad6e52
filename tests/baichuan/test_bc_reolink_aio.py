"""Fidelity: reolink_aio 0.22's own Baichuan client logs in to simulated devices, subscribes and
receives the alarms `/sim/event` raises, pushed (nothing here polls the HTTP API for states)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from bc_helpers import bc_logins, by_profile
from reolink_aio.api import Host
from reolink_aio.enums import ConnectionEnum

from bridge.reolink.baichuan.const import DEFAULT_PORT
from bridge.simulator import SimulatedDevice, Simulator


async def sim_event(
    http: aiohttp.ClientSession, dev: SimulatedDevice, kind: str, channel: int = 0, **extra: object
) -> None:
    url = f"http://{dev.host}:{dev.port}/sim/event"
    async with http.post(url, json={"type": kind, "channel": channel, **extra}) as resp:
        assert resp.status == 200, await resp.text()


class Pushes:
    """Counts reolink_aio's alarm callbacks (cmd_id 33) for one channel."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = asyncio.Event()

    def __call__(self) -> None:
        self.count += 1
        self.changed.set()

    async def wait(self, predicate: object, within: float = 5.0) -> None:
        assert callable(predicate)
        async with asyncio.timeout(within):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def subscribed(
    request: pytest.FixtureRequest, sim: Simulator
) -> AsyncIterator[tuple[Host, SimulatedDevice, int, Pushes]]:
    """reolink_aio's Host for the profile, host data read over HTTP, Baichuan subscribed."""
    profile, channel = request.param
    dev = by_profile(sim, profile)
    host = Host(
        dev.host,
        dev.username,
        dev.password,
        port=dev.port,
        use_https=False,
        bc_connection=ConnectionEnum.tcp,
        timeout=10,
    )
    assert host.baichuan.port == DEFAULT_PORT
    pushes = Pushes()
    try:
        await host.get_host_data()
        # GetNetPort's mediaPort told reolink_aio where the device's Baichuan listens
        assert host.baichuan.port == dev.baichuan_port != DEFAULT_PORT
        host.baichuan.register_callback("test", pushes, cmd_id=33, channel=channel)
        await host.baichuan.subscribe_events()
        await pushes.wait(lambda: host.baichuan.events_active)  # the initial state push
        yield host, dev, channel, pushes
    finally:
        await host.baichuan.unsubscribe_events()
        await host.logout()


CAMERA_AND_NVR = [("floodlight", 0), ("nvr", 1)]


@pytest.mark.parametrize("subscribed", CAMERA_AND_NVR, indirect=True, ids=["camera", "nvr-ch1"])
async def test_motion_and_person_are_pushed(
    subscribed: tuple[Host, SimulatedDevice, int, Pushes], http: aiohttp.ClientSession
) -> None:
    host, dev, channel, pushes = subscribed
    assert not host.motion_detected(channel)
    await sim_event(http, dev, "motion", channel)
    await pushes.wait(lambda: host.motion_detected(channel))
    await sim_event(http, dev, "person", channel)
    await pushes.wait(lambda: host.ai_detected(channel, "people"))
    assert not host.ai_detected(channel, "vehicle")
    await sim_event(http, dev, "person", channel, active=False)
    await sim_event(http, dev, "motion", channel, active=False)
    await pushes.wait(
        lambda: not host.motion_detected(channel) and not host.ai_detected(channel, "people")
    )
    if dev.profile.is_nvr:  # other channels were not touched
        assert not host.motion_detected(0)
    # the device chose AES (reolink_aio offers it) and saw one login
    assert bc_logins(dev) == [{"ok": True, "encryption": "AES"}]


@pytest.mark.parametrize("subscribed", [("doorbell", 0)], indirect=True, ids=["doorbell"])
async def test_doorbell_visitor_is_pushed_and_clears(
    subscribed: tuple[Host, SimulatedDevice, int, Pushes], http: aiohttp.ClientSession
) -> None:
    host, dev, _, pushes = subscribed
    assert host.is_doorbell(0)
    t0 = time.monotonic()
    await sim_event(http, dev, "visitor")
    await pushes.wait(lambda: host.visitor_detected(0))
    # the press clears itself after visitor_hold, and that is pushed too
    await pushes.wait(lambda: not host.visitor_detected(0), within=dev.visitor_hold + 3)
    assert time.monotonic() - t0 >= dev.visitor_hold * 0.9


@pytest.mark.parametrize("subscribed", [("legacy", 0)], indirect=True, ids=["legacy-bc"])
async def test_bc_only_device_pushes_in_bc(
    subscribed: tuple[Host, SimulatedDevice, int, Pushes], http: aiohttp.ClientSession
) -> None:
    """Old firmware only knows BC: it chooses BC although reolink_aio offers AES."""
    host, dev, _, pushes = subscribed
    await sim_event(http, dev, "motion")
    await pushes.wait(lambda: host.motion_detected(0))
    await sim_event(http, dev, "motion", active=False)
    await pushes.wait(lambda: not host.motion_detected(0))
    assert bc_logins(dev) == [{"ok": True, "encryption": "BC"}]


async def test_forced_bc_on_a_modern_profile(http: aiohttp.ClientSession) -> None:
    """The same camera with Baichuan limited to BC: person and motion still reach reolink_aio."""
    async with Simulator(0) as sim:
        dev = await sim.add_device("floodlight", password="pw", baichuan_encryption="bc")
        host = Host(
            dev.host, dev.username, "pw", port=dev.port, use_https=False,
            bc_connection=ConnectionEnum.tcp,
        )  # fmt: skip
        pushes = Pushes()
        try:
            await host.get_host_data()
            host.baichuan.register_callback("test", pushes, cmd_id=33, channel=0)
            await host.baichuan.subscribe_events()
            await sim_event(http, dev, "person")
            await pushes.wait(lambda: host.ai_detected(0, "people"))
        finally:
            await host.baichuan.unsubscribe_events()
            await host.logout()
        assert bc_logins(dev) == [{"ok": True, "encryption": "BC"}]


async def test_wrong_password_is_refused_over_baichuan(sim: Simulator) -> None:
    from reolink_aio.exceptions import CredentialsInvalidError

    dev = by_profile(sim, "floodlight")
    host = Host(
        dev.host, dev.username, "wrong", port=dev.port, use_https=False,
        bc_port=dev.baichuan_port, bc_connection=ConnectionEnum.tcp,
    )  # fmt: skip
    try:
        with pytest.raises(CredentialsInvalidError):
            await host.baichuan.login()
    finally:
        await host.logout()
    assert bc_logins(dev) == [{"ok": False, "encryption": "AES"}]


async def test_reolink_aio_keepalive_is_answered(sim: Simulator) -> None:
    """reolink_aio uses message 93 (LinkType) as keepalive; the simulator answers it."""
    dev = by_profile(sim, "floodlight")
    host = Host(
        dev.host, dev.username, dev.password, port=dev.port, use_https=False,
        bc_port=dev.baichuan_port, bc_connection=ConnectionEnum.tcp,
    )  # fmt: skip
    try:
        await host.baichuan.login()
        answer = await host.baichuan.send(cmd_id=93)
        assert "<type>LAN</type>" in answer
    finally:
        await host.logout()
