"""Push unavailable → polling takes over within one health check, and push comes back; a
connection lost during an event still ends it exactly once; garbage on the Baichuan port never
stops the device's task."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fixtures.mosquitto import MosquittoBroker
from push_helpers import HEALTH_CHECK, PushRig, push_rig

from bridge.domain.values import EventPhase, EventType
from bridge.store import EventQuery

FAST_POLL = 0.5
SLACK = 3.0
"""Loose: the machine is shared; the bounds below are still far from the 30 s polling."""


async def _source(rig: PushRig, camera_id: str, source: str, *, since: int = 0) -> float:
    """Wait for the camera's `event_source` to become `source`; returns when it was seen."""
    seen = await rig.mqtt.wait_for(
        lambda m: (
            m.topic == f"{rig.base}/{camera_id}"
            and bool(m.payload)
            and m.json().get("event_source") == source
        ),
        since=since,
        timeout=20,
    )
    return seen.at


async def _detection(rig: PushRig, camera_id: str, kind: str, active: bool, since: int) -> float:
    seen = await rig.mqtt.wait_for(
        lambda m: (
            m.topic == f"{rig.base}/{camera_id}"
            and bool(m.payload)
            and m.json().get(kind) is active
        ),
        since=since,
        timeout=20,
    )
    return seen.at


@pytest.mark.parametrize("fault", ["baichuan_close", "baichuan_stall"])
async def test_polling_takes_over_within_one_health_check_and_push_resumes(
    mosquitto: MosquittoBroker, tmp_path: Path, fault: str
) -> None:
    async with push_rig(
        mosquitto, tmp_path, {"cam": "floodlight"}, polling={"interval": FAST_POLL}
    ) as rig:
        runner = rig.runner("cam")
        await _source(rig, "cam", "push")
        mark = rig.mqtt.mark()
        t0 = time.monotonic()
        await rig.sim_fault("cam", fault)
        taken_over = await _source(rig, "cam", "polling", since=mark) - t0
        # refused: at once; stalled: the keepalive (health check / 2) goes unanswered
        assert taken_over < HEALTH_CHECK + SLACK, taken_over
        status = runner.push.status()
        assert status["state"] == "unavailable"
        assert status["last_error"]
        assert runner.cadence == FAST_POLL

        mark = rig.mqtt.mark()
        t0 = time.monotonic()
        await rig.sim_event("cam", "person", True)
        assert await _detection(rig, "cam", "person", True, mark) - t0 < FAST_POLL + SLACK

        mark = rig.mqtt.mark()
        await rig.sim_fault("cam", "none")
        await _source(rig, "cam", "push", since=mark)
        assert runner.push.active
        mark = rig.mqtt.mark()
        t0 = time.monotonic()
        await rig.sim_event("cam", "person", False)
        assert await _detection(rig, "cam", "person", False, mark) - t0 < 1.0
        assert rig.bridge.tasks.failure is None


async def test_an_event_ended_while_push_was_down_ends_exactly_once(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    """Polling every 30 s: only the poll after the reconnect can see that the motion ended."""
    async with push_rig(mosquitto, tmp_path, {"cam": "floodlight"}) as rig:
        runner = rig.runner("cam")
        await _source(rig, "cam", "push")
        topic = f"{rig.base}/cam/event"
        mark = rig.mqtt.mark()
        await rig.sim_event("cam", "motion", True)
        start = await rig.mqtt.wait_json(topic, lambda e: e["phase"] == "start", since=mark)

        polls = runner.polls
        await rig.sim_fault("cam", "baichuan_close")
        await _source(rig, "cam", "polling", since=mark)
        async with asyncio.timeout(10):  # the poll of the takeover (motion still active)
            while runner.polls == polls:
                await asyncio.sleep(0.02)
        polls = runner.polls
        await rig.sim_event("cam", "motion", False)  # pushed to nobody, polled in 30 s
        await asyncio.sleep(0.5)
        assert not [m for m in rig.mqtt.on(topic, mark) if m.json()["phase"] == "end"]
        connects = runner.push.connects
        await rig.sim_fault("cam", "none")
        end = await rig.mqtt.wait_json(topic, lambda e: e["phase"] == "end", since=mark)
        assert runner.push.connects == connects + 1
        assert runner.polls > polls  # the reconciling poll told it
        assert end["event_id"] == start["event_id"]
        assert end["duration"] > 0

        # A later push of the same state (and the next slow refresh) changes nothing.
        await rig.sim_event("cam", "motion", False)
        runner.request_refresh()
        await rig.mqtt.wait_json(f"{rig.base}/cam", lambda s: s["motion"] is False)
        events = [m.json() for m in rig.mqtt.on(topic, mark)]
        assert [(e["type"], e["phase"]) for e in events] == [("motion", "start"), ("motion", "end")]

        await rig.bridge.writer.flush()
        page = await rig.bridge.store.query_events(
            EventQuery(camera_ids=["cam"], types=[EventType.MOTION])
        )
        assert [(e.event_id, e.phase) for e in page.events] == [(start["event_id"], EventPhase.END)]


async def test_garbage_on_the_baichuan_port_never_stops_the_device(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with push_rig(
        mosquitto, tmp_path, {"cam": "floodlight"}, polling={"interval": FAST_POLL}
    ) as rig:
        runner = rig.runner("cam")
        await _source(rig, "cam", "push")
        mark = rig.mqtt.mark()
        await rig.sim_fault("cam", "baichuan_garbage")  # garbage now, truncated frames after
        await _source(rig, "cam", "polling", since=mark)
        connections = rig.sim.state("cam")["baichuan"]["connections"]
        # push keeps retrying (each login gets a frame cut short); polling delivers meanwhile
        deadline = time.monotonic() + 20
        while rig.sim.state("cam")["baichuan"]["connections"] < connections + 1:
            assert time.monotonic() < deadline, "push was not retried"
            await asyncio.sleep(0.1)
        assert runner.push.state.value == "unavailable"
        assert "Baichuan" in (runner.push.last_error or "")
        mark = rig.mqtt.mark()
        await rig.sim_event("cam", "vehicle", True)
        await _detection(rig, "cam", "vehicle", True, mark)
        assert runner.online

        mark = rig.mqtt.mark()
        await rig.sim_fault("cam", "none")
        await _source(rig, "cam", "push", since=mark)
        t0 = time.monotonic()
        mark = rig.mqtt.mark()
        await rig.sim_event("cam", "vehicle", False)
        assert await _detection(rig, "cam", "vehicle", False, mark) - t0 < 1.0
        assert rig.bridge.tasks.restarts == 0
        assert rig.bridge.tasks.failure is None
