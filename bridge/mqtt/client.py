"""`Client`: aiomqtt's client that can be closed after any way its `async with` ended.

aiomqtt's `__aenter__` runs paho's blocking `connect()` in an executor thread. A cancel (a stop
during start) ends the `await`, not the thread: the thread goes on to open the socket and, from
paho's `on_socket_open`, schedules aiomqtt's reader and its misc-loop task on the event loop,
after everyone has moved on, so that socket and that task live on with nobody to close them.
The same is left when the CONNACK never comes (aiomqtt raises its timeout with the socket open).

`aclose()` ends that: it marks the client closed (a connect thread that has not begun yet then
connects nothing), waits for a connect thread that has begun (bounded by paho's socket timeout;
if this wait is cancelled too, the thread's end still closes what it opened), closes paho's
socket (which removes aiomqtt's reader and cancels its misc loop) and waits for that task to end.
It is idempotent and a no-op after a clean disconnect. It relies on two internals of aiomqtt 2.x
(`_client_connect`, `_misc_task`) and one of paho 2.x (`_sock_close`), which tests/bridge/
test_lifecycle.py exercises at 50 points of a connect.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import aiomqtt

__all__ = ["Client"]


class Client(aiomqtt.Client):
    """An `aiomqtt.Client` with `aclose()`; one connection per instance."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = threading.Lock()
        self._closed = False
        self._connect_thread: concurrent.futures.Future[None] | None = None

    def _client_connect(self) -> None:
        """paho's connect(), in aiomqtt's executor thread; nothing once the client is closed."""
        with self._guard:
            if self._closed:
                return
            # Set running at once: a cancelled wait on it (in aclose) cannot cancel it.
            ended: concurrent.futures.Future[None] = concurrent.futures.Future()
            ended.set_running_or_notify_cancel()
            self._connect_thread = ended
        try:
            super()._client_connect()
        finally:
            ended.set_result(None)

    async def aclose(self) -> None:
        """Close the socket and stop aiomqtt's misc loop, whatever state the connect is in."""
        with self._guard:
            self._closed = True
            thread = self._connect_thread
        if thread is not None and not thread.done():
            loop = asyncio.get_running_loop()
            # Runs after the callbacks the thread scheduled (reader, misc task): FIFO.
            thread.add_done_callback(lambda _: loop.call_soon_threadsafe(self._close_socket))
            await asyncio.wrap_future(thread)
        self._close_socket()
        misc = self._misc_task
        if misc is not None and not misc.done():
            misc.cancel()
            await asyncio.wait([misc])  # returns when it ended; raises only if we are cancelled

    def _close_socket(self) -> None:
        # paho: a no-op once closed; its on_socket_close hook makes aiomqtt drop the reader
        # and cancel the misc loop (soon, through call_soon_threadsafe: cancel it now too).
        self._client._sock_close()
        if self._misc_task is not None:
            self._misc_task.cancel()
