"""Our Baichuan client against the simulator: login, events, encryption, faults."""

from __future__ import annotations

import asyncio
import time
from ipaddress import IPv4Address, IPv4Network

import aiohttp
import pytest
from bc_helpers import PASSWORD, bc_logins, by_profile, client_for, next_events

from bridge.domain.values import DetectionType
from bridge.reolink.baichuan import (
    BaichuanClient,
    BaichuanConnectionClosed,
    BaichuanTimeout,
    DetectionEvent,
    Encryption,
)
from bridge.reolink.errors import AuthenticationError, CameraRefusedError
from bridge.reolink.network import CameraNetworks, IPAddress
from bridge.simulator import Simulator

MOTION, PERSON, VISITOR = DetectionType.MOTION, DetectionType.PERSON, DetectionType.VISITOR


@pytest.mark.parametrize("offer", [Encryption.AES, Encryption.BC, Encryption.NONE])
@pytest.mark.parametrize(("profile", "channel"), [("floodlight", 0), ("nvr", 1)])
async def test_motion_and_person_events(
    sim: Simulator, profile: str, channel: int, offer: Encryption
) -> None:
    dev = by_profile(sim, profile)
    async with client_for(dev, encryption=offer) as client:
        assert client.encryption is offer  # the device accepts what is offered, up to AES
        assert client.device_info is not None
        assert client.device_info.is_nvr is dev.profile.is_nvr
        assert client.device_info.channels == dev.profile.channel_count
        await client.subscribe()
        sim.trigger_event(dev.id, "motion", channel=channel)
        sim.trigger_event(dev.id, "person", channel=channel)
        assert await next_events(client, 2) == [
            DetectionEvent(channel, MOTION, True),
            DetectionEvent(channel, PERSON, True),
        ]
        sim.trigger_event(dev.id, "person", channel=channel, active=False)
        sim.trigger_event(dev.id, "motion", channel=channel, active=False)
        assert await next_events(client, 2) == [
            DetectionEvent(channel, PERSON, False),
            DetectionEvent(channel, MOTION, False),
        ]
        assert client.active(channel) == frozenset()
    assert bc_logins(dev)[-1] == {"ok": True, "encryption": offer.name}


async def test_every_ai_type_and_the_doorbell(sim: Simulator) -> None:
    doorbell = by_profile(sim, "doorbell")  # people, face, package, visitor
    async with client_for(doorbell) as client:
        await client.subscribe()
        for kind, ours in (
            ("face", DetectionType.FACE),
            ("package", DetectionType.PACKAGE),
            ("person", PERSON),
        ):
            sim.trigger_event(doorbell.id, kind)
            assert await next_events(client, 1) == [DetectionEvent(0, ours, True)]
        t0 = time.monotonic()
        sim.trigger_event(doorbell.id, "visitor")
        assert await next_events(client, 1) == [DetectionEvent(0, VISITOR, True)]
        # a press clears itself: pushed when visitor_hold is over
        assert await next_events(client, 1) == [DetectionEvent(0, VISITOR, False)]
        assert time.monotonic() - t0 >= doorbell.visitor_hold * 0.9
    flood = by_profile(sim, "floodlight")  # people, vehicle, dog_cat
    async with client_for(flood) as client:
        await client.subscribe()
        sim.trigger_event(flood.id, "vehicle")
        sim.trigger_event(flood.id, "pet", duration=0.2)
        assert await next_events(client, 3) == [
            DetectionEvent(0, DetectionType.VEHICLE, True),
            DetectionEvent(0, DetectionType.PET, True),
            DetectionEvent(0, DetectionType.PET, False),
        ]


