"""Serve the app inside the bridge's process, on its event loop (uvicorn `Server`).

    api = await serve(app, settings.server.host, settings.server.port)
    ...
    await api.stop()

The bridge owns the signals (`bridge.app.wait_for_shutdown`): uvicorn installs none. Live
clients are told first (WebSocket close 1001, SSE streams end), then the listener closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator, Sequence

import uvicorn
from fastapi import FastAPI

from bridge.api.deps import ApiState

_LOGGER = logging.getLogger(__name__)

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5
"""Seconds open requests get to finish at shutdown before they are cancelled."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the bridge handles SIGINT/SIGTERM itself


class _DenialNoise(logging.Filter):
    """uvicorn's sans-I/O WebSocket protocol logs an error after a WebSocket denial response
    (our 401 to a handshake without a valid token) although the answer went out complete."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing handshake" not in record.getMessage()


class ApiServer:
    def __init__(self, app: FastAPI, server: uvicorn.Server, sock: socket.socket) -> None:
        self.app = app
        self._server = server
        self._sock = sock
        self._task: asyncio.Task[None] | None = None
        host, port = sock.getsockname()[:2]
        self.host: str = host
        self.port: int = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._server.serve(sockets=[self._sock]), name="api-server"
        )
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while not self._server.started:
                if self._task.done():
                    self._task.result()  # raises what stopped it
                    raise RuntimeError("the API server stopped while starting")
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        state: ApiState | None = getattr(self.app.state, "api", None)
        if state is not None:
            state.hub.close_clients()
        self._server.should_exit = True
        if self._task is not None:
            try:
                async with asyncio.timeout(SHUTDOWN_TIMEOUT + 2.0):
                    await self._task
            except TimeoutError:
                self._server.force_exit = True
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        self._sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # `proto` says TCP; with proto 0 every response written in two parts waits for the client's
    # delayed ACK (~40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def serve(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    access_log: bool = False,
    forwarded_allow_ips: Sequence[str] = (),
) -> ApiServer:
    """Start serving `app` on this loop (port 0: a free port, see `ApiServer.port`).

    `X-Forwarded-For`/`-Proto` are believed only from `forwarded_allow_ips` (addresses, CIDRs);
    by default from nobody, so a client cannot pick the address the login rate limit counts.
    """
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DenialNoise) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_DenialNoise())
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=access_log,
        lifespan="on",
        ws="websockets-sansio",
        ws_max_size=1024 * 1024,
        proxy_headers=bool(forwarded_allow_ips),
        forwarded_allow_ips=list(forwarded_allow_ips),
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT,
        server_header=False,
    )
    sock = _bind(host, port)
    api = ApiServer(app, _Server(config), sock)
    try:
        await api._start()
    except BaseException:
        sock.close()
        raise
    _LOGGER.info("API listening on %s", api.url)
    return api
