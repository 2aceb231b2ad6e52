"""Two bridges on one Redis and one PostgreSQL split the cameras by lease, list each other, answer
each other's commands, and hand cameras over quickly on a clean stop."""

from __future__ import annotations

import asyncio
import time

from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.simulator import Simulator
from scaleout.conftest import CAMERAS
from scaleout.rig import Fleet, client, token, until


async def test_two_bridges_split_the_cameras_and_list_each_other(
    bridges: Fleet, sim: Simulator
) -> None:
    a = await bridges.start("a")
    await bridges.balanced(len(CAMERAS))
    assert set(a.manager.running()) == set(CAMERAS)  # alone: everything
    b = await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    assert len(split["a"]) == len(split["b"]) == 3
    # Every instance lists every camera; only the owner runs (and polls) it.
    for bridge in (a, b):
        assert {c.id for c in bridge.manager.cameras} == set(CAMERAS)
    for name, bridge in bridges.bridges.items():
        for runner in bridge.manager.runners:
            assert bridge.manager.runs(runner.camera.id) == (runner.camera.id in split[name])
    before = {cam: sim.devices[cam].requests for cam in CAMERAS}
    await until(lambda: all(sim.devices[c].requests > before[c] for c in CAMERAS), 10)

    api_token = await token(a)
    async with client(b, api_token) as http:
        answer = await http.get("/bridge/instances")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["leases"] is True
    listed = {i["instance"]: i for i in report["instances"]}
    assert set(listed) == {"a", "b"}
    assert listed["b"]["self"]
    assert not listed["a"]["self"]
    for name in ("a", "b"):
        assert listed[name]["alive"]
        assert {c["camera_id"] for c in listed[name]["cameras"]} == split[name]
        for lease in listed[name]["cameras"]:
            assert lease["lease_age"] is not None
            assert lease["lease_age"] >= 0
            assert 0 < lease["expires_in"] <= 3.0
    assert report["unassigned"] == []


