"""Cameras, control, settings, events, audit, metrics and errors, over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fixtures.api_rig import ApiRig
from fixtures.simulator import PASSWORD

JPEG = b"\xff\xd8"


async def eventually(check: Any, timeout: float = 5.0) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = await check()
            if value:
                return value
            await asyncio.sleep(0.1)


async def test_cameras_crud_through_the_registry(rig: ApiRig) -> None:
    client = rig.client()
    device = await rig.sim.add_device("floodlight", device_id="garage")
    body = {
        "id": "garage",
        "name": "Garage",
        "host": device.host,
        "port": device.port,
        "password": PASSWORD,
        "tags": ["inside"],
    }
    created = await client.post("/cameras", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "garage"
    assert "password" not in created.json()
    assert (await client.post("/cameras", json=body)).status_code == 409
    stored = await rig.bridge.store.get_camera("garage")
    assert stored is not None
    assert PASSWORD not in stored.password_encrypted  # encrypted at rest
    await eventually(lambda: _online(client, "garage"))

    renamed = await client.put("/cameras/garage", json={"name": "Garage door"})
    assert renamed.json()["name"] == "Garage door"
    moved = await client.put("/cameras/garage", json={"poll_interval": 2.0, "tags": ["x"]})
    assert moved.status_code == 200
    assert moved.json()["poll_interval"] == 2.0
    await eventually(lambda: _online(client, "garage"))  # the password was kept
    # Cameras from the config file change there, except their name.
    assert (await client.put("/cameras/floodlight", json={"port": 1})).status_code == 409
    # An NVR channel is not a device of its own.
    assert (await client.delete("/cameras/nvr_ch0")).status_code == 409

    assert (await client.delete("/cameras/garage")).status_code == 204
    assert (await client.get("/cameras/garage")).status_code == 404
    assert await rig.bridge.store.get_camera("garage") is None
    ids = [c["id"] for c in (await client.get("/cameras")).json()]
    assert "garage" not in ids


async def _online(client: httpx.AsyncClient, camera_id: str) -> bool:
    status = await client.get(f"/cameras/{camera_id}/status")
    return status.status_code == 200 and bool(status.json()["online"])


async def test_status_control_and_snapshot(rig: ApiRig) -> None:
    client = rig.client()
    status = (await client.get("/cameras/ptz/status")).json()
    assert status["online"] is True
    assert status["model"]
    assert status["capabilities"]["pan_tilt"] is True

    led = await client.post("/cameras/floodlight/led", json={"state": "OFF"})
    assert led.json() == {"status": "ok", "code": "ok", "camera_id": "floodlight"}
    assert rig.sim.state("floodlight")["channel_states"][0]["status_led"]["state"] == "Off"
    siren = await client.post("/cameras/floodlight/siren", json={"state": "ON", "duration": 1})
    assert siren.json()["data"] == {"siren_off_in": 1}
    assert rig.commands("floodlight", "AudioAlarmPlay")

    move = await client.post("/cameras/ptz/ptz/move", json={"op": "left", "speed": 10})
    assert move.status_code == 200
    assert rig.commands("ptz", "PtzCtrl")
    presets = status["capabilities"]["ptz_presets"]
    preset = await client.post("/cameras/ptz/ptz/preset", json={"preset": presets[0]})
    assert preset.status_code == 200
    unknown = await client.post("/cameras/ptz/ptz/preset", json={"preset": "Nowhere"})
    assert unknown.status_code == 409
    assert "Nowhere" in unknown.json()["detail"]
    fixed = await client.post("/cameras/floodlight/ptz/move", json={"op": "up"})
    assert fixed.status_code == 409  # not supported by a fixed camera

    snap = await client.get("/cameras/floodlight/snapshot")
    assert snap.status_code == 200
    assert snap.headers["content-type"] == "image/jpeg"
    assert snap.content.startswith(JPEG)
    cached = await client.get("/cameras/floodlight/snapshot", params={"cached": "true"})
    assert cached.content == snap.content

    reboot = await client.post("/cameras/doorbell/reboot")
    assert reboot.status_code == 200
    assert rig.sim.state("doorbell")["settings"]["reboots"] == 1


async def test_config_per_type_goes_through_the_dispatcher_and_is_versioned(
    rig: ApiRig,
) -> None:
    client = rig.client()
    first = await client.get("/cameras/floodlight/config/motion")
    assert first.json()["version"] is None
    assert first.json()["config"]["motion_sensitivity"] is not None
    put = await client.put("/cameras/floodlight/config/motion", json={"motion_sensitivity": 33})
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    assert put.json()["result"]["status"] == "ok"
    assert rig.sim.state("floodlight")["channel_states"][0]["md_sensitivity"] == 33
    again = await client.put("/cameras/floodlight/config/alarm", json={"motion_sensitivity": 34})
    assert again.json()["version"] == 2  # alarm is motion
    history = (await client.get("/cameras/floodlight/config/motion/history")).json()
    assert [v["version"] for v in history] == [2, 1]
    assert history[0]["who"] == "token:tests"

    image = await client.put("/cameras/floodlight/config/image", json={"brightness": 100})
    assert image.status_code == 200
    assert rig.sim.state("floodlight")["channel_states"][0]["image"]["bright"] == 100
    lights = await client.put(
        "/cameras/floodlight/config/lights", json={"floodlight_mode": "night"}
    )
    assert lights.status_code == 200
    notes = await client.put("/cameras/floodlight/config/notifications", json={"email": "ON"})
    assert notes.status_code == 200
    empty = await client.put("/cameras/floodlight/config/recording", json={})
    assert empty.status_code == 422
    bad = await client.put("/cameras/floodlight/config/motion", json={"motion_sensitivity": 99})
    assert bad.status_code == 422
    assert (await client.get("/cameras/floodlight/config/bogus")).status_code == 404


async def test_events_filters_pages_acknowledge_and_snapshot(rig: ApiRig) -> None:
    client = rig.client()
    for kind in ("motion", "person"):
        rig.sim.trigger_event("floodlight", kind, True)
        await asyncio.sleep(0.8)
        rig.sim.trigger_event("floodlight", kind, False)
    rig.sim.trigger_event("doorbell", "visitor", True)

    async def ended() -> Any:
        page = (await client.get("/events", params={"camera_id": "floodlight"})).json()
        done = [e for e in page["events"] if e["phase"] == "end"]
        return page if len(done) >= 2 else None

    page = await eventually(ended, timeout=10)
    person = next(e for e in page["events"] if e["type"] == "person")
    assert person["duration"] > 0
    only_person = (
        await client.get("/events", params={"camera_id": "floodlight", "type": "person"})
    ).json()
    assert {e["type"] for e in only_person["events"]} == {"person"}
    all_types = (await client.get("/cameras/floodlight/events", params={"limit": 1})).json()
    assert len(all_types["events"]) == 1
    assert all_types["next_cursor"]
    second = await client.get(
        "/cameras/floodlight/events", params={"limit": 1, "cursor": all_types["next_cursor"]}
    )
    assert second.json()["events"][0]["event_id"] != all_types["events"][0]["event_id"]
    assert (await client.get("/events", params={"cursor": "not-a-cursor"})).status_code == 400

    event_id = person["event_id"]
    assert (await client.get(f"/events/{event_id}")).json()["acknowledged"] is False
    acked = (await client.put(f"/events/{event_id}/acknowledge")).json()
    assert acked["acknowledged"] is True
    assert acked["acknowledged_by"] == "token:tests"
    unacked = (await client.get("/events", params={"acknowledged": "false"})).json()
    assert event_id not in {e["event_id"] for e in unacked["events"]}
    assert (await client.put("/events/nope/acknowledge")).status_code == 404

    # Snapshots are taken when a detection starts (at most one per camera every 5 s).
    with_snapshot = [e for e in page["events"] if e["has_snapshot"]]
    assert with_snapshot
    jpeg = await client.get(f"/events/{with_snapshot[0]['event_id']}/snapshot")
    assert jpeg.headers["content-type"] == "image/jpeg"
    assert jpeg.content.startswith(JPEG)
    assert (await client.get("/events/nope/snapshot")).status_code == 404
    rig.sim.trigger_event("doorbell", "visitor", False)


async def test_errors_are_json_with_the_right_status(rig: ApiRig) -> None:
    client = rig.client()
    missing = await client.get("/cameras/nope/state")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no camera 'nope'"}
    assert (await client.get("/cameras/Not%20an%20id/state")).status_code == 422
    invalid = await client.post("/cameras/floodlight/set", json={"siren": "LOUD"})
    assert invalid.status_code == 422
    assert all(set(item) == {"loc", "msg", "type"} for item in invalid.json()["detail"])
    assert (await client.post("/cameras/floodlight/set", content=b"{")).status_code == 422
    huge = await client.post("/cameras/floodlight/set", content=b"x" * (2 * 1024 * 1024))
    assert huge.status_code == 413
    assert "detail" in huge.json()
    assert (await client.get("/no/such/route")).status_code == 404
    assert (await client.delete("/cameras/floodlight/state")).status_code == 405


async def test_health_ready_and_metrics(rig: ApiRig) -> None:
    async with httpx.AsyncClient(base_url=rig.url) as anonymous:
        assert (await anonymous.get("/health")).json()["status"] == "ok"
        ready = await anonymous.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "store": True, "mqtt": True, "detail": None}
        assert (await anonymous.get("/metrics")).status_code == 401
    client = rig.client()
    await client.get("/cameras/floodlight/state")
    text = (await client.get("/metrics")).text
    assert "reolink_cameras 6.0" in text
    assert 'route="/api/v1/cameras/{camera_id}/state"' in text
    assert "reolink_http_request_duration_seconds_bucket" in text
    assert 'reolink_component_stat{component="writer"' in text
    await rig.bridge.mqtt.stop()  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=rig.url) as anonymous:
        down = await anonymous.get("/ready")
    assert down.status_code == 503
    assert down.json()["mqtt"] is False


async def test_nvr_channel_settings_are_versioned_under_the_nvr(rig: ApiRig) -> None:
    client = rig.client()
    put = await client.put("/cameras/nvr_ch0/config/notifications", json={"email": "ON"})
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    history = (await client.get("/cameras/nvr_ch0/config/notifications/history")).json()
    assert [v["version"] for v in history] == [1]
    assert (await client.get("/cameras/nope/config/motion/history")).status_code == 404
