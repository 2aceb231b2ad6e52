"""Live sessions end with their token: revoked (here at once, elsewhere within the recheck time)
or expired (a JWT, at its `exp`); a WebSocket may renew its token with a fresh one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets
from fixtures.api_rig import ApiRig, api_settings, recv_until, running_api

from bridge.api.security import Authenticator, load_jwt_key
from bridge.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
AT_ONCE = 0.5
"""Seconds "at once" may take (the close frame's round trip, on a loaded machine)."""


@contextlib.asynccontextmanager
async def _api(sim: Simulator, tmp_path: Path, recheck: float) -> AsyncIterator[ApiRig]:
    settings = api_settings(
        sim,
        None,
        tmp_path / "data",
        server={"actuator_rate_per_minute": 10_000},
        auth={"session_recheck_seconds": recheck},
    )
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        yield rig


async def _token(rig: ApiRig, name: str, scope: str = "control") -> dict[str, Any]:
    made = await rig.client(rig.admin_jwt).post("/auth/tokens", json={"name": name, "scope": scope})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def _ws(rig: ApiRig, token: str, path: str = "/ws/events") -> Any:
    return await websockets.connect(
        rig.ws_url + path, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=None
    )


async def _closed(ws: Any, timeout: float) -> float:
    """Wait for the server to close; the wall-clock time it was seen closed."""
    async with asyncio.timeout(timeout):
        await ws.wait_closed()
    return time.time()


@dataclass
class SseReader:
    """Reads an SSE stream in the background: its data frames, named events, and its end."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    ended_at: float | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, rig: ApiRig, token: str) -> None:
        event = None
        async with (
            httpx.AsyncClient(timeout=None) as client,
            client.stream("GET", rig.url + "/sse/events", params={"token": token}) as response,
        ):
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event is None:
                        self.frames.append(data)
                        self.started.set()
                    else:
                        self.events.append((event, data))
                elif not line:
                    event = None
        self.ended_at = time.time()


async def _ended(reader: SseReader, task: asyncio.Task[None], timeout: float) -> float:
    async with asyncio.timeout(timeout):
        await task
    assert reader.ended_at is not None
    return reader.ended_at


def _short_jwt(rig: ApiRig, seconds: float) -> str:
    """An admin access JWT from this bridge's key that expires in about `seconds`."""
    settings = rig.settings.auth
    ttl = settings.jwt_ttl_seconds
    key = load_jwt_key(settings, rig.settings.data_dir)
    issuer = Authenticator(
        settings, rig.bridge.store, key, clock=lambda: time.time() - ttl + seconds
    )
    return issuer.issue(settings.admin_username).access_token


def _exp(token: str) -> float:
    return float(jwt.decode(token, options={"verify_signature": False})["exp"])


async def test_revoking_a_token_here_closes_its_websocket_and_sse_at_once(
    sim: Simulator, tmp_path: Path
) -> None:
    async with _api(sim, tmp_path, recheck=30) as rig:
        token = await _token(rig, "revoked-here")
        other = await _token(rig, "kept")
        ws = await _ws(rig, token["token"])
        camera_ws = await _ws(rig, token["token"], "/ws/cameras/floodlight/events")
        kept = await _ws(rig, other["token"])
        reader = SseReader()
        sse = asyncio.get_running_loop().create_task(reader.run(rig, token["token"]))
        async with asyncio.timeout(5):
            await reader.started.wait()
        await recv_until(ws, lambda f: True)
        revoked_at = time.time()
        deleted = await rig.client(rig.admin_jwt).delete(f"/auth/tokens/{token['id']}")
        assert deleted.status_code == 204
        assert await _closed(ws, 5) - revoked_at < AT_ONCE
        assert await _closed(camera_ws, 5) - revoked_at < AT_ONCE
        assert ws.close_code == camera_ws.close_code == 1008
        assert ws.close_reason == "the token has been revoked"
        assert await _ended(reader, sse, 5) - revoked_at < AT_ONCE
        assert reader.events == [("closed", {"detail": "the token has been revoked"})]
        # Another token's session goes on.
        await kept.send(json.dumps({"topic": "floodlight/get"}))
        frame = await recv_until(kept, lambda f: f["topic"] == "reolink/floodlight")
        assert frame["payload"]["camera_id"] == "floodlight"
        await kept.close()


async def test_a_command_after_a_revocation_elsewhere_is_refused_and_ends_the_session(
    sim: Simulator, tmp_path: Path
) -> None:
    """Revoked in the store by another process: the next inbound message finds out, long
    before the periodic recheck (30 s here)."""
    async with _api(sim, tmp_path, recheck=30) as rig:
        token = await _token(rig, "revoked-elsewhere")
        ws = await _ws(rig, token["token"])
        command = {"topic": "floodlight/set", "payload": {"status_led": "OFF", "transaction": "a"}}
        await ws.send(json.dumps(command))
        first = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight/response")
        assert first["payload"]["status"] == "ok"
        leds = len(rig.commands("floodlight", "SetPowerLed"))
        assert await rig.bridge.store.revoke_token(token["id"])  # what `token revoke` does
        sent_at = time.time()
        await ws.send(json.dumps({**command, "payload": {"status_led": "ON", "transaction": "b"}}))
        answers: list[dict[str, Any]] = []
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(5):
                async for text in ws:
                    answers.append(json.loads(text))
        assert time.time() - sent_at < 2
        assert ws.close_code == 1008
        assert ws.close_reason == "the token has been revoked"
        assert not [a for a in answers if a.get("topic") == "reolink/floodlight/response"]
        assert len(rig.commands("floodlight", "SetPowerLed")) == leds


async def test_a_token_revoked_from_the_command_line_ends_idle_sessions_within_the_recheck(
    sim: Simulator, tmp_path: Path
) -> None:
    recheck = 1.0
    async with _api(sim, tmp_path, recheck=recheck) as rig:
        token = await _token(rig, "cli-revoked", scope="read")
        ws = await _ws(rig, token["token"])
        reader = SseReader()
        sse = asyncio.get_running_loop().create_task(reader.run(rig, token["token"]))
        async with asyncio.timeout(5):
            await reader.started.wait()
        env = {**os.environ, "REOLINK_DATA_DIR": str(rig.settings.data_dir)}
        revoked = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bridge", "token", "revoke", token["id"]],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert revoked.returncode == 0, revoked.stderr
        done = time.time()
        # token_cache_seconds is 0 here: within one recheck period (plus scheduling slack).
        assert await _closed(ws, 5) - done < recheck + AT_ONCE
        assert ws.close_code == 1008
        assert await _ended(reader, sse, 5) - done < recheck + AT_ONCE
        assert reader.events == [("closed", {"detail": "the token has been revoked"})]


async def test_a_jwt_session_ends_when_the_jwt_expires(sim: Simulator, tmp_path: Path) -> None:
    async with _api(sim, tmp_path, recheck=30) as rig:
        short = _short_jwt(rig, 2.5)
        exp = _exp(short)
        ws = await _ws(rig, short)
        reader = SseReader()
        sse = asyncio.get_running_loop().create_task(reader.run(rig, short))
        async with asyncio.timeout(5):
            await reader.started.wait()
        ws_closed = await _closed(ws, exp - time.time() + 5)
        sse_ended = await _ended(reader, sse, 5)
        for ended in (ws_closed, sse_ended):
            assert exp - 0.05 <= ended < exp + AT_ONCE, (ended, exp)
        assert ws.close_code == 1008
        assert ws.close_reason == "the token has expired"
        assert reader.events == [("closed", {"detail": "the token has expired"})]


async def test_a_websocket_renews_its_session_with_a_fresh_token(
    sim: Simulator, tmp_path: Path
) -> None:
    async with _api(sim, tmp_path, recheck=30) as rig:
        short = _short_jwt(rig, 2.5)
        exp = _exp(short)
        ws = await _ws(rig, short)
        await recv_until(ws, lambda f: True)
        # Refused renewals leave the session as it was: garbage, someone else's token.
        other = await _token(rig, "someone-else")
        for bad in ("garbage", other["token"], 42):
            await ws.send(json.dumps({"auth": bad}))
            answer = await recv_until(ws, lambda f: "auth" in f)
            assert answer["auth"] == "refused", answer
            assert answer["error"], answer
        await ws.send(json.dumps({"auth": rig.admin_jwt}))
        renewed = await recv_until(ws, lambda f: "auth" in f)
        assert renewed["auth"] == "ok"
        assert renewed["scope"] == "admin"
        assert renewed["expires_at"] is not None
        await asyncio.sleep(max(0.0, exp - time.time()) + 1.0)  # past the first JWT's expiry
        await ws.send(json.dumps({"topic": "floodlight/get"}))
        frame = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight")
        assert frame["payload"]["camera_id"] == "floodlight"
        assert ws.close_code is None
        await ws.close()


@pytest.mark.parametrize("path", ["/ws/events", "/sse/events"])
async def test_an_expired_jwt_cannot_open_a_session(
    sim: Simulator, tmp_path: Path, path: str
) -> None:
    async with _api(sim, tmp_path, recheck=30) as rig:
        short = _short_jwt(rig, 0.5)
        await asyncio.sleep(max(0.0, _exp(short) - time.time()) + 0.1)
        if path.startswith("/ws"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                await _ws(rig, short, path)
            assert refused.value.response.status_code == 401
        else:
            async with httpx.AsyncClient(base_url=rig.url) as client:
                response = await client.get(path, params={"token": short})
            assert response.status_code == 401
