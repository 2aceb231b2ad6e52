"""Simulator events reach MQTT as state and event messages within the poll interval + 250 ms."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fixtures.bridge_rig import POLL_INTERVAL, Rig

from bridge.bus.messages import BusMessage, SnapshotTaken

LATENCY_BUDGET = POLL_INTERVAL + 0.25


async def sim_event(rig: Rig, device_id: str, kind: str, active: bool, channel: int = 0) -> float:
    device = rig.sim.devices[device_id]
    async with httpx.AsyncClient() as http:
        reply = await http.post(
            f"http://{device.host}:{device.port}/sim/event",
            json={"type": kind, "active": active, "channel": channel},
        )
    reply.raise_for_status()
    return time.monotonic()


@pytest.mark.parametrize(
    ("device_id", "camera_id", "kind", "channel"),
    [
        ("floodlight", "floodlight", "motion", 0),
        ("floodlight", "floodlight", "person", 0),
        ("ptz", "ptz", "vehicle", 0),
        ("nvr", "nvr_ch1", "person", 1),
    ],
)
async def test_detection_start_and_end(
    rig: Rig, device_id: str, camera_id: str, kind: str, channel: int
) -> None:
    mark = rig.mqtt.mark()
    t0 = await sim_event(rig, device_id, kind, True, channel)
    start = await rig.mqtt.wait_json(
        f"reolink/{camera_id}/event",
        lambda e: e["type"] == kind and e["phase"] == "start",
        since=mark,
    )
    state = await rig.mqtt.wait_json(f"reolink/{camera_id}", lambda s: s[kind] is True, since=mark)
    arrivals = [
        m.at for m in rig.mqtt.messages[mark:] if m.topic.startswith(f"reolink/{camera_id}")
    ]
    assert max(arrivals[:2]) - t0 < LATENCY_BUDGET
    assert start["camera_id"] == camera_id
    assert start["channel"] == channel
    assert state["last_event"]["event_id"] == start["event_id"]
    assert rig.mqtt.on(f"reolink/{camera_id}", mark)[0].retain is False  # live, not replayed

    mark = rig.mqtt.mark()
    t1 = await sim_event(rig, device_id, kind, False, channel)
    end = await rig.mqtt.wait_json(
        f"reolink/{camera_id}/event",
        lambda e: e["type"] == kind and e["phase"] == "end",
        since=mark,
    )
    assert rig.mqtt.on(f"reolink/{camera_id}/event", mark)[0].at - t1 < LATENCY_BUDGET
    assert end["event_id"] == start["event_id"]
    assert end["duration"] == pytest.approx(t1 - t0, abs=LATENCY_BUDGET)
    assert end["started_at"] == start["timestamp"]
    await rig.mqtt.wait_json(f"reolink/{camera_id}", lambda s: s[kind] is False, since=mark)


async def test_doorbell_press_is_an_instant_event(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    t0 = await sim_event(rig, "doorbell", "visitor", True)
    press = await rig.mqtt.wait_json(
        "reolink/doorbell/event", lambda e: e["type"] == "visitor", since=mark
    )
    assert press["phase"] == "instant"
    assert rig.mqtt.on("reolink/doorbell/event", mark)[0].at - t0 < LATENCY_BUDGET
    await rig.mqtt.wait_json("reolink/doorbell", lambda s: s["visitor"] is True, since=mark)
    await sim_event(rig, "doorbell", "visitor", False)
    await rig.mqtt.wait_json("reolink/doorbell", lambda s: s["visitor"] is False, since=mark)
    events = [m.json() for m in rig.mqtt.on("reolink/doorbell/event", mark)]
    assert [e["phase"] for e in events if e["type"] == "visitor"] == ["instant"], events


async def test_every_camera_is_pictured_when_it_comes_online(rig: Rig) -> None:
    """Home Assistant's `image` entity has a picture before any event (issue 9); a battery
    camera is never asked for one (it would wake): with none kept yet, it has none."""
    for camera_id in ("floodlight", "ptz", "doorbell", "legacy", "nvr_ch0", "nvr_ch2"):
        url = await rig.mqtt.wait_topic(f"reolink/{camera_id}/snapshot/url")
        assert f"/api/v1/media/snapshots/{camera_id}/" in url.text, url.text
        assert rig.bridge.snapshots.latest[camera_id].startswith(b"\xff\xd8")
    assert not rig.mqtt.on("reolink/nvr/snapshot/url")  # the NVR's own view has no picture
    assert not rig.mqtt.on("reolink/battery/snapshot/url")
    assert not rig.mqtt.on("reolink/battery_ch0/snapshot/url")
    assert "battery_ch0" not in rig.bridge.snapshots.latest
    assert rig.sim.state("battery")["get_counts"].get("Snap", 0) == 0


async def test_a_doorbell_press_keeps_its_picture_for_its_event(rig: Rig) -> None:
    """Its event links it; `<cam>/snapshot/url` stays, and with it Home Assistant's image (and
    logbook)."""
    await rig.mqtt.wait_topic("reolink/doorbell/snapshot/url")  # taken when it came online
    taken: asyncio.Queue[SnapshotTaken] = asyncio.Queue()

    async def keep(message: BusMessage) -> None:
        if isinstance(message, SnapshotTaken) and message.camera_id == "doorbell":
            taken.put_nowait(message)

    subscription = rig.bridge.bus.subscribe("test-snapshots", keep)
    try:
        mark = rig.mqtt.mark()
        await sim_event(rig, "doorbell", "visitor", True)
        press = await rig.mqtt.wait_json(
            "reolink/doorbell/event", lambda e: e["type"] == "visitor", since=mark
        )
        shot = await asyncio.wait_for(taken.get(), 5)
    finally:
        subscription.close()
    assert (shot.event_id, shot.event_only) == (press["event_id"], True)
    assert shot.path is not None
    assert shot.path in press["snapshot_url"]
    await rig.mqtt.wait_json("reolink/doorbell", lambda s: s["visitor"] is True, since=mark)
    await asyncio.sleep(0.3)  # what the bus gave the MQTT face is on the broker by now
    assert rig.mqtt.on("reolink/doorbell/snapshot/url", mark) == []
    assert rig.mqtt.on("reolink/doorbell/snapshot", mark) == []


async def test_retained_state_and_availability(rig: Rig) -> None:
    for camera_id in (
        "floodlight",
        "ptz",
        "doorbell",
        "legacy",
        "nvr",
        "nvr_ch0",
        "nvr_ch1",
        "nvr_ch2",
    ):
        state = await rig.mqtt.wait_json(f"reolink/{camera_id}")
        assert state["camera_id"] == camera_id
        assert state["online"] is True
    assert not [
        m for m in rig.mqtt.messages if m.topic.startswith("reolink/nvr_ch3")
    ]  # offline slot
    assert (await rig.mqtt.wait_topic("reolink/bridge/state")).text == "online"
    info = await rig.mqtt.wait_json("reolink/bridge/info")
    assert info["camera_count"] == len(rig.sim.devices)
    cameras = await rig.mqtt.wait_json(
        "reolink/bridge/cameras", lambda c: all(e["capabilities"] for e in c)
    )
    assert {c["id"] for c in cameras} == set(rig.sim.devices)
    nvr = next(c for c in cameras if c["id"] == "nvr")
    assert nvr["cameras"] == ["nvr", "nvr_ch0", "nvr_ch1", "nvr_ch2"]
