"""Issue 15's acceptance with 3 real bridge processes sharing Redis, PostgreSQL and MQTT in front
of 30 simulated cameras (tests/fixtures/fleet_rig.py): the split, kill -9, SIGSTOP, a command
through an instance that does not own the camera, and a clean shutdown's handover.

One fleet serves the whole module; each test starts from every instance running and the cameras
balanced (`healthy`). Who polls a camera is read from the simulator (one login session per
poller, `Sample.pollers`), who owns it from `GET /api/v1/bridge/instances`. Redis and PostgreSQL
restarts are in test_chaos_outages.py (a fleet of their own, on throwaway servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fixtures.fleet_events import EventStream, settled
from fixtures.fleet_rig import LEASE_TTL, POLL, Fleet, Sample
from fixtures.recorder import Recorder

pytestmark = [
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.timeout(240),
    pytest.mark.xdist_group("chaos"),  # one fleet per module, on one worker
]

SLACK = 3.0
"""Seconds a loaded machine (2 cores, other test runs) may add to a bound that is about time."""
LOGS = Path(__file__).resolve().parents[2] / "artefacts" / "chaos"
"""Where the bridges' logs are copied when the module ends."""
EPISODE = 14.0
"""Seconds each detection of the event stream lasts: longer than a failover (TTL + a poll +
the new owner's connect), so polling can see every one of them."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fleet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fleet]:
    async with Fleet(tmp_path_factory.mktemp("fleet"), instances=3) as running:
        try:
            yield running
        finally:
            running.keep_logs(LOGS)


@pytest_asyncio.fixture(loop_scope="module")
async def healthy(fleet: Fleet) -> dict[str, str]:
    """Every instance running, the cameras balanced: camera → owner."""
    for instance in fleet.instances.values():
        if instance.paused:
            instance.resume()
    stopped = [name for name, instance in fleet.instances.items() if not instance.running]
    await fleet.start(stopped)
    return await fleet.wait_balanced(timeout=30 + LEASE_TTL)


class PollWatch:
    """Samples the simulator every `every` seconds; `doubles()` lists the sampled moments at which
    a camera had two pollers (sessions with a request within `within` seconds)."""

    def __init__(self, fleet: Fleet, every: float = 0.5, within: float = 2 * POLL) -> None:
        self.fleet, self.every, self.within = fleet, every, within
        self.samples: list[Sample] = []
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PollWatch:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            self.samples.append(await self.fleet.sample())
            await asyncio.sleep(self.every)

    def doubles(self) -> list[str]:
        """Each sampled moment at which a camera had two pollers or more."""
        return [
            f"{camera} at +{sample.at - self.samples[0].at:.1f}s: {pollers}"
            for sample in self.samples
            for camera in sample.sessions
            if len(pollers := sample.pollers(camera, self.within)) > 1
        ]


def overlapping(sample: Sample, since: float) -> list[str]:
    """Cameras two of whose sessions (active after `since`) overlapped in time: one had a
    request after the other's first one. A handover ends one session before the next begins."""
    found = []
    for camera, sessions in sample.sessions.items():
        recent = sorted((s for s in sessions if s.last > since), key=lambda s: s.first)
        for a, b in itertools.pairwise(recent):
            if b.first < a.last - 0.01:
                found.append(
                    f"{camera}: session {a.number} until {a.last - since:.2f}s, "
                    f"{b.number} from {b.first - since:.2f}s"
                )
    return found


def owned_by(owners: dict[str, str], name: str) -> list[str]:
    return sorted(camera for camera, owner in owners.items() if owner == name)


async def test_each_camera_is_polled_by_exactly_one_instance(
    fleet: Fleet, healthy: dict[str, str]
) -> None:
    counts = Counter(healthy.values())
    assert set(counts) == set(fleet.names)
    assert all(8 <= count <= 12 for count in counts.values()), counts  # 10 ± 2

    start = (await fleet.sample()).at
    await asyncio.sleep(4 * POLL)
    for _ in range(4):
        sample = await fleet.sample()
        pollers = {camera: len(sample.pollers(camera)) for camera in fleet.cameras}
        assert set(pollers.values()) == {1}, pollers
        await asyncio.sleep(POLL)
    assert not overlapping(sample, start)
    for name in fleet.names:  # every instance tells the same split
        assert await fleet.owners(via=name) == healthy


