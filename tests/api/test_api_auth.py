"""Authentication: every route but health, readiness and login needs a valid, live token."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets
from fixtures.api_rig import ADMIN_PASSWORD, JWT_SECRET, ApiRig, api_settings, running_api

from bridge.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api(sim: Simulator, tmp_path: Path) -> Any:
    """The API without MQTT (faster): enough for what auth decides."""
    settings = api_settings(sim, None, tmp_path / "data", server={"login_rate_per_minute": 60})
    async with running_api(sim, settings) as rig:
        yield rig


def _expired_jwt() -> str:
    past = datetime.now(UTC) - timedelta(hours=2)
    claims = {"sub": "admin", "typ": "access", "iat": past, "exp": past + timedelta(minutes=15)}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


async def _status(rig: ApiRig, token: str | None, path: str = "/cameras") -> int:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=rig.url) as client:
        response = await client.get(path, headers=headers)
    if response.status_code == 401:
        assert response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"
    return response.status_code


async def test_no_wrong_expired_or_foreign_tokens(api: ApiRig) -> None:
    assert await _status(api, api.token) == 200
    assert await _status(api, api.admin_jwt) == 200
    assert await _status(api, None) == 401
    assert await _status(api, "garbage") == 401
    assert await _status(api, "rbt_" + "A" * 43) == 401  # the shape of an API token, unknown
    assert await _status(api, _expired_jwt()) == 401
    forged = jwt.encode(
        {"sub": "admin", "typ": "access", "iat": datetime.now(UTC), "exp": 2**40},
        "another-key-0123456789abcdef0123456789",
        algorithm="HS256",
    )
    assert await _status(api, forged) == 401
    assert await _status(api, None, "/health") == 200
    assert await _status(api, None, "/ready") == 200


async def test_login_refresh_and_token_types(api: ApiRig) -> None:
    async with httpx.AsyncClient(base_url=api.url) as client:
        wrong = await client.post("/auth/login", json={"username": "admin", "password": "no"})
        assert wrong.status_code == 401
        unknown = await client.post("/auth/login", json={"username": "root", "password": "x"})
        assert unknown.status_code == 401
        pair = (
            await client.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        ).json()
        assert pair["token_type"] == "bearer"
        assert pair["expires_in"] == 900
        # A refresh token is not an access token, and the other way round.
        assert await _status(api, pair["refresh_token"]) == 401
        bad = await client.post("/auth/refresh", json={"refresh_token": pair["access_token"]})
        assert bad.status_code == 401
        renewed = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert renewed.status_code == 200
        assert await _status(api, renewed.json()["access_token"]) == 200
        me = await client.get(
            "/auth/me", headers={"Authorization": f"Bearer {renewed.json()['access_token']}"}
        )
        access = renewed.json()["access_token"]
        exp = jwt.decode(access, options={"verify_signature": False})["exp"]
        assert me.json() == {
            "kind": "admin",
            "name": "admin",
            "token_id": None,
            "scope": "admin",
            "expires_at": datetime.fromtimestamp(exp, UTC).isoformat().replace("+00:00", "Z"),
        }


async def test_api_tokens_are_shown_once_listed_without_secret_and_revocable(
    api: ApiRig,
) -> None:
    client = api.client(api.admin_jwt)
    made = (await client.post("/auth/tokens", json={"name": "ha"})).json()
    secret = made["token"]
    assert secret.startswith("rbt_")
    assert await _status(api, secret) == 200
    listed = (await client.get("/auth/tokens")).json()
    assert {t["name"] for t in listed} >= {"tests", "ha"}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert secret not in str(listed)
    assert (await client.delete(f"/auth/tokens/{made['id']}")).status_code == 204
    assert await _status(api, secret) == 401
    assert (await client.delete(f"/auth/tokens/{made['id']}")).status_code == 404
    revoked = next(t for t in (await client.get("/auth/tokens")).json() if t["id"] == made["id"])
    assert revoked["revoked_at"] is not None


async def test_login_is_rate_limited_per_address(sim: Simulator, tmp_path: Path) -> None:
    settings = api_settings(sim, None, tmp_path / "data", server={"login_rate_per_minute": 6})
    async with running_api(sim, settings) as rig, httpx.AsyncClient(base_url=rig.url) as client:
        codes = [
            (await client.post("/auth/login", json={"username": "a", "password": "b"})).status_code
            for _ in range(4)
        ]
    assert codes[-1] == 429, codes  # one login was the rig's own
    assert set(codes) <= {401, 429}


async def test_actuators_are_rate_limited_per_token(sim: Simulator, tmp_path: Path) -> None:
    settings = api_settings(sim, None, tmp_path / "data", server={"actuator_rate_per_minute": 12})
    async with running_api(sim, settings) as rig:
        client = rig.client()
        codes = [
            (await client.post("/cameras/floodlight/led", json={"state": "ON"})).status_code
            for _ in range(4)
        ]
        assert 429 in codes, codes
        limited = await client.post("/cameras/floodlight/led", json={"state": "ON"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Another token has its own bucket; reading is never limited.
        assert (await rig.client(rig.admin_jwt).get("/cameras")).status_code == 200


async def test_websocket_and_sse_authenticate(api: ApiRig) -> None:
    for headers, query in ((None, ""), ({"Authorization": "Bearer nope"}, ""), (None, "?token=x")):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(api.ws_url + "/ws/events" + query, additional_headers=headers)
        assert refused.value.response.status_code == 401
        assert b"detail" in refused.value.response.body
    url = api.ws_url + f"/ws/events?token={api.token}"
    async with websockets.connect(url, max_queue=None) as ws:
        assert await ws.recv()
    async with httpx.AsyncClient(base_url=api.url) as client:
        assert (await client.get("/sse/events")).status_code == 401
        async with client.stream("GET", "/sse/events", params={"token": api.token}) as stream:
            assert stream.status_code == 200


async def test_tokens_from_the_command_line(api: ApiRig, tmp_path: Path) -> None:
    env = {**os.environ, "REOLINK_DATA_DIR": str(api.settings.data_dir)}
    cli = [sys.executable, "-m", "bridge", "token"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, cwd=ROOT, check=False
        )

    created = await asyncio.to_thread(run, "create", "--name", "script")
    assert created.returncode == 0, created.stderr
    made = json.loads(created.stdout)
    assert await _status(api, made["token"]) == 200  # the running bridge sees it at once
    listed = await asyncio.to_thread(run, "list")
    assert made["id"] in listed.stdout
    assert made["token"] not in listed.stdout
    revoked = await asyncio.to_thread(run, "revoke", made["id"])
    assert revoked.returncode == 0, revoked.stderr
    started = time.monotonic()
    assert await _status(api, made["token"]) == 401  # token_cache_seconds is 0 here
    assert time.monotonic() - started < 5
