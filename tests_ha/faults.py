"""A reverse proxy in front of the real bridge that misbehaves on demand: it answers 5xx for the
paths it is told to, and sends WebSocket frames the bridge never would (text that is no JSON,
binary, JSON nested past any parser's depth, the wrong shapes). Everything else is the bridge's
own answer, so the integration talks to the real bridge through it.

    async with FaultyProxy(rig.url) as proxy:
        proxy.fail("/bridge/info", 502)      # every path starting so (after /api/v1)
        await proxy.send("not json")         # to every WebSocket client connected now
        proxy.heal()
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp import web

from .rig import HOST, free_port

API = "/api/v1"
HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}
"""Not copied between the two sides: each side's connection sets its own."""


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.failing: dict[str, int] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.answered: dict[int, int] = {}
        """How many answers of each status it gave (its own 5xx included)."""
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def fail(self, path: str, status: int) -> None:
        """Answer `status` for every path under `API` that starts with `path`."""
        self.failing[path] = status

    def heal(self) -> None:
        self.failing.clear()

    async def send(self, frame: str | bytes) -> None:
        """A raw frame to every WebSocket client connected now."""
        for ws in list(self.sockets):
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_str(frame)

    async def close_sockets(self) -> None:
        for ws in list(self.sockets):
            await ws.close()

    # -- the server ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, self.port).start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _fault(self, request: web.Request) -> int | None:
        path = request.path.removeprefix(API)
        for prefix, status in self.failing.items():
            if path.startswith(prefix):
                return status
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        status = self._fault(request)
        if status is not None:  # what a proxy or a crashing server answers: not the API's JSON
            return self._count(
                web.Response(
                    status=status, text="<html>Bad Gateway</html>", content_type="text/html"
                )
            )
        if request.path == API + "/ws/events":
            return await self._websocket(request)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS}
            return self._count(web.Response(status=answer.status, body=body, headers=out))

    def _count(self, response: web.Response) -> web.Response:
        self.answered[response.status] = self.answered.get(response.status, 0) + 1
        return response

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        headers = {"Authorization": request.headers.get("Authorization", "")}
        try:
            upstream = await self._session.ws_connect(
                self.upstream.replace("http", "ws", 1) + request.path_qs, headers=headers
            )
        except aiohttp.WSServerHandshakeError as err:
            return self._count(web.Response(status=err.status))
        ws = web.WebSocketResponse()
        relaying: asyncio.Task[None] | None = None
        try:
            await ws.prepare(request)
            self.sockets.append(ws)

            async def relay() -> None:
                async for message in upstream:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        await ws.send_str(message.data)
                await ws.close()

            relaying = asyncio.create_task(relay())
            async for _ in ws:  # the integration sends nothing; this ends when it closes
                pass
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
            if relaying is not None:
                relaying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relaying
            await upstream.close()
        return ws
