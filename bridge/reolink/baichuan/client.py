"""`BaichuanClient`: log in to a device over Baichuan, subscribe to its alarms, iterate events.

```python
async with BaichuanClient("127.0.0.1", 9000, username="admin", password=pw) as client:
    await client.subscribe()
    async for event in client.events():     # DetectionEvent(channel, detection, active)
        ...
```

Timeouts use `asyncio.timeout`, never `asyncio.wait_for` (which, before Python 3.12, can swallow
a cancellation that arrives as the answer does, leaving a stopped owner waiting forever).

One reader task owns the socket: it pairs answers with requests and turns alarm pushes into
events. Whatever goes wrong on the connection (garbage, a truncated or oversized message, a
close, a keepalive nobody answers) ends it with a typed error (see `errors`): pending requests
fail with it and `events()` raises it after the events received before. `close()` ends the
iterator without an error. A dead connection is noticed within 2 × `keepalive_interval`: after
one interval of silence the client sends a keepalive (message 93), which must be answered
within another.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from types import TracebackType
from typing import Any

from bridge.domain.values import DetectionType
from bridge.reolink.baichuan.const import (
    DEFAULT_PORT,
    HOST_CHANNEL,
    MAX_BODY_LENGTH,
    PUSH_CHANNEL,
    STATUS_OK,
    MessageId,
)
from bridge.reolink.baichuan.crypto import Cipher, Encryption
from bridge.reolink.baichuan.errors import (
    BaichuanConnectionClosed,
    BaichuanProtocolError,
    BaichuanStatusError,
    BaichuanTimeout,
)
from bridge.reolink.baichuan.events import AlarmTracker, DetectionEvent, parse_alarm_events
from bridge.reolink.baichuan.framing import Frame, build_frame, read_frame
from bridge.reolink.baichuan.handshake import (
    Negotiated,
    login_request,
    nonce_request,
    read_login_reply,
    read_nonce_reply,
)
from bridge.reolink.baichuan.xmlbody import DeviceInfo, document, element, extension
from bridge.reolink.errors import CameraRefusedError, ReolinkError
from bridge.reolink.network import AddressRefused, CameraNetworks, open_checked_connection

_LOGGER = logging.getLogger(__name__)

Tag = tuple[int, int, int]


class _End:
    """Queue marker: the connection ended (with `self.error`, or cleanly when None)."""


class BaichuanClient:
    """One Baichuan connection to one device (camera, doorbell, NVR or hub)."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        username: str,
        password: str,
        encryption: Encryption = Encryption.AES,
        connect_timeout: float = 10.0,
        request_timeout: float = 10.0,
        keepalive_interval: float = 30.0,
        max_body: int = MAX_BODY_LENGTH,
        queue_size: int = 1024,
        networks: CameraNetworks | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self._offer = encryption
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.keepalive_interval = keepalive_interval
        self._max_body = max_body
        self._networks = networks
        """With it, the connection goes to a checked address (as the HTTP client's)."""
        self._numbers = itertools.count(1)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._write_lock = asyncio.Lock()
        self._cipher = Cipher(Encryption.NONE)
        self._negotiated: Negotiated | None = None
        self._pending: dict[Tag, asyncio.Future[Frame]] = {}
        self._events: asyncio.Queue[DetectionEvent | _End] = asyncio.Queue(queue_size)
        self._tracker = AlarmTracker()
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_received = 0.0
        self._closing = False
        self.error: ReolinkError | None = None
        self.device_info: DeviceInfo | None = None

    # ---------------------------------------------------------------------------------
    # lifecycle

    async def __aenter__(self) -> BaichuanClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def encryption(self) -> Encryption | None:
        """What the device chose at login (None before it)."""
        return None if self._negotiated is None else self._negotiated.encryption

    @property
    def connected(self) -> bool:
        return self._writer is not None and self.error is None and not self._closing

    async def connect(self) -> DeviceInfo:
        """Open the connection (within `connect_timeout`; to a checked address with `networks`)
        and log in."""
        if self._writer is not None:
            raise RuntimeError("BaichuanClient.connect() called twice")
        try:
            async with asyncio.timeout(self.connect_timeout):
                self._reader, self._writer = await open_checked_connection(
                    self._networks, self.host, self.port
                )
        except AddressRefused as exc:
            raise CameraRefusedError(f"Baichuan {self.host}:{self.port}: {exc}") from None
        except TimeoutError:
            raise BaichuanTimeout(
                f"Baichuan {self.host}:{self.port}: no connection within {self.connect_timeout} s"
            ) from None
        except OSError as exc:
            raise BaichuanConnectionClosed(
                f"Baichuan {self.host}:{self.port}: cannot connect: {exc.strerror or exc}"
            ) from None
        self._last_received = time.monotonic()
        try:
            info = await self._login()
        except BaseException:
            await self._shutdown()
            self._reader = self._writer = None
            raise
        self.device_info = info
        self._start(self._read_loop())
        return info

    async def _login(self) -> DeviceInfo:
        msg_num = self._next_number()
        await self._write(nonce_request(self._offer, msg_num))
        negotiated = read_nonce_reply(await self._read_direct())
        self._negotiated = negotiated
        await self._write(login_request(self._username, self._password, negotiated, msg_num))
        info = read_login_reply(await self._read_direct(), negotiated)
        self._cipher = Cipher.for_session(negotiated.encryption, negotiated.nonce, self._password)
        _LOGGER.debug(
            "Baichuan %s:%s: logged in (%s, %s)",
            self.host,
            self.port,
            negotiated.encryption.name,
            info.type_info,
        )
        return info

    async def _read_direct(self) -> Frame:
        """A frame read before the reader task runs (the handshake)."""
        assert self._reader is not None
        try:
            async with asyncio.timeout(self.request_timeout):
                frame = await read_frame(self._reader, self._max_body)
        except TimeoutError:
            raise BaichuanTimeout(
                f"Baichuan {self.host}:{self.port}: no login answer within {self.request_timeout} s"
            ) from None
        except ConnectionError as exc:
            raise BaichuanConnectionClosed(f"Baichuan {self.host}:{self.port}: {exc}") from None
        self._last_received = time.monotonic()
        return frame

    async def subscribe(self) -> None:
        """Ask for alarm pushes (message 31) and start the keepalive."""
        await self.request(MessageId.ALARM_SUBSCRIBE, channel_id=PUSH_CHANNEL)
        self._start(self._keepalive_loop())

    async def close(self) -> None:
        """Log out, close the connection; `events()` then ends without an error."""
        if self._closing:
            return
        self._closing = True
        if self._writer is not None and self.error is None and self._negotiated is not None:
            with contextlib.suppress(ReolinkError, OSError, TimeoutError):
                body = document(element("LoginUser", [("userVer", 1)]))
                await self.request(MessageId.LOGOUT, body=body, answer_within=1.0)
        await self._shutdown()
        self._end()

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self._writer.wait_closed()

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---------------------------------------------------------------------------------
    # requests

    def _next_number(self) -> int:
        return next(self._numbers) % (1 << 24)

    async def _write(self, data: bytes) -> None:
        if self._writer is None or self._writer.is_closing():
            raise self.error or BaichuanConnectionClosed(
                f"Baichuan {self.host}:{self.port}: not connected"
            )
        async with self._write_lock:
            try:
                self._writer.write(data)
                await self._writer.drain()
            except ConnectionError as exc:
                raise BaichuanConnectionClosed(
                    f"Baichuan {self.host}:{self.port}: write failed: {exc}"
                ) from None

    async def request(
        self,
        cmd_id: int,
        *,
        channel: int | None = None,
        channel_id: int | None = None,
        body: str = "",
        answer_within: float | None = None,
    ) -> str:
        """Send message `cmd_id` (for `channel`, or the host) and return the answer's XML body.

        A status other than 200 raises BaichuanStatusError.
        """
        if self.error is not None:
            raise self.error
        if channel_id is None:
            channel_id = HOST_CHANNEL if channel is None else channel + 1
        ext = "" if channel is None else extension([("channelId", channel)])
        msg_num = self._next_number()
        tag = (cmd_id, channel_id, msg_num)
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._pending[tag] = future
        try:
            await self._write(
                build_frame(
                    cmd_id,
                    cipher=self._cipher,
                    channel_id=channel_id,
                    msg_num=msg_num,
                    extension=ext,
                    body=body,
                )
            )
            wait = self.request_timeout if answer_within is None else answer_within
            try:
                async with asyncio.timeout(wait):
                    frame = await future
            except TimeoutError:
                raise BaichuanTimeout(
                    f"Baichuan {self.host}:{self.port}: no answer to message {cmd_id} "
                    f"within {wait} s"
                ) from None
        finally:
            self._pending.pop(tag, None)
        if frame.header.status != STATUS_OK:
            raise BaichuanStatusError(frame.header.status, cmd_id)
        return frame.open_body(self._cipher)

    # ---------------------------------------------------------------------------------
    # the reader and the keepalive

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                try:
                    frame = await read_frame(self._reader, self._max_body)
                except ConnectionError as exc:
                    raise BaichuanConnectionClosed(
                        f"Baichuan {self.host}:{self.port}: {exc}"
                    ) from None
                self._last_received = time.monotonic()
                self._dispatch(frame)
        except asyncio.CancelledError:
            raise
        except ReolinkError as exc:
            self._fail(exc)
        except Exception as exc:  # a bug must not leave the consumer waiting forever
            _LOGGER.exception("Baichuan %s:%s: reader failed", self.host, self.port)
            self._fail(BaichuanProtocolError(f"Baichuan reader failed: {exc!r}"))

    def _dispatch(self, frame: Frame) -> None:
        future = self._pending.get(frame.header.tag)
        if future is not None and not future.done():
            future.set_result(frame)
        elif frame.header.cmd_id == MessageId.ALARM_EVENT_LIST:
            self._on_alarm(frame)
        else:
            _LOGGER.debug(
                "Baichuan %s:%s: unrequested message %s dropped",
                self.host,
                self.port,
                frame.header.cmd_id,
            )

    def _on_alarm(self, frame: Frame) -> None:
        try:
            alarms = parse_alarm_events(frame.open_body(self._cipher))
        except BaichuanProtocolError as exc:
            _LOGGER.warning("Baichuan %s:%s: alarm push dropped: %s", self.host, self.port, exc)
            return
        for event in self._tracker.update(alarms):
            if self._events.full():
                dropped = self._events.get_nowait()
                _LOGGER.warning(
                    "Baichuan %s:%s: event queue full, dropped %s", self.host, self.port, dropped
                )
            self._events.put_nowait(event)

    async def _keepalive_loop(self) -> None:
        interval = self.keepalive_interval
        try:
            while True:
                idle = time.monotonic() - self._last_received
                if idle < interval:
                    await asyncio.sleep(interval - idle)
                    continue
                try:
                    await self.request(MessageId.LINK_TYPE, answer_within=interval)
                except BaichuanTimeout:
                    self._fail(
                        BaichuanTimeout(
                            f"Baichuan {self.host}:{self.port}: keepalive unanswered; "
                            f"nothing received for {time.monotonic() - self._last_received:.1f} s"
                        )
                    )
                    return
                except BaichuanStatusError:
                    pass  # an answer all the same: the connection is alive
        except ReolinkError as exc:
            self._fail(exc)

    def _fail(self, error: ReolinkError) -> None:
        """End the connection with `error` (the first error wins)."""
        if self.error is not None or self._closing:
            return
        self.error = error
        _LOGGER.debug("Baichuan %s:%s: connection ended: %s", self.host, self.port, error)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        if self._writer is not None:
            self._writer.close()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        self._end()

    def _end(self) -> None:
        if self._events.full():
            self._events.get_nowait()
        self._events.put_nowait(_End())

    # ---------------------------------------------------------------------------------
    # events

    async def events(self) -> AsyncIterator[DetectionEvent]:
        """Detection changes as the device pushes them; raises the error that ended the
        connection, or stops after `close()`."""
        while True:
            item = await self._events.get()
            if isinstance(item, _End):
                self._events.put_nowait(item)  # later iterators end too
                if self.error is not None:
                    raise self.error
                return
            yield item

    def active(self, channel: int) -> frozenset[DetectionType]:
        """The detections the device last reported active on `channel`."""
        return self._tracker.active(channel)