async def test_current_state_arrives_with_the_subscription(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    sim.trigger_event(dev.id, "vehicle", channel=2)
    async with client_for(dev) as client:
        await client.subscribe()
        assert await next_events(client, 1) == [DetectionEvent(2, DetectionType.VEHICLE, True)]
        assert client.active(2) == {DetectionType.VEHICLE}


async def test_bc_only_device_and_offers(sim: Simulator) -> None:
    legacy = by_profile(sim, "legacy")
    async with client_for(legacy, encryption=Encryption.AES) as client:
        assert client.encryption is Encryption.BC  # old firmware: BC at most
        await client.subscribe()
        sim.trigger_event(legacy.id, "motion")
        assert await next_events(client, 1) == [DetectionEvent(0, MOTION, True)]


async def test_wrong_password_is_an_authentication_error(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    client = client_for(dev, password="Not-the-Pa55word")
    with pytest.raises(AuthenticationError) as info:
        await client.connect()
    assert info.value.rsp_code == 401
    assert "Not-the-Pa55word" not in str(info.value)
    assert bc_logins(dev) == [{"ok": False, "encryption": "AES"}]
    assert not client.connected


async def test_nothing_listening_is_unreachable(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    port = dev.baichuan_port
    await sim.remove_device(dev.id)
    client = client_for(dev)
    t0 = time.monotonic()
    with pytest.raises(BaichuanConnectionClosed):
        await client.connect()
    assert time.monotonic() - t0 < 2
    assert port


async def test_close_ends_the_iterator_cleanly(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    client = client_for(dev)
    await client.connect()
    await client.subscribe()
    seen: list[DetectionEvent] = []

    async def consume() -> None:
        async for event in client.events():
            seen.append(event)

    task = asyncio.create_task(consume())
    sim.trigger_event(dev.id, "motion")
    await asyncio.sleep(0.2)
    await client.close()
    await asyncio.wait_for(task, 2)  # ends, no exception
    assert seen == [DetectionEvent(0, MOTION, True)]
    assert [c["cmd"] for c in dev.command_log if c["cmd"].startswith("bc:")][-1] == "bc:Logout"


async def _post_fault(http: aiohttp.ClientSession, sim: Simulator, dev_id: str, mode: str) -> None:
    dev = sim.devices[dev_id]
    async with http.post(f"http://{dev.host}:{dev.port}/sim/fault", json={"mode": mode}) as r:
        assert r.status == 200, await r.text()
        assert (await r.json())["fault"] == mode


async def test_fault_baichuan_close(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    client = client_for(dev, keepalive_interval=0.5)
    await client.connect()
    await client.subscribe()
    t0 = time.monotonic()
    await _post_fault(http, sim, dev.id, "baichuan_close")
    with pytest.raises(BaichuanConnectionClosed):
        await next_events(client, 1, within=2)
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(BaichuanConnectionClosed):  # refused while the fault lasts
        await client_for(dev).connect()
    async with http.get(f"http://{dev.host}:{dev.port}/sim/state") as resp:
        assert resp.status == 200  # HTTP is not affected
    await _post_fault(http, sim, dev.id, "none")
    async with client_for(dev) as again:
        await again.subscribe()
        sim.trigger_event(dev.id, "motion")
        assert await next_events(again, 1) == [DetectionEvent(0, MOTION, True)]
    await client.close()


async def test_fault_baichuan_stall_is_noticed_by_the_keepalive(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "nvr")
    interval = 0.4
    client = client_for(dev, keepalive_interval=interval)
    await client.connect()
    await client.subscribe()
    await asyncio.sleep(3 * interval)  # keepalives are answered: still alive
    assert client.connected
    await _post_fault(http, sim, dev.id, "baichuan_stall")
    t0 = time.monotonic()
    sim.trigger_event(dev.id, "motion", channel=0)  # not pushed while stalled
    with pytest.raises(BaichuanTimeout, match="keepalive"):
        await next_events(client, 1, within=5)
    assert time.monotonic() - t0 <= 2 * interval + 0.5
    assert not client.connected
    await client.close()


@pytest.mark.parametrize("fault", ["offline", "reboot"])
async def test_device_going_away_closes_baichuan(
    sim: Simulator, http: aiohttp.ClientSession, fault: str
) -> None:
    dev = by_profile(sim, "doorbell")
    client = client_for(dev, keepalive_interval=0.5)
    await client.connect()
    await client.subscribe()
    if fault == "offline":
        await _post_fault(http, sim, dev.id, "offline")
    else:
        dev.schedule_reboot()
    with pytest.raises(BaichuanConnectionClosed):
        await next_events(client, 1, within=2)
    if fault == "offline":
        await sim.set_fault(dev.id, "none")
    else:
        await asyncio.sleep(dev.reboot_downtime + 0.3)
    async with client_for(dev) as again:  # back on the same port
        await again.subscribe()
        sim.trigger_event(dev.id, "visitor")
        assert await next_events(again, 1) == [DetectionEvent(0, VISITOR, True)]
    await client.close()


async def test_a_stalled_device_pushes_nothing_until_it_recovers(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "floodlight")
    async with client_for(dev) as client:  # keepalive 30 s: the stall stays unnoticed here
        await client.subscribe()
        await _post_fault(http, sim, dev.id, "baichuan_stall")
        sim.trigger_event(dev.id, "person")
        with pytest.raises(TimeoutError):
            await next_events(client, 1, within=0.5)
        await _post_fault(http, sim, dev.id, "none")
        assert await next_events(client, 1) == [DetectionEvent(0, PERSON, True)]


async def test_the_connection_goes_to_a_checked_address() -> None:
    """With `networks`, the client resolves the name once, checks every address and connects to
    a checked one: a name that later resolves outside the networks (DNS rebinding) is refused
    before any connection is opened."""
    trapped: list[int] = []

    async def trap_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        trapped.append(1)
        writer.close()

    trap = await asyncio.start_server(trap_connection, "127.0.0.1", 0)  # outside the networks
    port = trap.sockets[0].getsockname()[1]
    names: dict[str, list[IPAddress]] = {"camera.test": [IPv4Address("127.0.0.2")]}

    async def dns(host: str, port: int) -> list[IPAddress]:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return list(names[host])

    networks = CameraNetworks([IPv4Network("127.0.0.2/32")], resolver=dns)
    async with trap, Simulator(host="127.0.0.2", password=PASSWORD, control_port=None) as lan:
        dev = await lan.add_device("floodlight", device_id="lan", baichuan_port=port)
        client = BaichuanClient(
            "camera.test", port, username=dev.username, password=PASSWORD, networks=networks
        )
        async with client:
            assert client.device_info is not None
        assert len(bc_logins(dev)) == 1

        names["camera.test"] = [IPv4Address("127.0.0.1")]
        for host in ("camera.test", "127.0.0.1", "::ffff:127.0.0.1"):
            refused = BaichuanClient(
                host, port, username="admin", password=PASSWORD, networks=networks
            )
            with pytest.raises(CameraRefusedError, match=r"security\.camera_networks"):
                await refused.connect()
        assert trapped == []
        assert len(bc_logins(dev)) == 1
