"""Rate limits and their safety valves: a safety-off always passes, WebSocket bridge requests are
limited and one connection's handlers bounded, and the login limit counts the real address
(X-Forwarded-For only from configured proxies)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from fixtures.api_rig import ADMIN_PASSWORD, ApiRig, api_settings, recv_until, running_api

from bridge.api.inbound import MAX_IN_FLIGHT
from bridge.config import ConfigError, load_settings
from bridge.simulator import Simulator

SAFETY_OFFS: list[tuple[str, str, dict[str, Any]]] = [
    ("floodlight", "/siren", {"state": "OFF"}),
    ("floodlight", "/floodlight", {"state": "OFF"}),
    ("floodlight", "/set", {"siren": "OFF"}),
    ("floodlight", "/set", {"floodlight": {"state": "OFF"}}),
    ("ptz", "/ptz/move", {"op": "stop"}),
    ("ptz", "/set", {"ptz": "stop"}),
]


def _limited(sim: Simulator, tmp_path: Path, **server: Any) -> Any:
    """The API with a tight per-token command limit (burst 1) and a loose per-camera one, so
    only the API's limit is tested here."""
    settings = api_settings(
        sim,
        None,
        tmp_path / "data",
        server={"actuator_rate_per_minute": 6, **server},
        safety={"actuator_rate_per_minute": 6000},
    )
    return running_api(sim, settings, wait_online=["floodlight", "ptz"])


async def test_a_safety_off_passes_the_exhausted_command_limit(
    sim: Simulator, tmp_path: Path
) -> None:
    async with _limited(sim, tmp_path) as rig:
        client = rig.client()
        codes = [
            (await client.post("/cameras/floodlight/led", json={"state": "ON"})).status_code
            for _ in range(3)
        ]
        assert codes[-1] == 429, codes
        sirens_off = len(rig.commands("floodlight", "AudioAlarmPlay"))
        for camera_id, route, body in SAFETY_OFFS:
            answer = await client.post(f"/cameras/{camera_id}{route}", json=body)
            assert answer.status_code == 200, (route, body, answer.text)
            assert answer.json()["status"] == "ok", (route, body, answer.json())
        assert len(rig.commands("floodlight", "AudioAlarmPlay")) == sirens_off + 2
        async with await rig.ws() as ws:
            command = {"siren": "OFF", "transaction": "off"}
            await ws.send(json.dumps({"topic": "floodlight/set", "payload": command}))
            frame = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight/response")
            assert frame["payload"]["status"] == "ok", frame
            await ws.send(json.dumps({"topic": "floodlight/set", "payload": {"siren": "ON"}}))
            frame = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight/response")
            assert frame["payload"]["status"] == "error"
            assert frame["payload"]["error"].startswith("too many command requests")
        # Anything that turns something on (or more than off) is still limited.
        for route, body in (
            ("/siren", {"state": "ON"}),
            ("/set", {"siren": "OFF", "status_led": "OFF"}),
            ("/floodlight", {"state": "OFF", "brightness": 10}),
        ):
            answer = await client.post(f"/cameras/floodlight{route}", json=body)
            assert answer.status_code == 429, (route, body, answer.text)
            assert int(answer.headers["retry-after"]) >= 1