async def test_a_command_to_a_non_owner_reaches_the_camera_once(
    bridges: Fleet, sim: Simulator
) -> None:
    await bridges.start("a")
    await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    camera = sorted(split["a"])[0]  # a runs it; ask b
    b = bridges.bridges["b"]
    assert not b.manager.runs(camera)
    api_token = await token(b)
    before = len(_commands(sim, camera, "SetWhiteLed"))
    async with client(b, api_token) as http:
        answer = await http.post(
            f"/cameras/{camera}/set", json={"floodlight": "ON", "transaction": "t1"}
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ok"
    await until(lambda: len(_commands(sim, camera, "SetWhiteLed")) > before, 5)
    assert len(_commands(sim, camera, "SetWhiteLed")) == before + 1


async def test_a_clean_stop_hands_the_cameras_over_in_under_two_seconds(
    bridges: Fleet, sim: Simulator
) -> None:
    await bridges.start("a")
    await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    leaving = split["a"]
    stopped = time.monotonic()
    await bridges.stop("a")
    stop_took = time.monotonic() - stopped
    b = bridges.bridges["b"]
    await until(lambda: set(b.manager.running()) == set(CAMERAS), 5)
    handover = time.monotonic() - stopped
    marks = {cam: sim.devices[cam].requests for cam in leaving}
    await until(lambda: all(sim.devices[c].requests > marks[c] for c in leaving), 5)
    # b runs them within 2 s of the stop's start (the lease release comes first in the stop)
    assert handover < 2.0, (handover, stop_took)


async def bridges_with(
    bridges: Fleet, process: str, cameras: int, timeout: float
) -> dict[str, set[str]]:
    """Wait until the in-process bridges and the process `process` (its cameras read from the
    instance directory) share every camera fairly; the split, by instance."""
    first = next(iter(bridges.bridges.values()))
    assert first.keeper is not None
    share = -(-cameras // (len(bridges.bridges) + 1))
    split: dict[str, set[str]] = {}
    async with asyncio.timeout(timeout):
        while True:
            report = await first.instances()
            split = {
                i["instance"]: {c["camera_id"] for c in i["cameras"]}
                for i in report["instances"]
                if i["alive"]
            }
            every = [c for cams in split.values() for c in cams]
            fair = all(len(cams) <= share for cams in split.values())
            if process in split and len(every) == len(set(every)) == cameras and fair:
                return split
            await asyncio.sleep(0.1)


def _commands(sim: Simulator, camera: str, cmd: str) -> list[dict[str, object]]:
    log = sim.state(camera)["commands"]
    assert isinstance(log, list)
    return [entry for entry in log if entry["cmd"] == cmd]


async def test_mqtt_per_instance_state_and_the_survivor_says_online(
    bridges: Fleet, sim: Simulator, mosquitto: MosquittoBroker
) -> None:
    base = bridges.base
    filters = (f"{base}/#", "homeassistant/#")
    async with Recorder(mosquitto.host, mosquitto.port, filters) as mqtt:
        a = await bridges.start("a")
        b = await bridges.start("b")
        split = await bridges.balanced(len(CAMERAS))
        for name in ("a", "b"):
            await mqtt.wait_topic(f"{base}/bridge/{name}/state", lambda m: m.text == "online")
        for camera in CAMERAS:
            await mqtt.wait_topic(f"{base}/{camera}/availability", lambda m: m.text == "online")
        assert a.mqtt is not None
        assert b.mqtt is not None
        assert a.mqtt.client_id != b.mqtt.client_id
        assert a.mqtt.client_id.endswith("-a")
        assert b.mqtt.client_id.endswith("-b")

        # A command sent by MQTT is executed once, whichever instance the broker gives it to.
        camera = sorted(split["b"])[0]
        before = len(_commands(sim, camera, "SetWhiteLed"))
        mark = mqtt.mark()
        await mqtt.publish(f"{base}/{camera}/set", {"floodlight": "ON", "transaction": "m1"})
        answer = await mqtt.wait_json(
            f"{base}/{camera}/response", lambda p: p.get("transaction") == "m1", since=mark
        )
        assert answer["status"] == "ok", answer
        await asyncio.sleep(1.0)  # a second execution would show by now
        assert len(_commands(sim, camera, "SetWhiteLed")) == before + 1
        assert len(mqtt.on(f"{base}/{camera}/response", since=mark)) == 1

        # An instance dies (kill -9): its last wills fire, and b, alive, says the bridge is
        # online again; b takes its cameras over after the lease TTL and they are available.
        # Home Assistant's availability of a camera names the instance that runs it: the
        # others' cameras never go unavailable, c's do until their new owner announces them.
        c = bridges.process("c")
        await mqtt.wait_topic(f"{base}/bridge/c/state", lambda m: m.text == "online", timeout=30)
        split = await bridges_with(bridges, "c", len(CAMERAS), timeout=30)
        assert split["c"], split
        lists = await _availability_lists(mqtt, base, split)
        split_c = set(split["c"])
        mark = mqtt.mark()
        c.kill()
        await mqtt.wait_topic(f"{base}/bridge/c/state", lambda m: m.text == "offline", since=mark)
        await mqtt.wait_topic(f"{base}/bridge/state", lambda m: m.text == "offline", since=mark)
        await mqtt.wait_topic(f"{base}/bridge/state", lambda m: m.text == "online", since=mark)
        assert mqtt.on(f"{base}/bridge/state")[-1].text == "online"
        assert mqtt.on(f"{base}/bridge/a/state")[-1].text == "online"
        split = await bridges.balanced(len(CAMERAS), timeout=15)
        for camera in split_c:
            await mqtt.wait_topic(
                f"{base}/{camera}/availability", lambda m: m.text == "online", since=mark
            )
        await _availability_lists(mqtt, base, split)  # c's cameras now name a or b
        of_c = {camera for camera, topics in lists.items() if topics[0].endswith("/bridge/c/state")}
        assert of_c == split_c
        offline = [
            (camera, m.topic)
            for camera, topics in lists.items()
            if camera not in of_c
            for m in mqtt.messages[mark:]
            if m.topic in topics and m.text == "offline"
        ]
        assert not offline, offline


async def _availability_lists(
    mqtt: Recorder, base: str, split: dict[str, set[str]], timeout: float = 15
) -> dict[str, list[str]]:
    """Until the latest discovery of every camera names its owner's state topic first (and
    never `bridge/state`): camera → the topics of its availability list."""
    owner_of = {camera: owner for owner, cameras in split.items() for camera in cameras}
    async with asyncio.timeout(timeout):
        while True:
            lists: dict[str, list[str]] = {}
            for m in mqtt.messages:
                if not m.topic.startswith("homeassistant/") or not m.payload:
                    continue
                config = m.json()
                if config.get("state_topic", "").startswith(f"{base}/"):
                    camera = config["state_topic"].removeprefix(f"{base}/")
                    lists[camera] = [entry["topic"] for entry in config["availability"]]
            if all(
                camera in lists and lists[camera][0] == f"{base}/bridge/{owner}/state"
                for camera, owner in owner_of.items()
            ):
                assert not any(f"{base}/bridge/state" in topics for topics in lists.values())
                return lists
            await asyncio.sleep(0.1)


async def test_a_camera_added_on_one_instance_is_known_to_every_instance(
    bridges: Fleet, sim: Simulator
) -> None:
    a = await bridges.start("a")
    b = await bridges.start("b")
    await bridges.balanced(len(CAMERAS))
    device = await sim.add_device("floodlight", device_id="porch")
    api_token = await token(a)
    body = {"id": "porch", "host": device.host, "port": device.port, "password": PASSWORD}
    async with client(a, api_token) as http:
        added = await http.post("/cameras", json=body)
    assert added.status_code == 201, added.text
    await until(lambda: "porch" in {c.id for c in b.manager.cameras}, 10)
    split = await bridges.balanced(len(CAMERAS) + 1)
    assert sum("porch" in cams for cams in split.values()) == 1
    async with client(b, api_token) as http:  # removed through the other instance
        removed = await http.delete("/cameras/porch")
    assert removed.status_code in (200, 204), removed.text
    await until(lambda: all("porch" not in {c.id for c in x.manager.cameras} for x in (a, b)), 10)
    await bridges.balanced(len(CAMERAS))
