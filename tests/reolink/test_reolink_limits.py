"""A hostile device cannot exhaust the client: replies are read up to a limit per kind (JSON API,
snapshot, download) and parsed with a nesting limit. A tiny fake camera (aiohttp on loopback)
sends what no Reolink would; each gets a typed `ProtocolError`, nothing escapes as a crash or a
traceback in the log, and the client works again when the device behaves."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bridge.reolink import ProtocolError, ReolinkClient
from bridge.reolink.const import MAX_JSON_REPLY_BYTES, MAX_SNAPSHOT_BYTES
from bridge.reolink.wire import Request

GOOD_REPLY = b'[{"cmd": "GetTime", "code": 0, "value": {"Time": {"year": 2026}}}]'
JPEG = b"\xff\xd8" + b"\x00" * 1000


@dataclass
class FakeCamera:
    """What the fake answers next: `api` for POSTs, `snap` for the snapshot GET."""

    api: str = "good"
    snap: str = "good"
    sent_bytes: int = 0


ENDLESS = 1024**3
"""What the fake streams without a Content-Length: far more than any limit; the client must
stop reading by itself."""


async def _chunked(request: web.Request, fake: FakeCamera, kind: str) -> web.Response:
    """`ENDLESS` bytes without a Content-Length."""
    response = web.StreamResponse(headers={"Content-Type": kind})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = (b"\xff\xd8" if kind == "image/jpeg" else b"[") + b" " * 65_534
    try:
        while fake.sent_bytes < ENDLESS:
            await response.write(chunk)
            fake.sent_bytes += len(chunk)
        await response.write_eof()
    except Exception:
        pass  # the client hung up: what this test wants
    return response  # type: ignore[return-value]


def _app(fake: FakeCamera) -> web.Application:
    async def api(request: web.Request) -> web.StreamResponse:
        if request.method == "GET":  # Snap
            if fake.snap == "huge":
                return await _chunked(request, fake, "image/jpeg")
            if fake.snap == "declared":
                body = b"\xff\xd8" + b"\x00" * (MAX_SNAPSHOT_BYTES + 1)
                return web.Response(body=body, content_type="image/jpeg")
            return web.Response(body=JPEG, content_type="image/jpeg")
        await request.read()
        if fake.api == "huge":
            return await _chunked(request, fake, "text/html")
        if fake.api == "declared":
            padding = "x" * MAX_JSON_REPLY_BYTES
            text = f'[{{"cmd": "GetTime", "code": 0, "value": {{"x": "{padding}"}}}}]'
            return web.Response(text=text, content_type="text/html")
        if fake.api == "deep":
            return web.Response(text="[" * 100_000 + "]" * 100_000, content_type="text/html")
        if fake.api == "deep-inside":
            value = '{"a": ' * 40 + "1" + "}" * 40
            text = f'[{{"cmd": "GetTime", "code": 0, "value": {value}}}]'
            return web.Response(text=text, content_type="text/html")
        return web.Response(body=GOOD_REPLY, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/cgi-bin/api.cgi", api)
    return app


def bridge_trouble(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Tracebacks and errors the client logged (the fake's own aiohttp server is not ours)."""
    return [
        r
        for r in caplog.records
        if not r.name.startswith("aiohttp") and (r.exc_info or r.levelno >= logging.ERROR)
    ]


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeCamera, int]]:
    camera = FakeCamera()
    runner = web.AppRunner(_app(camera))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield camera, port
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("huge", f"larger than {MAX_JSON_REPLY_BYTES} bytes"),
        ("declared", f"larger than {MAX_JSON_REPLY_BYTES} bytes"),
        ("deep", "nested deeper than 32 levels"),
        ("deep-inside", "nested deeper than 32 levels"),
    ],
)
async def test_an_oversized_or_deep_json_reply_is_a_protocol_error(
    fake: tuple[FakeCamera, int], mode: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    camera, port = fake
    caplog.set_level(logging.DEBUG)
    async with ReolinkClient("127.0.0.1", port, token_session=False, timeout=5) as client:
        camera.api = mode
        for _ in range(2):  # a fresh and a reused connection
            with pytest.raises(ProtocolError, match=words) as refused:
                await client.execute([Request("GetTime")])
            assert "xxxx" not in str(refused.value)  # the reply is never quoted
        if mode == "huge":
            assert camera.sent_bytes < ENDLESS  # the client stopped reading
        camera.api = "good"
        (answer,) = await client.execute([Request("GetTime")])
        assert answer.ok
    assert not bridge_trouble(caplog)


@pytest.mark.parametrize("mode", ["huge", "declared"])
async def test_an_oversized_snapshot_is_a_protocol_error(
    fake: tuple[FakeCamera, int], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    camera, port = fake
    caplog.set_level(logging.DEBUG)
    async with ReolinkClient("127.0.0.1", port, token_session=False, timeout=5) as client:
        camera.snap = mode
        with pytest.raises(ProtocolError, match=f"larger than {MAX_SNAPSHOT_BYTES} bytes"):
            await client.snapshot(0)
        if mode == "huge":
            assert camera.sent_bytes < ENDLESS
        camera.snap = "good"
        assert await client.snapshot(0) == JPEG
    assert not bridge_trouble(caplog)