async def test_set_attribute_costs_one_token_and_lets_a_safety_off_pass(
    sim: Simulator, tmp_path: Path
) -> None:
    """`POST /cameras/{id}/set/{attribute}` counts once against the per-token limit (in the
    dispatch, where the command is known), so a siren OFF passes an exhausted limit there too."""
    async with _limited(sim, tmp_path, actuator_rate_per_minute=12) as rig:  # burst 2
        client = rig.client()
        codes = [
            (
                await client.post("/cameras/floodlight/set/status_led", json={"value": "ON"})
            ).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429], codes
        sirens = len(rig.commands("floodlight", "AudioAlarmPlay"))
        answer = await client.post("/cameras/floodlight/set/siren", json={"value": "OFF"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ok", answer.json()
        assert len(rig.commands("floodlight", "AudioAlarmPlay")) == sirens + 1
        refused = await client.post("/cameras/floodlight/set/siren", json={"value": "ON"})
        assert refused.status_code == 429, refused.text


async def test_websocket_bridge_requests_are_rate_limited_like_rest(
    sim: Simulator, tmp_path: Path
) -> None:
    async with _limited(sim, tmp_path) as rig, await rig.ws() as ws:
        answers = []
        for n in range(3):
            request = {"topic": "bridge/request/health_check", "payload": {"transaction": str(n)}}
            await ws.send(json.dumps(request))
            frame = await recv_until(
                ws, lambda f: f.get("topic") == "reolink/bridge/response/health_check"
            )
            answers.append(frame["payload"])
        assert answers[0]["status"] == "ok"
        assert answers[-1]["status"] == "error"
        assert answers[-1]["error"].startswith("too many command requests")
        assert answers[-1]["transaction"] == "2"
        # The same bucket as REST's.
        rest = await rig.client().post("/bridge/request/health_check")
        assert rest.status_code == 429


async def test_one_websocket_runs_a_bounded_number_of_handlers(
    sim: Simulator, tmp_path: Path
) -> None:
    """A flood of slow commands: the connection is not read while the handlers are busy, so
    the process holds a bounded number of tasks for it (before: one task per message)."""
    async with _limited(sim, tmp_path, actuator_rate_per_minute=100_000) as rig:
        await rig.sim.set_fault("floodlight", "slow", delay=1.0)
        async with await rig.ws() as ws:
            await recv_until(ws, lambda f: True)
            baseline = len(asyncio.all_tasks())
            flood = 200
            for n in range(flood):
                payload = {"status_led": "ON" if n % 2 else "OFF", "transaction": str(n)}
                await ws.send(json.dumps({"topic": "floodlight/set", "payload": payload}))
            peak = baseline
            for _ in range(100):  # 1.5 s
                peak = max(peak, len(asyncio.all_tasks()))
                await asyncio.sleep(0.015)
            # The handlers, plus what the dispatcher and the camera's client run for them.
            assert peak - baseline <= 4 * MAX_IN_FLIGHT, (baseline, peak)
        await rig.sim.set_fault("floodlight", "none")


async def _logins(rig: ApiRig, forwarded: list[str]) -> list[int]:
    codes = []
    async with httpx.AsyncClient(base_url=rig.url) as client:
        for address in forwarded:
            answer = await client.post(
                "/auth/login",
                json={"username": "admin", "password": "wrong"},
                headers={"X-Forwarded-For": address},
            )
            codes.append(answer.status_code)
    return codes


async def test_a_spoofed_forwarded_for_does_not_escape_the_login_limit(
    sim: Simulator, tmp_path: Path
) -> None:
    # Burst 1: the rig's own login took it; every other login from 127.0.0.1 waits.
    settings = api_settings(sim, None, tmp_path / "data", server={"login_rate_per_minute": 6})
    async with running_api(sim, settings) as rig:
        codes = await _logins(rig, [f"198.51.100.{n}" for n in range(1, 6)])
    assert codes == [429] * 5, codes


async def test_a_configured_proxy_gives_the_client_address(sim: Simulator, tmp_path: Path) -> None:
    settings = api_settings(
        sim,
        None,
        tmp_path / "data",
        server={"login_rate_per_minute": 6, "forwarded_allow_ips": ["127.0.0.0/8", "::1"]},
    )
    async with running_api(sim, settings) as rig:
        clients = [f"198.51.100.{n}" for n in range(1, 6)]
        assert await _logins(rig, clients) == [401] * 5  # one bucket per real client
        assert await _logins(rig, clients[:1]) == [429]  # whose burst is spent
        async with httpx.AsyncClient(base_url=rig.url) as client:
            login = await client.post(
                "/auth/login",
                json={"username": "admin", "password": ADMIN_PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
        assert login.status_code == 200


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.300", "10.0.0.0/33"])
def test_forwarded_allow_ips_takes_only_addresses_and_networks(value: str) -> None:
    with pytest.raises(ConfigError, match="forwarded_allow_ips"):
        load_settings(server={"forwarded_allow_ips": [value]})
    assert load_settings().server.forwarded_allow_ips == []


async def test_a_websocket_flood_does_not_stop_other_clients(
    sim: Simulator, tmp_path: Path
) -> None:
    """While one connection's handlers are all busy, another connection is served."""
    async with _limited(sim, tmp_path, actuator_rate_per_minute=100_000) as rig:
        await rig.sim.set_fault("floodlight", "slow", delay=1.0)
        async with await rig.ws() as busy, await rig.ws() as other:
            for n in range(50):
                payload = {"status_led": "OFF", "transaction": str(n)}
                await busy.send(json.dumps({"topic": "floodlight/set", "payload": payload}))
            await other.send(json.dumps({"topic": "doorbell/get"}))
            frame = await recv_until(other, lambda f: f.get("topic") == "reolink/doorbell", 2)
            assert frame["payload"]["camera_id"] == "doorbell"
            with contextlib.suppress(websockets.ConnectionClosed):
                await busy.close()
        await rig.sim.set_fault("floodlight", "none")


def _deep_object(depth: int) -> str:
    return '{"transaction": "deep", "x": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


async def test_rest_json_bodies_nested_deeper_than_32_levels_are_refused(rig: ApiRig) -> None:
    """The same nesting rule as MQTT and the WebSocket (`bridge.safejson`), before any parsing."""
    client = rig.client()
    headers = {"Content-Type": "application/json"}
    for route, depth in (
        ("/bridge/request/health_check", 900),
        ("/bridge/request/health_check", 8000),
        ("/cameras/floodlight/set", 40),
        ("/cameras", 100),
    ):
        answer = await client.post(route, content=_deep_object(depth), headers=headers)
        assert answer.status_code == 400, (route, depth, answer.text)
        assert answer.json() == {"detail": "JSON nested deeper than 32 levels"}
    answer = await client.post("/cameras/floodlight/set", content="[" * 50 + "]" * 50)
    assert answer.status_code == 400, answer.text  # without a content type too
    shallow = await client.post(
        "/bridge/request/health_check", content=_deep_object(20), headers=headers
    )
    assert shallow.status_code == 200, shallow.text
    assert shallow.json()["status"] == "ok"
    strings = await client.post(  # brackets inside strings are text, not nesting
        "/cameras/floodlight/set",
        json={"transaction": "[" * 40 + "{" * 40, "status_led": "OFF"},
    )
    assert strings.status_code == 200, strings.text
    assert strings.json()["status"] == "ok"
