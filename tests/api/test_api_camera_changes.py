"""Changing cameras at run time: the password does not follow a new login target, `enabled`
is honoured, bad text is refused everywhere, and config-file cameras stay."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fixtures.api_rig import (
    ApiRig,
    api_settings,
    bridge_request_everywhere,
    running_api,
    wait_until,
)
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.config import ConfigError, load_settings
from bridge.domain.camera import MAX_TAG_LENGTH, MAX_TAGS
from bridge.simulator import SimulatedDevice, Simulator


def camera(camera_id: str, device: SimulatedDevice, **extra: Any) -> dict[str, Any]:
    return {
        "id": camera_id,
        "host": device.host,
        "port": device.port,
        "password": PASSWORD,
        **extra,
    }


async def test_a_new_host_port_https_or_username_needs_the_password(rig: ApiRig) -> None:
    first = await rig.sim.add_device("floodlight", device_id="first")
    other = await rig.sim.add_device("floodlight", device_id="other", password="other-pw")
    client = rig.client()
    assert (await client.post("/cameras", json=camera("porch", first))).status_code == 201
    await wait_until(lambda: rig.bridge.manager.runner("porch").online)

    for change in ({"port": other.port}, {"username": "viewer"}, {"https": True}):
        refused = await client.put("/cameras/porch", json=change)
        assert refused.status_code == 422, (change, refused.text)
        (problem,) = refused.json()["detail"]
        assert problem["loc"] == ["body", "password"]
    assert rig.sim.state("other")["requests"] == 0  # the stored password never went there
    assert rig.bridge.manager.runner("porch").camera.port == first.port

    same_place = await client.put("/cameras/porch", json={"port": first.port, "tags": ["x"]})
    assert same_place.status_code == 200, same_place.text  # not a new target: no password

    moved = await client.put("/cameras/porch", json={"port": other.port, "password": "other-pw"})
    assert moved.status_code == 200, moved.text
    runner = rig.bridge.manager.runner("porch")
    await wait_until(lambda: runner.online and runner.camera.port == other.port)
    assert rig.sim.state("other")["logins"] >= 1


async def test_a_new_host_needs_the_password(rig: ApiRig) -> None:
    first = await rig.sim.add_device("floodlight", device_id="first")
    client = rig.client()
    assert (await client.post("/cameras", json=camera("porch", first))).status_code == 201
    for host in ("127.0.0.2", "localhost"):
        refused = await client.put("/cameras/porch", json={"host": host})
        assert refused.status_code == 422, (host, refused.text)
        (problem,) = refused.json()["detail"]
        assert problem["loc"] == ["body", "password"]
    assert rig.bridge.manager.runner("porch").camera.host == first.host
    same = await client.put("/cameras/porch", json={"host": first.host.upper()})
    assert same.status_code == 200, same.text  # the same host, however spelt: no password


async def test_turning_verify_tls_off_needs_the_password(rig: ApiRig) -> None:
    """The stored password must not start going over TLS that is no longer checked."""
    device = await rig.sim.add_device("floodlight", device_id="checked")
    client = rig.client()
    added = await client.post("/cameras", json=camera("checked", device, verify_tls=True))
    assert added.status_code == 201, added.text
    refused = await client.put("/cameras/checked", json={"verify_tls": False})
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["loc"] == ["body", "password"]
    assert "verify_tls" in problem["msg"]
    assert rig.bridge.manager.runner("checked").camera.verify_tls is True
    off = await client.put("/cameras/checked", json={"verify_tls": False, "password": PASSWORD})
    assert off.status_code == 200, off.text
    assert off.json()["verify_tls"] is False
    on = await client.put("/cameras/checked", json={"verify_tls": True})  # stricter: no password
    assert on.status_code == 200, on.text
    assert rig.bridge.manager.runner("checked").camera.verify_tls is True


async def test_a_disabled_camera_is_listed_never_contacted_and_starts_when_enabled(
    rig: ApiRig,
) -> None:
    assert rig.mqtt is not None
    idle = await rig.sim.add_device("doorbell", device_id="idle")
    client = rig.client()
    mark = rig.mqtt.mark()
    added = await client.post("/cameras", json=camera("idle", idle, enabled=False))
    assert added.status_code == 201, added.text
    assert added.json()["enabled"] is False
    listed = {c["id"]: c for c in (await client.get("/cameras")).json()}
    assert listed["idle"]["enabled"] is False
    assert listed["idle"]["online"] is False
    retained = await rig.mqtt.wait_json(
        "reolink/bridge/cameras", lambda cams: "idle" in {c["id"] for c in cams}, since=mark
    )
    assert next(c for c in retained if c["id"] == "idle")["enabled"] is False

    retitled = await client.put("/cameras/idle", json={"tags": ["garden"]})
    assert retitled.status_code == 200, retitled.text
    command = await client.post("/cameras/idle/set", json={"status_led": "OFF"})
    assert command.json()["status"] == "error"
    await polls_of_another_camera(rig, 4)
    assert rig.sim.state("idle")["requests"] == 0

    enabled = await client.put("/cameras/idle", json={"enabled": True})
    assert enabled.status_code == 200, enabled.text
    await wait_until(lambda: rig.bridge.manager.runner("idle").online)
    assert rig.sim.state("idle")["requests"] > 0

    disabled = await client.put("/cameras/idle", json={"enabled": False})
    assert disabled.status_code == 200, disabled.text
    assert not rig.bridge.manager.runner("idle").online
    seen = rig.sim.state("idle")["requests"]
    await polls_of_another_camera(rig, 4)
    assert rig.sim.state("idle")["requests"] == seen


async def polls_of_another_camera(rig: ApiRig, count: int) -> None:
    """Wait `count` polling intervals while `floodlight` runs: time enough for a camera to be
    polled. (With push active, `floodlight` itself is not polled meanwhile.)"""
    runner = rig.bridge.manager.runner("floodlight")
    await asyncio.sleep(count * rig.settings.polling.interval)
    assert runner.online


CONTROL = "\x00\x07\x1b\x7f\x85\u2028"


def bad_cameras(device: SimulatedDevice) -> list[tuple[str, dict[str, Any]]]:
    """(what is wrong, a camera body with it)."""
    cases: list[tuple[str, dict[str, Any]]] = []
    for char in CONTROL:
        cases += [
            (f"name U+{ord(char):04X}", camera("bad", device, name=f"Gate{char}")),
            (f"username U+{ord(char):04X}", camera("bad", device, username=f"ad{char}min")),
            (f"tag U+{ord(char):04X}", camera("bad", device, tags=[f"out{char}door"])),
            (f"host U+{ord(char):04X}", camera("bad", device, host=f"127.0.0.1{char}")),
            (f"id U+{ord(char):04X}", camera(f"bad{char}", device)),
        ]
    cases += [
        ("id with a newline at the end", camera("bad\n", device)),
        ("host with a path", camera("bad", device, host="127.0.0.1/x")),
        ("host with user info", camera("bad", device, host="user@127.0.0.1")),
        ("20,000 tags", camera("bad", device, tags=[f"t{n}" for n in range(20_000)])),
        (
            f"{MAX_TAGS + 1} tags",
            camera("bad", device, tags=[f"t{n}" for n in range(MAX_TAGS + 1)]),
        ),
        ("a long tag", camera("bad", device, tags=["x" * (MAX_TAG_LENGTH + 1)])),
        ("an empty tag", camera("bad", device, tags=["  "])),
    ]
    return cases


async def refused_everywhere(rig: ApiRig, body: dict[str, Any], what: str) -> None:
    rest = await rig.client().post("/cameras", json=body)
    assert rest.status_code == 422, (what, rest.text)
    answers = await bridge_request_everywhere(rig, "camera/add", body)
    for interface, answer in answers.items():
        assert answer["status"] == "error", (what, interface)
    refusal = ("invalid request", "request larger than 16384 bytes")  # MQTT's size limit
    assert answers["mqtt"]["error"].startswith(refusal), (what, answers["mqtt"])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_bad_text_and_unbounded_tags_are_refused_on_every_interface(
    backend: str,
    sim: Simulator,
    mosquitto: MosquittoBroker,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    device = await sim.add_device("floodlight", device_id="bad")
    settings = api_settings(
        sim,
        mosquitto,
        tmp_path / "data",
        database_url=url,
        server={"actuator_rate_per_minute": 100_000},
    )
    settings = settings.model_copy(update={"cameras": settings.cameras[:1]})
    async with (
        Recorder(mosquitto.host, mosquitto.port) as recorder,
        running_api(sim, settings, recorder=recorder) as rig,
    ):
        for what, body in bad_cameras(device):
            await refused_everywhere(rig, body, what)
        client = rig.client()
        nul_rename = await client.put("/cameras/floodlight", json={"name": "x\x00y"})
        assert nul_rename.status_code == 422, nul_rename.text
        renamed = await bridge_request_everywhere(
            rig, "camera/rename", {"id": "floodlight", "name": "x\x00y"}
        )
        assert {answer["status"] for answer in renamed.values()} == {"error"}

        # Nothing was stored, and the store (and PostgreSQL's pool) still works.
        assert {c.id for c in await rig.bridge.store.list_cameras()} == {"floodlight"}
        good = await client.post("/cameras", json=camera("good", device, name="Gate", tags=["a"]))
        assert good.status_code == 201, good.text
        cameras = (await client.get("/cameras")).json()
        assert {c["id"] for c in cameras} == {"floodlight", "good"}
        assert max(len(m.payload) for m in recorder.on("reolink/bridge/cameras")) < 20_000


async def test_the_reserved_id_bridge_is_refused_everywhere(rig: ApiRig, tmp_path: Path) -> None:
    """`reolink/bridge/…` is the bridge's own topic tree: no camera may be called `bridge`."""
    device = await rig.sim.add_device("floodlight", device_id="reserved")
    body = camera("bridge", device)
    rest = await rig.client().post("/cameras", json=body)
    assert rest.status_code == 422, rest.text
    (problem,) = rest.json()["detail"]
    assert problem["loc"] == ["body", "id"]
    assert "reserved" in problem["msg"]
    answers = await bridge_request_everywhere(rig, "camera/add", body)
    for interface, answer in answers.items():
        assert answer["status"] == "error", interface
        assert "reserved" in answer["error"], (interface, answer)
    assert "bridge" not in {c.id for c in await rig.bridge.store.list_cameras()}
    assert rig.sim.state("reserved")["requests"] == 0

    config = tmp_path / "config.yaml"
    config.write_text(
        f"cameras:\n  - id: bridge\n    host: {device.host}\n    port: {device.port}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="reserved"):
        load_settings(config)


async def test_config_file_cameras_cannot_be_removed_at_run_time(rig: ApiRig) -> None:
    client = rig.client()
    removed = await client.delete("/cameras/floodlight")
    assert removed.status_code == 409, removed.text
    assert "config file" in removed.json()["detail"]
    answers = await bridge_request_everywhere(rig, "camera/remove", {"id": "floodlight"})
    for interface, answer in answers.items():
        assert answer["status"] == "error", interface
        assert "config file" in answer["error"], interface
    assert "floodlight" in {c["id"] for c in (await client.get("/cameras")).json()}
    assert await rig.bridge.store.get_camera("floodlight") is not None
    runner = rig.bridge.manager.runner("floodlight")
    polls = runner.polls
    runner.request_refresh()
    await wait_until(lambda: runner.polls > polls)  # still running
