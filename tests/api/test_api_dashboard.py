"""What the dashboard needs of the API: logout ends a login session (refresh, access and live
session alike, across a restart and in another instance sharing the data dir), bulk
acknowledge, the camera views, tile thumbnails (never more than one take per camera per 10 s,
never from a battery camera), storage use, one attribute set as over MQTT, and the built
dashboard at `/` with its Content-Security-Policy."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import websockets
from fixtures.api_rig import ADMIN_PASSWORD, ApiRig, api_settings, running_api, wait_until
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.api.logouts import LOGOUTS_FILE
from bridge.api.routers.dashboard import THUMBNAIL_MAX_AGE
from bridge.api.web import CONTENT_SECURITY_POLICY
from bridge.simulator import Simulator


async def _login(rig: ApiRig) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=rig.url) as http:
        answer = await http.post(
            "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
    assert answer.status_code == 200
    pair: dict[str, Any] = answer.json()
    return pair


async def _token(rig: ApiRig, scope: str) -> str:
    made = await rig.client().post("/auth/tokens", json={"name": f"t-{scope}", "scope": scope})
    assert made.status_code == 201
    return str(made.json()["token"])


@contextlib.asynccontextmanager
async def _api(sim: Simulator, data: Path, **extra: Any) -> AsyncIterator[ApiRig]:
    server = {"login_rate_per_minute": 6000, **extra.pop("server", {})}
    settings = api_settings(sim, None, data, server=server, **extra)
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        yield rig


# -- logout ---------------------------------------------------------------------------------


async def _closed(ws: Any, timeout: float = 5.0) -> tuple[int, str]:
    """The code and reason the server closed `ws` with (its frames meanwhile are dropped)."""
    async with asyncio.timeout(timeout):
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed as closed:
            frame = closed.rcvd
        return (frame.code, frame.reason) if frame is not None else (0, "no close frame")


async def test_logout_ends_the_session_refresh_access_and_live(
    sim: Simulator, tmp_path: Path
) -> None:
    async with _api(sim, tmp_path / "data", auth={"session_recheck_seconds": 0.5}) as rig:
        mine, other = await _login(rig), await _login(rig)
        refreshed = await rig.client().post(
            "/auth/refresh", json={"refresh_token": mine["refresh_token"]}
        )  # a refresh keeps the session: its tokens end with it
        assert refreshed.status_code == 200
        renewed = refreshed.json()
        ws = await websockets.connect(
            rig.ws_url + "/ws/events",
            additional_headers={"Authorization": f"Bearer {renewed['access_token']}"},
            max_queue=None,
        )
        try:
            out = await rig.client().post(
                "/auth/logout", json={"refresh_token": mine["refresh_token"]}
            )
            assert out.status_code == 204
            for token in (mine["access_token"], renewed["access_token"]):
                me = await rig.client(token).get("/auth/me")
                assert me.status_code == 401
                assert me.json() == {"detail": "the session has ended (logged out)"}
            for refresh in (mine["refresh_token"], renewed["refresh_token"]):
                again = await rig.client().post("/auth/refresh", json={"refresh_token": refresh})
                assert again.status_code == 401
            code, reason = await _closed(ws)
            assert (code, reason) == (1008, "the session has ended (logged out)")
        finally:
            await ws.close()
        # the other login goes on
        assert (await rig.client(other["access_token"]).get("/auth/me")).status_code == 200
        # logging out twice, or with something else, is refused plainly
        twice = await rig.client().post(
            "/auth/logout", json={"refresh_token": mine["refresh_token"]}
        )
        assert twice.status_code == 401
        junk = await rig.client().post("/auth/logout", json={"refresh_token": "x.y.z"})
        assert junk.status_code == 401
        access = await rig.client().post(
            "/auth/logout", json={"refresh_token": other["access_token"]}
        )
        assert access.status_code == 401
        assert access.json()["detail"] == "not a refresh token"


async def test_a_logout_holds_after_a_restart_and_in_another_instance(
    sim: Simulator, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    async with _api(sim, data) as rig:
        pair = await _login(rig)
        async with _api(sim, data, server={"port": 0}) as other:  # same data dir, same secret
            assert (await other.client(pair["access_token"]).get("/auth/me")).status_code == 200
            out = await rig.client().post(
                "/auth/logout", json={"refresh_token": pair["refresh_token"]}
            )
            assert out.status_code == 204
            seen = await other.client(pair["access_token"]).get("/auth/me")
            assert seen.status_code == 401
    assert (data / LOGOUTS_FILE).stat().st_mode & 0o077 == 0
    async with _api(sim, data) as restarted:
        refresh = await restarted.client().post(
            "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert refresh.status_code == 401
        assert refresh.json()["detail"] == "the session has ended (logged out)"


async def test_a_damaged_logout_list_does_not_stop_the_api(sim: Simulator, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    (data / LOGOUTS_FILE).write_text("{not json")
    async with _api(sim, data) as rig:
        pair = await _login(rig)
        assert (await rig.client(pair["access_token"]).get("/auth/me")).status_code == 200
        out = await rig.client().post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
        assert out.status_code == 204
        assert (await rig.client(pair["access_token"]).get("/auth/me")).status_code == 401
        assert json.loads((data / LOGOUTS_FILE).read_text())  # written whole again


# -- events ---------------------------------------------------------------------------------


async def _events(rig: ApiRig, camera_id: str, count: int) -> list[str]:
    for _ in range(count):
        rig.sim.trigger_event(camera_id, "motion", True, 0)
        await asyncio.sleep(1.0)
        rig.sim.trigger_event(camera_id, "motion", False, 0)
        await asyncio.sleep(1.0)
    async with asyncio.timeout(10):
        while True:
            page = (await rig.client().get(f"/cameras/{camera_id}/events")).json()
            ids = [e["event_id"] for e in page["events"] if e["type"] == "motion"]
            if len(ids) >= count:
                return ids[:count]
            await asyncio.sleep(0.1)


async def test_bulk_acknowledge(rig: ApiRig) -> None:
    first, second = await _events(rig, "floodlight", 2)
    body = {"event_ids": [first, "no-such-event", second, first]}
    answer = await rig.client().put("/events/acknowledge", json=body)
    assert answer.status_code == 200
    result = answer.json()
    assert [e["event_id"] for e in result["events"]] == [first, second]
    assert all(
        e["acknowledged"] and e["acknowledged_by"] == "token:tests" for e in result["events"]
    )
    assert result["missing"] == ["no-such-event"]
    stored = (await rig.client().get(f"/events/{first}")).json()
    assert stored["acknowledged"] is True

    reader = await _token(rig, "read")
    refused = await rig.client(reader).put("/events/acknowledge", json={"event_ids": [first]})
    assert refused.status_code == 403
    for bad in ({"event_ids": []}, {"event_ids": ["x"] * 501}, {"ids": [first]}):
        assert (await rig.client().put("/events/acknowledge", json=bad)).status_code == 422


# -- views, thumbnails, storage -----------------------------------------------------------


async def test_views_list_cameras_and_nvr_channels(rig: ApiRig) -> None:
    views = {v["camera_id"]: v for v in (await rig.client().get("/views")).json()}
    assert views["floodlight"]["channel"] == 0
    assert views["floodlight"]["is_nvr"] is False
    assert views["nvr"]["is_nvr"] is True
    assert views["nvr_ch0"]["parent_id"] == "nvr"
    assert views["nvr_ch0"]["name"] == "Front Yard"
    assert "nvr_ch3" not in views  # an empty slot
    assert views["battery_ch0"]["capabilities"]["battery"] is True


async def test_thumbnails_take_one_picture_per_camera_at_most_every_ten_seconds(
    rig: ApiRig,
) -> None:
    assert rig.mqtt is not None
    reader = await _token(rig, "read")
    mark = rig.mqtt.mark()
    answers = await asyncio.gather(
        *(rig.client(reader).get("/cameras/floodlight/thumbnail") for _ in range(5))
    )
    assert {a.status_code for a in answers} == {200}
    assert all(a.content.startswith(b"\xff\xd8") for a in answers)
    await rig.mqtt.wait_topic("reolink/floodlight/snapshot", since=mark)
    await asyncio.sleep(0.5)
    assert len(rig.mqtt.on("reolink/floodlight/snapshot", since=mark)) == 1
    again = await rig.client(reader).get("/cameras/floodlight/thumbnail")
    assert again.status_code == 200
    await asyncio.sleep(0.5)
    assert len(rig.mqtt.on("reolink/floodlight/snapshot", since=mark)) == 1
    assert THUMBNAIL_MAX_AGE >= 10


async def test_a_battery_camera_is_never_woken_for_a_thumbnail(rig: ApiRig) -> None:
    assert rig.mqtt is not None
    # Not when it came online either: no picture kept (none on disk), so none to serve.
    await wait_until(lambda: rig.bridge.manager.runner("battery").online)
    await rig.mqtt.wait_topic("reolink/battery_ch0/availability", lambda m: m.text == "online")
    assert rig.sim.state("battery")["get_counts"].get("Snap", 0) == 0
    assert (await rig.client().get("/cameras/battery_ch0/thumbnail")).status_code == 204
    assert rig.sim.state("battery")["get_counts"].get("Snap", 0) == 0
    mark = rig.mqtt.mark()
    await rig.bridge.snapshots.take("battery_ch0")  # on command: asked
    await rig.mqtt.wait_topic("reolink/battery_ch0/snapshot", since=mark)
    mark = rig.mqtt.mark()
    snaps = rig.sim.state("battery")["get_counts"].get("Snap", 0)
    assert snaps == 1
    answer = await rig.client().get("/cameras/battery_ch0/thumbnail")
    assert answer.status_code == 200
    assert answer.content == rig.bridge.snapshots.latest["battery_ch0"]  # the kept one
    await asyncio.sleep(0.5)
    assert rig.mqtt.on("reolink/battery_ch0/snapshot", since=mark) == []
    assert rig.sim.state("battery")["get_counts"].get("Snap", 0) == snaps
    assert (await rig.client().get("/cameras/nope/thumbnail")).status_code == 404


async def test_storage_use_counts_the_data_dir(rig: ApiRig) -> None:
    reader = await _token(rig, "read")
    use = (await rig.client(reader).get("/system/storage")).json()
    parts = {p["name"]: p["bytes"] for p in use["parts"]}
    assert use["database"] == "sqlite"
    assert parts["database"] > 0
    assert use["used_bytes"] == sum(parts.values())
    assert 0 < use["disk_free_bytes"] <= use["disk_total_bytes"]
    assert use["data_dir"] == str(rig.settings.data_dir)


# -- one attribute, as over MQTT ------------------------------------------------------------


async def test_set_one_attribute_as_mqtt_does(rig: ApiRig) -> None:
    ok = await rig.client().post("/cameras/floodlight/set/status_led", json={"value": "OFF"})
    assert ok.status_code == 200
    assert ok.json() == {"status": "ok", "code": "ok", "camera_id": "floodlight"}
    assert rig.commands("floodlight", "SetPowerLed")
    number = await rig.client().post(
        "/cameras/floodlight/set/motion_sensitivity", json={"value": 33}
    )
    assert number.json()["status"] == "ok"
    switch = await rig.client().post("/cameras/floodlight/set/status_led", json={"value": True})
    assert switch.json()["status"] == "ok"

    unknown = await rig.client().post("/cameras/floodlight/set/warp_drive", json={"value": "ON"})
    assert unknown.status_code == 422  # the status of the result's code (HTTP_STATUS)
    assert unknown.json()["error"] == "unknown attribute 'warp_drive'"
    assert unknown.json()["code"] == "invalid"
    bad = await rig.client().post("/cameras/floodlight/set/motion_sensitivity", json={"value": 99})
    assert (bad.status_code, bad.json()["status"]) == (422, "error")
    assert bad.json()["error"].startswith("invalid command: ")
    assert "99" not in bad.json()["error"]

    reader = await _token(rig, "read")
    refused = await rig.client(reader).post(
        "/cameras/floodlight/set/status_led", json={"value": "ON"}
    )
    assert refused.status_code == 403
    missing = await rig.client().post("/cameras/nope/set/status_led", json={"value": "ON"})
    assert missing.status_code == 404


# -- the dashboard's files --------------------------------------------------------------------


async def test_the_dashboard_is_served_without_a_token_under_its_csp(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>t</title><div x-data></div>")
    (web / "assets" / "index-abc123.js").write_text("console.log(1)")
    settings = api_settings(sim, mosquitto, tmp_path / "data", server={"web_dir": str(web)})
    async with (
        Recorder(mosquitto.host, mosquitto.port),
        running_api(sim, settings) as rig,
        httpx.AsyncClient(base_url=rig.api.url) as http,
    ):
        page = await http.get("/")
        assert page.status_code == 200
        assert page.text.startswith("<!doctype html>")
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY
        assert "unsafe" not in CONTENT_SECURITY_POLICY
        assert page.headers["x-frame-options"] == "DENY"
        asset = await http.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        assert (await http.get("/assets/../index.html")).status_code == 404
        assert (await http.get("/assets/none.js")).status_code == 404
        assert (await http.get("/api/v1/cameras")).status_code == 401  # the API stays closed

        (web / "index.html").unlink()
        missing = await http.get("/")
        assert missing.status_code == 503
        assert "make setup" in missing.text
