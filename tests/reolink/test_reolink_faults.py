"""Every simulator fault gives its typed error, and the client recovers when it ends."""

from __future__ import annotations

import asyncio

import pytest
from reolink_helpers import Expiries, by_profile, connect

from bridge.domain.capabilities import Capabilities
from bridge.reolink import (
    AuthenticationError,
    BusyError,
    CameraConnectionError,
    CameraTimeoutError,
    CameraUnreachableError,
    ProtocolError,
    ReolinkClient,
    ReolinkError,
)
from bridge.simulator import Simulator

FAULTS: list[tuple[str, dict[str, object], type[ReolinkError]]] = [
    ("offline", {}, CameraUnreachableError),
    ("slow", {"delay": 0.8}, CameraTimeoutError),
    ("garbage", {}, ProtocolError),
    ("html", {"status": 502}, ProtocolError),
    ("html", {"status": 200}, ProtocolError),  # the camera's login page
    # An aborted connection is "unreachable", never a ProtocolError: nothing was answered.
    ("drop", {}, CameraUnreachableError),
]


async def poll(client: ReolinkClient, caps: Capabilities) -> None:
    assert await client.poll_detections(caps)


@pytest.mark.parametrize(
    ("mode", "options", "error"), FAULTS, ids=[f"{m}-{o}" for m, o, _ in FAULTS]
)
async def test_fault_gives_its_error_and_the_client_recovers(
    sim: Simulator, mode: str, options: dict[str, object], error: type[ReolinkError]
) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev, timeout=0.5) as client:
        caps = await client.get_capabilities()
        await client.snapshot(0)  # the simulator renders its JPEG once; do it before the clock
        await sim.set_fault(dev.id, mode, **options)  # type: ignore[arg-type]
        for _ in range(2):  # a fresh and a reused connection fail the same way
            with pytest.raises(error):
                await client.poll_detections(caps)
        with pytest.raises(error):
            await client.snapshot(0)
        await sim.set_fault(dev.id, "none")
        await poll(client, caps)
        assert len(await client.snapshot(0)) > 100
        assert client.logins == 1  # a transport fault does not cost the session


async def test_fault_during_login(sim: Simulator) -> None:
    dev = by_profile(sim, "doorbell")
    await sim.set_fault(dev.id, "garbage")
    async with connect(dev) as client:
        with pytest.raises(ProtocolError):
            await client.get_capabilities()
        await sim.set_fault(dev.id, "none")
        await client.get_capabilities()
        assert client.logins == 1


async def test_connection_errors_share_a_base(sim: Simulator) -> None:
    dev = by_profile(sim, "ptz")
    await sim.set_fault(dev.id, "offline")
    async with connect(dev) as client:
        with pytest.raises(CameraConnectionError):
            await client.get_capabilities()


async def test_max_sessions_fault_is_busy(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    await sim.set_fault(dev.id, "max_sessions")
    async with connect(dev) as client:
        with pytest.raises(BusyError) as caught:
            await client.get_capabilities()
        assert caught.value.rsp_code == -5
        assert caught.value.retry_after > 0
        logins = [e for e in sim.state(dev.id)["commands"] if e["cmd"] == "Login"]
        assert len(logins) == 3  # one try and two backed-off retries, then give up
        await sim.set_fault(dev.id, "none")
        await client.get_capabilities()


async def test_session_limit_recovers_when_a_session_frees(sim: Simulator) -> None:
    dev = await sim.add_device("floodlight", password="pw", max_sessions=1)
    async with connect(dev) as first:
        await first.get_capabilities()
        second = ReolinkClient(dev.host, dev.port, dev.username, "pw", timeout=2.0)
        attempt = asyncio.create_task(second.get_capabilities())
        await asyncio.sleep(0.2)  # second is backing off after -5
        await first.logout()
        await attempt  # ...and gets the freed session on its next try
        await second.aclose()
    assert sim.state(dev.id)["sessions"] == 0


async def test_wrong_password(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with ReolinkClient(dev.host, dev.port, dev.username, "wrong", timeout=2.0) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_capabilities()
    assert caught.value.rsp_code == -7


# -- the session -----------------------------------------------------------------------------


async def test_token_expiry_is_invisible(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    dev = by_profile(sim, "nvr")
    expiries = Expiries(caplog)
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        await sim.set_fault(dev.id, "token_expiry")  # every token dropped on the device
        await poll(client, caps)
        await sim.set_fault(dev.id, "token_expiry")
        assert await client.read_settings(caps)
        await sim.set_fault(dev.id, "token_expiry")
        assert len(await client.snapshot(1)) > 100
        assert client.logins == 4
        assert sim.state(dev.id)["logins"] == 4
    assert expiries.seen == 3  # it did happen, the caller just never saw it


async def test_short_lease_is_renewed_before_it_ends(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    dev = await sim.add_device("floodlight", password="pw", lease_time=2)
    expiries = Expiries(caplog)
    async with ReolinkClient(dev.host, dev.port, dev.username, "pw", timeout=2.0) as client:
        caps = await client.get_capabilities()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.6
        while loop.time() < deadline:
            await poll(client, caps)
            await asyncio.sleep(0.05)
        assert client.logins >= 2
    assert expiries.seen == 0
    commands = [e["cmd"] for e in sim.state(dev.id)["commands"]]
    # Renewal is Logout then Login: the old session is never leaked.
    assert commands[:4] == ["Login", "Logout", "Login", "Logout"][: len(commands[:4])]
    assert sim.state(dev.id)["sessions"] == 0


async def test_one_login_for_many_requests(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        for _ in range(10):
            await poll(client, caps)
        assert client.logins == 1
    assert sim.state(dev.id)["logins"] == 1


async def test_concurrent_first_requests_share_one_login(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        await asyncio.gather(*(client.snapshot(ch) for ch in (0, 1, 2, 0, 1, 2)))
        assert client.logins == 1
        assert sim.state(dev.id)["sessions"] == 1
    assert sim.state(dev.id)["sessions"] == 0  # closing logs out


async def test_logout_without_a_token_sends_nothing(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    before = sim.state(dev.id)["requests"]
    async with connect(dev):
        pass
    assert sim.state(dev.id)["requests"] == before
