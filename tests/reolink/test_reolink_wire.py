"""Parsing replies, and the batch quirks of real firmware (served by a tiny loopback device)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

import bridge.reolink
from bridge.reolink import ApiError, BusyError, NotSupportedError, ProtocolError, ReolinkClient
from bridge.reolink.wire import Request, decode, reply

# -- parsing ---------------------------------------------------------------------------------


def test_reply_shapes() -> None:
    get = Request("GetMdState", {"channel": 0})
    ok = reply(get, {"cmd": "GetMdState", "code": 0, "value": {"state": 1}})
    assert (ok.ok, ok.value, ok.value_or_raise()) == (True, {"state": 1}, {"state": 1})

    set_ok = reply(
        Request("SetIrLights"), {"cmd": "SetIrLights", "code": 0, "value": {"rspCode": 200}}
    )
    assert set_ok.ok

    refused = reply(
        Request("SetIrLights"), {"cmd": "SetIrLights", "code": 0, "value": {"rspCode": -4}}
    )
    assert (refused.ok, refused.rsp_code) == (False, -4)
    with pytest.raises(ApiError):
        refused.raise_for_error()

    unknown = reply(
        get, {"cmd": "Unknown", "code": 1, "error": {"detail": "not support", "rspCode": -9}}
    )
    assert (unknown.cmd, unknown.unknown, unknown.not_supported) == ("GetMdState", True, True)
    with pytest.raises(NotSupportedError):
        unknown.value_or_raise()

    offline = reply(get, {"cmd": "GetMdState", "code": 1, "error": {"rspCode": -99, "detail": "x"}})
    with pytest.raises(ApiError) as caught:
        offline.raise_for_error()
    assert (caught.value.rsp_code, caught.value.cmd) == (-99, "GetMdState")

    busy = reply(get, {"cmd": "GetMdState", "code": 1, "error": {"rspCode": -31}})
    with pytest.raises(BusyError):
        busy.raise_for_error()

    nonsense = reply(get, {"cmd": "GetMdState", "code": 7})
    assert not nonsense.ok
    with pytest.raises(ProtocolError):
        nonsense.raise_for_error()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"<html><body>502</body></html>",
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        b"[]",
        b"42",
    ],
)
def test_decode_refuses_what_is_not_a_reply(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(body)


def test_decode_accepts_the_camera_formatting() -> None:
    body = json.dumps(
        [{"cmd": "GetMdState", "code": 0, "value": {"state": 0}}],
        indent=3,
        separators=(",", " : "),
    ).encode()
    assert decode(body) == [{"cmd": "GetMdState", "code": 0, "value": {"state": 0}}]
    assert decode(b'{"cmd": "X", "code": 1, "error": {"rspCode": -8}}') == [
        {"cmd": "X", "code": 1, "error": {"rspCode": -8}}
    ]


def test_exported_names() -> None:
    assert sorted(bridge.reolink.__all__) == [
        "ApiError",
        "AuthenticationError",
        "BusyError",
        "CameraConnectionError",
        "CameraRefusedError",
        "CameraTimeoutError",
        "CameraUnreachableError",
        "NotSupportedError",
        "ProtocolError",
        "ReolinkClient",
        "ReolinkError",
        "Reply",
        "Request",
    ]


# -- a quirky device on loopback -------------------------------------------------------------


@dataclass
class Quirky:
    """Answers like firmware with batch trouble: `mode` says which."""

    mode: str = "fine"
    bodies: list[list[dict[str, Any]]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.bodies.append(body)
        if body[0]["cmd"] == "Login":
            value = {"Token": {"name": "tok", "leaseTime": 3600}}
            return _answer([{"cmd": "Login", "code": 0, "value": value}])
        if len(body) > 1 and self.mode == "collapse":
            return _answer([{"cmd": body[0]["cmd"], "code": 1, "error": {"rspCode": -8}}])
        if len(body) > 1 and self.mode == "short":
            body = body[:-1]
        if self.mode == "doubled":
            body = body + body
        return _answer(
            [{"cmd": c["cmd"], "code": 0, "value": {"n": c["param"]["n"]}} for c in body]
        )


def _answer(replies: list[dict[str, Any]]) -> web.Response:
    return web.Response(text=json.dumps(replies), content_type="text/html")


@pytest.fixture
async def quirky() -> AsyncIterator[tuple[Quirky, int]]:
    device = Quirky()
    app = web.Application()
    app.router.add_post("/cgi-bin/api.cgi", device.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield device, port
    finally:
        await runner.cleanup()


def numbered(count: int) -> list[Request]:
    return [Request(f"GetThing{i}", {"n": i}) for i in range(count)]


async def test_batches_are_chunked_by_35(quirky: tuple[Quirky, int]) -> None:
    device, port = quirky
    async with ReolinkClient("127.0.0.1", port) as client:
        answers = await client.execute(numbered(80))
    assert [a.value["n"] for a in answers] == list(range(80))
    assert [len(b) for b in device.bodies] == [1, 35, 35, 10, 1]  # Login, chunks, Logout


@pytest.mark.parametrize("mode", ["collapse", "short"])
async def test_a_broken_batch_is_resent_one_by_one(quirky: tuple[Quirky, int], mode: str) -> None:
    device, port = quirky
    device.mode = mode
    async with ReolinkClient("127.0.0.1", port) as client:
        answers = await client.execute(numbered(3))
    assert [(a.ok, a.value["n"]) for a in answers] == [(True, 0), (True, 1), (True, 2)]
    assert [len(b) for b in device.bodies[1:]] == [3, 1, 1, 1, 1]  # batch, singles, Logout


async def test_a_single_command_with_the_wrong_reply_count(quirky: tuple[Quirky, int]) -> None:
    device, port = quirky
    device.mode = "doubled"
    async with ReolinkClient("127.0.0.1", port) as client:
        with pytest.raises(ProtocolError, match="2 replies"):
            await client.execute(numbered(1))


async def test_a_port_that_does_not_speak_http() -> None:
    async def rtsp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        writer.write(b"RTSP/1.0 400 Bad Request\r\nCSeq: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(rtsp, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, ReolinkClient("127.0.0.1", port, timeout=2.0) as client:
        with pytest.raises(ProtocolError, match="not an HTTP answer"):
            await client.execute([Request("GetDevInfo")])