async def test_kill_9_hands_cameras_over_and_loses_no_event(
    fleet: Fleet, healthy: dict[str, str]
) -> None:
    victim = "b2"
    theirs = owned_by(healthy, victim)
    survivors_cameras = sorted(set(fleet.cameras) - set(theirs))
    base = fleet.base_topic
    stream = EventStream(fleet.sim, fleet.http, fleet.cameras, rate=2.0, duration=EPISODE)
    async with Recorder(fleet.broker.host, fleet.broker.port, (f"{base}/#",)) as mqtt:
        async with PollWatch(fleet) as watch:
            stream.start()
            await asyncio.sleep(6)
            mark = mqtt.mark()
            killed = fleet[victim].kill()
            delays = await fleet.wait_polled_again(theirs, killed, LEASE_TTL + POLL + 10 * SLACK)
            await asyncio.sleep(6)  # the stream goes on on the new owners
            episodes = await stream.stop()
            await asyncio.sleep(EPISODE + 2 * POLL)  # the last detections end
        # every camera shown available again, and a survivor's camera never shown offline
        for camera in fleet.cameras:
            await mqtt.wait_topic(f"{base}/{camera}/availability", lambda m: m.text == "online")
            last = mqtt.on(f"{base}/{camera}/availability")[-1]
            assert last.text == "online", camera
        blips = [
            m.topic
            for m in mqtt.messages[mark:]
            if m.topic.endswith("/availability")
            and m.text == "offline"
            and m.topic.split("/")[-2] in survivors_cameras
        ]
        assert not blips, blips

    print(
        f"kill -9 of {victim} ({len(theirs)} cameras): polled again after "
        f"{min(delays.values()):.2f}-{max(delays.values()):.2f} s (TTL {LEASE_TTL}, poll {POLL})"
    )
    assert max(delays.values()) <= LEASE_TTL + POLL + SLACK, delays
    assert not watch.doubles(), watch.doubles()[:10]
    assert not overlapping(watch.samples[-1], watch.samples[0].at)
    owners = await fleet.wait_balanced(among=[n for n in fleet.names if n != victim])
    assert victim not in owners.values()

    result = await settled(episodes, fleet.event_rows, timeout=30)
    assert result.ok, result.describe()
    assert result.matched == len(episodes) >= 20
    # the ids the bridges published are the stored ones, each once
    published = {
        event["event_id"]
        for m in mqtt.messages
        if m.topic.endswith("/event")
        and m.payload
        and isinstance(event := m.json(), dict)
        and event.get("type") == "person"
    }
    stored = {row["event_id"] for row in await fleet.event_rows() if row["type"] == "person"}
    assert published <= stored


async def test_a_paused_instance_publishes_and_writes_nothing_stale(
    fleet: Fleet, healthy: dict[str, str]
) -> None:
    victim = "b3"
    theirs = owned_by(healthy, victim)
    base = fleet.base_topic
    async with Recorder(fleet.broker.host, fleet.broker.port, (f"{base}/#",)) as mqtt:
        # a detection on each of its cameras: it publishes and stores the start, then it is
        # paused; the detection ends while it sleeps or on the new owner's watch
        mark = mqtt.mark()
        for camera in theirs:
            await fleet.sim.fire(fleet.http, camera, "person", duration=6.0)
        started = {
            camera: (
                await mqtt.wait_json(
                    f"{base}/{camera}/event",
                    lambda e: e["type"] == "person" and e["phase"] == "start",
                    since=mark,
                )
            )["event_id"]
            for camera in theirs
        }
        await stored_rows(fleet, set(started.values()), phase=None)
        paused = fleet[victim].pause()
        await fleet.wait_polled_again(theirs, paused, LEASE_TTL + POLL + 10 * SLACK)
        others = [n for n in fleet.names if n != victim]
        await fleet.wait_balanced(among=others)
        # the new owners end what it left open (at its last heartbeat: interrupted)
        before = await stored_rows(fleet, set(started.values()))

        mark = mqtt.mark()
        log_mark = fleet.broker_log_mark()
        fleet[victim].resume()
        await fleet.wait_balanced(timeout=30)  # it joins again and takes a share
        await asyncio.sleep(2 * POLL)
        owners = await fleet.owners()

        stale_events = [
            m.json()
            for m in mqtt.messages[mark:]
            if m.topic.endswith("/event")
            and m.payload
            and str(m.json().get("event_id")) in started.values()
        ]
        assert not stale_events, stale_events
        offline = [
            m.topic
            for m in mqtt.messages[mark:]
            if m.topic.endswith("/availability") and m.text == "offline"
        ]
        assert not offline, offline
        for camera in fleet.cameras:
            assert mqtt.on(f"{base}/{camera}/availability")[-1].text == "online", camera
    # the broker's log: nothing from the paused instance about a camera it did not get back
    clients = fleet.client_ids(victim)
    assert clients, f"no MQTT client id naming {victim} in the broker's log"
    lost = {camera for camera in theirs if owners[camera] != victim}
    said = [
        topic
        for client, topic in fleet.publishes(log_mark)
        if client in clients and topic.split("/")[1:2] and topic.split("/")[1] in lost
    ]
    assert not said, said
    assert await stored_rows(fleet, set(started.values())) == before  # the store untouched


