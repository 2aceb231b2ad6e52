"""Token scopes: `read` < `control` < `admin`, declared once per route, enforced over REST and
the WebSocket, chosen at creation (REST and the command line), shown in listings."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from fastapi.routing import APIRoute, APIWebSocketRoute
from fixtures.api_rig import ApiRig, api_settings, recv_until, running_api

from bridge.api.deps import is_public
from bridge.api.scopes import api_routes, route_rules
from bridge.api.security import SCOPES
from bridge.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api(sim: Simulator, tmp_path: Path) -> AsyncIterator[ApiRig]:
    settings = api_settings(
        sim,
        None,
        tmp_path / "data",
        server={"actuator_rate_per_minute": 10_000},
        safety={"actuator_rate_per_minute": 6000},
    )
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        yield rig


async def _tokens(rig: ApiRig) -> dict[str, str]:
    """A secret per scope, made through the API."""
    admin = rig.client(rig.admin_jwt)
    made = {}
    for scope in SCOPES:
        answer = await admin.post("/auth/tokens", json={"name": f"{scope}-token", "scope": scope})
        assert answer.status_code == 201, answer.text
        assert answer.json()["scope"] == scope
        made[scope] = answer.json()["token"]
    return made


async def test_every_route_declares_exactly_one_scope_and_the_document_says_it(
    api: ApiRig,
) -> None:
    app = api.api.app
    document = app.openapi()
    checked = websockets_seen = 0
    for route in api_routes(app):  # not /openapi.json, /docs: the app's own, outside /api/v1
        rules = route_rules(route)
        if is_public(route.endpoint):
            assert rules == [], route.path
            continue
        assert len(rules) == 1, f"{route.path} declares {len(rules)} scopes"
        checked += 1
        websockets_seen += isinstance(route.original_route, APIWebSocketRoute)
        if isinstance(route.original_route, APIRoute):
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                assert operation["x-scope"] == rules[0].scope
                assert f"`{rules[0].scope}` token scope" in operation["description"]
                assert ("403" in operation["responses"]) == (rules[0].scope != "read")
    assert checked > 40
    assert websockets_seen == 2


async def test_each_scope_gets_what_it_includes_and_a_clear_403_beyond(api: ApiRig) -> None:
    tokens = await _tokens(api)
    led = {"status_led": "ON"}
    # (method, path, body, the narrowest scope that may)
    cases: list[tuple[str, str, Any, str]] = [
        ("GET", "/cameras", None, "read"),
        ("GET", "/cameras/floodlight/state", None, "read"),
        ("GET", "/events", None, "read"),
        ("GET", "/commands", None, "read"),
        ("GET", "/metrics", None, "read"),
        ("GET", "/bridge/info", None, "read"),
        ("GET", "/cameras/floodlight/config/lights", None, "read"),
        ("GET", "/auth/me", None, "read"),
        ("POST", "/bridge/request/health_check", {}, "read"),
        ("POST", "/cameras/floodlight/set", led, "control"),
        ("POST", "/cameras/floodlight/led", {"state": "ON"}, "control"),
        ("POST", "/cameras/floodlight/siren", {"state": "OFF"}, "control"),
        ("PUT", "/cameras/floodlight/config/motion", {"motion_sensitivity": 40}, "control"),
        ("PUT", "/events/no-such-event/acknowledge", None, "control"),
        ("GET", "/cameras/floodlight/snapshot", None, "control"),
        ("POST", "/bridge/request/camera/remove", {"id": "no_such_camera"}, "admin"),
        ("POST", "/bridge/request/discovery/republish", {}, "admin"),
        ("PUT", "/cameras/floodlight", {"name": "Driveway 2"}, "admin"),
        ("DELETE", "/cameras/no_such_camera", None, "admin"),
        ("GET", "/auth/tokens", None, "admin"),
        ("POST", "/auth/tokens", {"name": "made-by-admin"}, "admin"),
        ("DELETE", "/auth/tokens/no-such-token", None, "admin"),
    ]
    for method, path, body, needed in cases:
        for scope in SCOPES:
            client = api.client(tokens[scope])
            answer = await client.request(method, path, json=body)
            allowed = SCOPES.index(scope) >= SCOPES.index(needed)
            where = f"{scope} {method} {path}: {answer.status_code} {answer.text[:200]}"
            if allowed:
                assert answer.status_code != 403, where
                assert answer.status_code < 500, where
            else:
                assert answer.status_code == 403, where
                detail = answer.json()["detail"]
                assert detail == (
                    f"{method} /api/v1{path} needs the {needed} scope; this token has {scope}"
                ), where


async def test_a_cached_snapshot_is_a_read_taking_one_is_control(api: ApiRig) -> None:
    tokens = await _tokens(api)
    taken = await api.client(tokens["control"]).get("/cameras/floodlight/snapshot")
    assert taken.status_code == 200
    assert taken.headers["content-type"] == "image/jpeg"
    reader = api.client(tokens["read"])
    refused = await reader.get("/cameras/floodlight/snapshot")
    assert refused.status_code == 403
    cached = await reader.get("/cameras/floodlight/snapshot", params={"cached": "true"})
    assert cached.status_code == 200, cached.text
    assert cached.content == taken.content


async def test_websocket_frames_need_their_scope(api: ApiRig) -> None:
    tokens = await _tokens(api)
    topics = {
        "command": ("floodlight/set", {"status_led": "OFF", "transaction": "t"}),
        "attribute": ("floodlight/set/status_led", "OFF"),
        "remove": ("bridge/request/camera/remove", {"id": "nope", "transaction": "r"}),
        "health": ("bridge/request/health_check", {}),
    }
    answers: dict[str, dict[str, Any]] = {}
    for scope in SCOPES:
        async with websockets.connect(
            api.ws_url + "/ws/events",
            additional_headers={"Authorization": f"Bearer {tokens[scope]}"},
            max_queue=None,
        ) as ws:
            await ws.send(json.dumps({"topic": "floodlight/get"}))
            state = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight")
            assert state["payload"]["camera_id"] == "floodlight"  # every scope reads
            for name, (topic, payload) in topics.items():
                await ws.send(json.dumps({"topic": topic, "payload": payload}))
                expected = (
                    "reolink/floodlight/response"
                    if topic.startswith("floodlight")
                    else "reolink/" + topic.replace("request", "response")
                )
                frame = await recv_until(ws, lambda f, t=expected: f.get("topic") == t)
                answers[f"{scope} {name}"] = frame["payload"]
    refused = "needs the {} scope; this token has {}"
    assert answers["read command"]["status"] == "error"
    assert answers["read command"]["error"].endswith(refused.format("control", "read"))
    assert answers["read command"]["transaction"] == "t"
    assert answers["read attribute"]["error"].endswith(refused.format("control", "read"))
    assert answers["control command"]["status"] == "ok"
    assert answers["control attribute"]["status"] == "ok"
    for scope in ("read", "control"):
        assert answers[f"{scope} remove"]["error"].endswith(refused.format("admin", scope))
        assert answers[f"{scope} remove"]["transaction"] == "r"
    assert answers["admin remove"]["error"] == "no camera 'nope'"
    assert all(answers[f"{scope} health"]["status"] == "ok" for scope in SCOPES)


async def test_tokens_are_made_read_by_default_with_the_scope_asked_for_and_listed(
    api: ApiRig,
) -> None:
    admin = api.client(api.admin_jwt)
    plain = (await admin.post("/auth/tokens", json={"name": "plain"})).json()
    assert plain["scope"] == "read"
    bad = await admin.post("/auth/tokens", json={"name": "x", "scope": "root"})
    assert bad.status_code == 422
    listed = {t["name"]: t["scope"] for t in (await admin.get("/auth/tokens")).json()}
    assert listed["plain"] == "read"
    assert listed["tests"] == "admin"
    me = (await api.client(plain["token"]).get("/auth/me")).json()
    assert me["scope"] == "read"
    assert me["expires_at"] is None

    env = {**os.environ, "REOLINK_DATA_DIR": str(api.settings.data_dir)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bridge", "token", *args],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    default = await asyncio.to_thread(cli, "create", "--name", "cli-default")
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout)["scope"] == "read"
    made = await asyncio.to_thread(cli, "create", "--name", "cli-control", "--scope", "control")
    assert made.returncode == 0, made.stderr
    control = json.loads(made.stdout)
    assert control["scope"] == "control"
    refused = await asyncio.to_thread(cli, "create", "--name", "x", "--scope", "root")
    assert refused.returncode == 2
    assert "invalid choice" in refused.stderr
    listed_cli = json.loads((await asyncio.to_thread(cli, "list")).stdout)
    assert {(t["name"], t["scope"]) for t in listed_cli} >= {
        ("cli-default", "read"),
        ("cli-control", "control"),
        ("plain", "read"),
        ("tests", "admin"),
    }
    async with httpx.AsyncClient(base_url=api.url) as client:
        headers = {"Authorization": f"Bearer {control['token']}"}
        led = await client.post("/cameras/floodlight/led", json={"state": "OFF"}, headers=headers)
        assert led.status_code == 200, led.text
        tokens = await client.get("/auth/tokens", headers=headers)
        assert tokens.status_code == 403
