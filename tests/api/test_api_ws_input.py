"""Whatever a WebSocket client sends, it gets an answer and the connection keeps working."""

from __future__ import annotations

import json
from typing import Any

from fixtures.api_rig import ApiRig, recv_until


async def _still_serves(ws: Any) -> None:
    await ws.send(json.dumps({"topic": "floodlight/get"}))
    frame = await recv_until(ws, lambda f: f.get("topic") == "reolink/floodlight")
    assert frame["payload"]["camera_id"] == "floodlight"


async def test_deeply_nested_json_gets_an_error_frame(rig: ApiRig) -> None:
    async with await rig.ws() as ws:
        for deep in (
            "[" * 8000 + "]" * 8000,
            '{"topic": "floodlight/set", "payload": ' + "[" * 5000 + "]" * 5000 + "}",
            '{"a":' * 2000 + "1" + "}" * 2000,
        ):
            await ws.send(deep)
            error = await recv_until(ws, lambda f: "error" in f)
            assert error == {"error": "JSON nested deeper than 32 levels"}
            await _still_serves(ws)


async def test_other_garbage_gets_error_frames(rig: ApiRig) -> None:
    async with await rig.ws() as ws:
        for garbage, says in (
            (b"\x00\x01binary", "send JSON in text frames"),
            ("not json", "Expecting value"),
            ("[1, 2]", 'send {"topic"'),
            (json.dumps({"topic": 5}), 'send {"topic"'),
            (json.dumps({"topic": "nowhere"}), "cannot publish to 'nowhere'"),
            ("x" * 20_000, "message larger than 16384 bytes"),
        ):
            await ws.send(garbage)
            error = await recv_until(ws, lambda f: "error" in f)
            assert error["error"].startswith(says), (garbage[:20], error)
        await _still_serves(ws)