async def stored_rows(
    fleet: Fleet, ids: set[str], phase: str | None = "end"
) -> dict[str, tuple[object, ...]]:
    """The stored rows of `ids` once each is there (and in `phase`, if given): the new owners
    end what a lost instance left open."""
    deadline = asyncio.get_running_loop().time() + 15 + LEASE_TTL
    while True:
        rows = {r["event_id"]: r for r in await fleet.event_rows() if r["event_id"] in ids}
        if set(rows) == ids and all(phase in (None, r["phase"]) for r in rows.values()):
            return {i: (r["phase"], r["ended_at"], r["metadata"]) for i, r in rows.items()}
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not stored{f' ({phase})' if phase else ''}: {rows}")
        await asyncio.sleep(0.5)


async def test_a_command_through_another_instance_reaches_the_camera_once(
    fleet: Fleet, healthy: dict[str, str]
) -> None:
    floodlights = [c for c in fleet.cameras if fleet.sim.devices[c]["profile"] == "floodlight"]
    camera = floodlights[0]
    owner = healthy[camera]
    receiver = next(n for n in fleet.names if n != owner)
    before = (await fleet.sample()).set_counts[camera].get("SetIrLights", 0)

    reply = await fleet.api(
        receiver,
        "POST",
        f"/cameras/{camera}/set",
        json={"ir_lights": "Off", "transaction": "chaos-rest"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "ok", reply.json()
    await asyncio.sleep(4 * POLL)
    assert (await fleet.sample()).set_counts[camera].get("SetIrLights", 0) == before + 1
    assert len(await fleet.command_rows("chaos-rest")) == 1

    base = fleet.base_topic
    async with Recorder(fleet.broker.host, fleet.broker.port, (f"{base}/#",)) as mqtt:
        mark = mqtt.mark()
        await mqtt.publish(f"{base}/{camera}/set", {"ir_lights": "On", "transaction": "chaos-mqtt"})
        answer = await mqtt.wait_json(
            f"{base}/{camera}/response", lambda r: r.get("transaction") == "chaos-mqtt", since=mark
        )
        assert answer["status"] == "ok", answer
        await asyncio.sleep(4 * POLL)
        answers = [
            m
            for m in mqtt.on(f"{base}/{camera}/response", mark)
            if m.json().get("transaction") == "chaos-mqtt"
        ]
    sets = (await fleet.sample()).set_counts[camera].get("SetIrLights", 0) - before - 1
    audit = await fleet.command_rows("chaos-mqtt")
    evidence = f"{len(answers)} answer(s), {sets} SetIrLights, {len(audit)} audit row(s)"
    # every instance hears the message: one executes it, once, and one answer goes out
    assert (len(answers), sets, len(audit)) == (1, 1, 1), evidence


async def test_a_clean_shutdown_hands_cameras_over_in_under_2_s(
    fleet: Fleet, healthy: dict[str, str]
) -> None:
    victim = "b1"
    theirs = owned_by(healthy, victim)
    async with PollWatch(fleet) as watch:
        stopping = fleet[victim].terminate()
        delays = await fleet.wait_polled_again(theirs, stopping, 10 + SLACK)
        assert await asyncio.to_thread(fleet[victim].wait, 30) == 0
    print(
        f"SIGTERM of {victim} ({len(theirs)} cameras): polled again after "
        f"{min(delays.values()):.2f}-{max(delays.values()):.2f} s"
    )
    assert max(delays.values()) < 2.0, delays
    assert not overlapping(watch.samples[-1], watch.samples[0].at)
