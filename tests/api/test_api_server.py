"""`bridge.api.server.serve`: the app on the bridge's own loop, no Nagle stalls, clean stop."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

from bridge.api.server import serve


async def test_keep_alive_requests_are_not_held_by_delayed_acks() -> None:
    app = FastAPI()

    @app.get("/const")
    async def const() -> dict[str, bool]:
        return {"ok": True}

    api = await serve(app, "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection(api.host, api.port)
        timings = []
        for _ in range(20):
            start = time.perf_counter()
            writer.write(b"GET /const HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            await reader.readexactly(11)
            timings.append(time.perf_counter() - start)
        writer.close()
    finally:
        await api.stop()
    # Without TCP_NODELAY each answer (headers, then body) waits ~40 ms for a delayed ACK.
    assert sorted(timings)[10] < 0.02, timings
