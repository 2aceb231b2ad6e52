"""`reolink/bridge/cameras` carries each device's live push state (`push_status`, as REST's
status says it), sent again when push changes state (coalesced), never for an event; the health
check never reads a battery camera's detections again."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from fixtures.mosquitto import MosquittoBroker
from push_helpers import PushRig, battery_rig, push_rig

from bridge.api.routers.cameras import camera_info
from bridge.mqtt.service import CAMERAS_EVERY
from bridge.pipeline.push import PushStatus
from bridge.reolink.capabilities import DETECTION_PROBES


def _entry(cameras: Any, device_id: str) -> dict[str, Any]:
    return next(entry for entry in cameras if entry["id"] == device_id)


async def _push_state(rig: PushRig, device_id: str, state: str, since: int = 0) -> dict[str, Any]:
    cameras = await rig.mqtt.wait_json(
        f"{rig.base}/bridge/cameras",
        lambda c: (_entry(c, device_id).get("push_status") or {}).get("state") == state,
        since=since,
        timeout=20,
    )
    status: dict[str, Any] = _entry(cameras, device_id)["push_status"]
    return status


async def _quiet(rig: PushRig, topic: str) -> None:
    """Until `topic` has been silent for two `CAMERAS_EVERY`."""
    async with asyncio.timeout(30):
        while True:
            mark = rig.mqtt.mark()
            await asyncio.sleep(2 * CAMERAS_EVERY)
            if not rig.mqtt.on(topic, mark):
                return


async def test_bridge_cameras_follows_the_push_state(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with push_rig(
        mosquitto, tmp_path, {"cam": "floodlight"}, polling={"interval": 0.5}
    ) as rig:
        runner = rig.runner("cam")
        active = await _push_state(rig, "cam", "active")
        assert active["mode"] == "auto"
        assert active["port"] == rig.sim.device("cam").baichuan_port
        assert active["last_error"] is None
        # the same shape and values as the REST status (one builder)
        assert set(active) == set(runner.push.status())

        # events change no push state: no bridge/cameras for them
        topic = f"{rig.base}/bridge/cameras"
        await _quiet(rig, topic)  # the start's own announcements (connect, capabilities) are out
        mark = rig.mqtt.mark()
        for _ in range(3):
            await rig.sim_event("cam", "person", True)
            await rig.sim_event("cam", "person", False)
        await rig.mqtt.wait_json(
            f"{rig.base}/cam/event", lambda e: e["phase"] == "end", since=mark, timeout=10
        )
        await asyncio.sleep(CAMERAS_EVERY + 0.5)
        assert rig.mqtt.on(topic, mark) == []

        # push lost: unavailable (with why), polling takes over; then back
        mark = rig.mqtt.mark()
        await rig.sim_fault("cam", "baichuan_close")
        lost = await _push_state(rig, "cam", "unavailable", mark)
        assert lost["last_error"]
        assert lost["since"] > active["since"]
        mark = rig.mqtt.mark()
        await rig.sim_fault("cam", "none")
        back = await _push_state(rig, "cam", "active", mark)
        assert back["last_error"] is None
        assert runner.push.active

        # REST lists the same entry
        assert camera_info(runner, runs=True, cached=None).push_status == PushStatus.model_validate(
            back
        )


async def test_bridge_cameras_says_push_off(mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    async with push_rig(mosquitto, tmp_path, {"cam": "floodlight"}, camera={"push": "off"}) as rig:
        off = await _push_state(rig, "cam", "off")
        assert off["mode"] == "off"


async def test_push_changes_are_coalesced(mosquitto: MosquittoBroker, tmp_path: Path) -> None:
    """A burst of push changes (here: many devices losing push at once) goes out as a few
    `bridge/cameras`, at most one per `CAMERAS_EVERY`."""
    devices = {f"cam{i}": "floodlight" for i in range(4)}
    async with push_rig(mosquitto, tmp_path, devices, polling={"interval": 0.5}) as rig:
        for device_id in devices:
            await _push_state(rig, device_id, "active")
        topic = f"{rig.base}/bridge/cameras"
        await _quiet(rig, topic)
        mark = rig.mqtt.mark()
        await asyncio.gather(*(rig.sim_fault(d, "baichuan_close") for d in devices))
        cameras = await rig.mqtt.wait_json(
            topic,
            lambda c: all(
                (_entry(c, d).get("push_status") or {}).get("state") == "unavailable"
                for d in devices
            ),
            since=mark,
            timeout=20,
        )
        assert cameras
        sent = rig.mqtt.on(topic, mark)
        gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
        assert all(gap >= CAMERAS_EVERY * 0.9 for gap in gaps), gaps


async def test_health_checks_never_read_a_battery_cameras_detections(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with battery_rig(mosquitto, tmp_path, health_check_interval=0.5) as rig:
        runner = rig.runner("hub")
        caps = runner.capabilities
        assert caps is not None
        assert caps.channels[0].detections
        before = {cmd: rig.gets("hub", cmd) for cmd in DETECTION_PROBES}
        assert before["GetEvents"] >= 1  # the first read asks, as reolink_aio's first read
        checks = rig.gets("hub", "GetAbility")
        while rig.gets("hub", "GetAbility") < checks + 3:  # three more health checks
            await asyncio.sleep(0.05)
        assert {cmd: rig.gets("hub", cmd) for cmd in DETECTION_PROBES} == before
        assert runner.capabilities == caps  # the detection flags kept: nothing re-announced
