"""kill -9 on the default setup (in-process bus): a real bridge process, the simulator, a throwaway
Mosquitto. Events fire; the bridge is SIGKILLed the moment one of them is seen on MQTT; after the
restart every event that reached the broker is in the store, and the events the kill left open
are ended at the last time they were seen active, marked `interrupted: true` (on SQLite, the
default, and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import free_port
from fixtures.recorder import Recorder
from fixtures.simulator import running_simulator

from bridge.config import load_settings
from bridge.domain.values import EventPhase
from bridge.simulator import Simulator
from bridge.storage.factory import create_store
from bridge.store import Store, StoredEvent

POLL = 0.2
HEARTBEAT = 0.5
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'reolink.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def crash_sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"floodlight": "floodlight", "doorbell": "doorbell"}) as simulator:
        yield simulator


@dataclass
class BridgeProcess:
    """`python -m bridge run --config …` as a user runs it; SIGKILL is a crash."""

    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bridge", "run", "--config", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                cwd=ROOT,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def bridge_process(
    crash_sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, database_url: str
) -> Iterator[BridgeProcess]:
    config = {
        "data_dir": str(tmp_path / "data"),
        "database": {"url": database_url},
        "mqtt": {"url": mosquitto.url},
        "server": {"port": free_port()},
        "polling": {
            "interval": POLL,
            "failure_threshold": 2,
            "timeout": 2.0,
            "active_heartbeat_interval": HEARTBEAT,
        },
        "events": {"snapshot_on_event": False},
        "cameras": [
            {
                "id": device_id,
                "host": device.host,
                "port": device.port,
                "username": device.username,
                "password": device.password,
            }
            for device_id, device in crash_sim.devices.items()
        ],
    }
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    bridge = BridgeProcess(path, tmp_path / "bridge.log")
    try:
        yield bridge
    finally:
        bridge.stop()


async def store_of(bridge: BridgeProcess) -> Store:
    store = create_store(load_settings(bridge.config))
    await store.open()
    return store


def event_messages(mqtt: Recorder) -> list[dict[str, Any]]:
    """The camera events on the broker (`reolink/<cam>/event`; not the bridge's own)."""
    return [
        m.json()
        for m in mqtt.messages
        if m.topic.endswith("/event") and m.topic != "reolink/bridge/event" and m.payload
    ]


async def wait_online(mqtt: Recorder, since: int) -> None:
    for device in ("floodlight", "doorbell"):
        await mqtt.wait_topic(
            f"reolink/{device}/availability", lambda m: m.text == "online", since=since, timeout=30
        )


async def stored(store: Store, event_id: str) -> StoredEvent:
    event = await store.get_event(event_id)
    assert event is not None, f"event {event_id} reached MQTT but is not in the store"
    return event


async def test_kill_9_loses_no_event_that_reached_the_broker_and_closes_open_ones(
    crash_sim: Simulator, mosquitto: MosquittoBroker, bridge_process: BridgeProcess
) -> None:
    async with Recorder(mosquitto.host, mosquitto.port) as mqtt:
        bridge_process.start()
        await wait_online(mqtt, 0)

        async def seen(
            device: str, kind: str, phase: str, since: int, timeout: float = 10
        ) -> dict[str, Any]:
            event: dict[str, Any] = await mqtt.wait_json(
                f"reolink/{device}/event",
                lambda e: e["type"] == kind and e["phase"] == phase,
                since=since,
                timeout=timeout,
            )
            return event

        mark = mqtt.mark()
        crash_sim.trigger_event("doorbell", "visitor", True)  # a press: an instant event
        await seen("doorbell", "visitor", "instant", mark)
        crash_sim.trigger_event("floodlight", "vehicle", True)  # a whole detection
        await seen("floodlight", "vehicle", "start", mark)
        crash_sim.trigger_event("floodlight", "vehicle", False)
        await seen("floodlight", "vehicle", "end", mark)
        crash_sim.trigger_event("floodlight", "motion", True)  # ... and one that lasts
        motion = await seen("floodlight", "motion", "start", mark)
        await asyncio.sleep(HEARTBEAT * 6)
        crash_sim.trigger_event("floodlight", "person", True)
        person = await seen("floodlight", "person", "start", mark)
        bridge_process.kill()  # the moment it is on the broker
        killed = datetime.now(UTC)
        published = event_messages(mqtt)

        store = await store_of(bridge_process)
        try:
            mark = mqtt.mark()
            bridge_process.start()
            await wait_online(mqtt, mark)
            async with asyncio.timeout(15):  # the spool's replay, then the open events' end
                while (await stored(store, person["event_id"])).phase is not EventPhase.END:
                    await asyncio.sleep(0.1)

            for message in published:  # nothing that reached the broker is missing
                row = await stored(store, message["event_id"])
                if message["phase"] == "end":
                    assert row.phase is EventPhase.END
                    assert not row.metadata.get("interrupted")
            last_poll = datetime.fromisoformat(person["timestamp"])  # the bridge's own clock
            for message in (motion, person):
                row = await stored(store, message["event_id"])
                assert row.phase is EventPhase.END
                assert row.metadata == {"interrupted": True}
                assert row.ended_at is not None
                assert row.started_at <= row.ended_at <= killed
                # ended at the camera's last heartbeat before the kill: within one interval (and
                # a poll, generously: the machine is shared) of the last poll seen on MQTT, so
                # seconds after the motion's start and its first heartbeat
                assert row.ended_at >= last_poll - timedelta(seconds=HEARTBEAT + 1.0)
                assert row.duration == pytest.approx(
                    (row.ended_at - row.started_at).total_seconds(), abs=0.002
                )

            # the detections still active now are this run's events, open and not interrupted
            fresh = await seen("floodlight", "motion", "start", mark)
            assert fresh["event_id"] != motion["event_id"]
            async with asyncio.timeout(5):
                while await store.get_event(fresh["event_id"]) is None:
                    await asyncio.sleep(0.05)
            row = await stored(store, fresh["event_id"])
            assert (row.phase, row.metadata) == (EventPhase.START, {})

            # the REST API shows the mark
            token = await asyncio.to_thread(create_token, bridge_process.config)
            config = json.loads(bridge_process.config.read_text())
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{config['server']['port']}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
            ) as http:
                reply = await http.get(f"/events/{motion['event_id']}")
            assert reply.status_code == 200, reply.text
            assert reply.json()["metadata"] == {"interrupted": True}
            assert reply.json()["phase"] == "end"
        finally:
            await store.close()
    log = bridge_process.log.read_text(errors="replace")
    assert "ended 2 event(s) left open by the previous run" in log, log[-3000:]


def create_token(config: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "token", "--config", config, "create", "--name", "crash"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    token: str = json.loads(done.stdout)["token"]
    return token
