"""The Baichuan side of a simulated device: its own TCP port, the login, alarm pushes.

Real devices listen on 9000; each simulated device listens on its own port (free, or
consecutive from ``--baichuan-port``) and says so in ``GetNetPort``'s ``mediaPort``, which is
where reolink_aio (and the bridge) look for it.

What it implements, with the shared codec of :mod:`bridge.reolink.baichuan`:

* the login: nonce request (encryption offered) → nonce reply (encryption chosen: the best of
  the offer and the device's own, AES for current firmware, BC for the ``legacy`` profile) →
  login with the nonce-salted MD5s → 200 + ``DeviceInfo``, or 401 for wrong credentials;
* 31 alarm subscription (answered 200, then the current state of every online channel is
  pushed), 33 alarm pushes whenever ``/sim/event`` (or a timed clear) changes a detection, one
  ``AlarmEvent`` per changed channel, 93 link type (clients use it as keepalive), 2 logout;
* any other message: 405 "not supported" (some firmware says 400, which reolink_aio retries
  twice with 1.5 s pauses meant for waking battery cameras: 405 keeps it fast); malformed
  logins: 400.

Faults: ``baichuan_close`` refuses the port and cuts open connections; ``baichuan_stall``
keeps connections open but answers and pushes nothing; ``baichuan_garbage`` sends random bytes
on every open connection and answers each new login with a frame cut short (then closes it);
``offline`` and reboots take the port away with the HTTP one. ``stats()`` (in ``/sim/state``
as ``baichuan``) counts the connections the port accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.reolink.baichuan.const import (
    STATUS_BAD_REQUEST,
    STATUS_NOT_SUPPORTED,
    STATUS_OK,
    STATUS_UNAUTHORIZED,
    MessageClass,
    MessageId,
)
from bridge.reolink.baichuan.crypto import (
    Cipher,
    Encryption,
    choice_status,
    login_hashes,
    parse_offer,
)
from bridge.reolink.baichuan.errors import BaichuanConnectionClosed, BaichuanProtocolError
from bridge.reolink.baichuan.events import ChannelAlarm, alarm_event_document
from bridge.reolink.baichuan.framing import Frame, build_frame, read_frame
from bridge.reolink.baichuan.header import Header
from bridge.reolink.baichuan.xmlbody import (
    DeviceInfo,
    device_info_document,
    link_type_document,
    nonce_document,
    parse_login,
)
from bridge.reolink.vocab import AI_KEYS

from .ports import PortHold
from .state import ChannelState

if TYPE_CHECKING:
    from .device import SimulatedDevice

_LOGGER = logging.getLogger(__name__)

_DEVICE_TYPES = {"IPC": "ipc", "NVR": "nvr", "WIFI_NVR": "wifi_nvr", "HOMEHUB": "homehub"}


@dataclass(slots=True, eq=False)
class _Session:
    """One client connection."""

    writer: asyncio.StreamWriter
    encryption: Encryption | None = None
    nonce: str | None = None
    cipher: Cipher = field(default_factory=lambda: Cipher(Encryption.NONE))
    logged_in: bool = False
    push_channel: int | None = None  # channel byte and number of the subscription
    push_num: int = 0
    pushed: dict[int, ChannelAlarm] = field(default_factory=dict)  # what this client was told

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()


def _truncated(header: Header) -> bytes:
    """The first bytes of an answer to `header` whose body is cut short."""
    frame = build_frame(
        header.cmd_id,
        cipher=Cipher(Encryption.NONE),
        channel_id=header.channel_id,
        msg_num=header.msg_num,
        status=STATUS_OK,
        msg_class=MessageClass.REPLY_24,
        body="<body>" + "x" * 200 + "</body>",
    )
    return frame[: len(frame) // 2]


def channel_alarm(ch: ChannelState) -> ChannelAlarm:
    """What a push says about a channel now (firmware without AI omits `AItype`)."""
    ai = frozenset(AI_KEYS[key] for key, on in ch.ai.items() if on and key in AI_KEYS)
    return ChannelAlarm(
        channel=ch.index,
        motion=ch.motion,
        visitor=ch.visitor,
        ai=ai if ch.profile.ai_types else None,
    )


class BaichuanServer:
    """The Baichuan listener of one simulated device."""

    def __init__(self, device: SimulatedDevice) -> None:
        self.device = device
        self.port_hold = PortHold()
        self._stalled = False
        self._garbage = False
        self.connections = 0
        """Connections the port accepted (since the simulator started)."""
        self._server: asyncio.Server | None = None
        self._sessions: set[_Session] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[int, asyncio.TimerHandle] = {}
        device.alarm_listeners.append(self.alarm_changed)

    # ---------------------------------------------------------------------------------
    # lifecycle

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def stalled(self) -> bool:
        """Hung firmware (``baichuan_stall``): connections stay open, nothing is answered."""
        return self._stalled

    @stalled.setter
    def stalled(self, value: bool) -> None:
        was, self._stalled = self._stalled, value
        if was and not value:
            self.device.alarm_changed()  # catch up with what changed while hung

    @property
    def garbage(self) -> bool:
        """``baichuan_garbage``: what the device sends is not Baichuan."""
        return self._garbage

    @garbage.setter
    def garbage(self, value: bool) -> None:
        was, self._garbage = self._garbage, value
        if value and not was:
            for session in list(self._sessions):
                self._spawn(self._send_garbage(session))

    def stats(self) -> dict[str, Any]:
        return {
            "port": self.device.baichuan_port,
            "listening": self.listening,
            "connections": self.connections,
            "open": len(self._sessions),
        }

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_garbage(self, session: _Session) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await session.send(b"\x00\x13garbage, not Baichuan" + secrets.token_bytes(64))

    async def listen(self) -> None:
        """Open the port (``device.baichuan_port``; 0: a free one, remembered from then on)."""
        if self._server is not None:
            return
        dev = self.device
        self.port_hold.release()
        self._server = await asyncio.start_server(
            self._serve, dev.host, dev.baichuan_port, reuse_address=True
        )
        dev.set_baichuan_port(self._server.sockets[0].getsockname()[1])

    async def unlisten(self) -> None:
        """Refuse new connections and cut the open ones (device offline, rebooting, fault)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for session in list(self._sessions):
            transport = session.writer.transport
            transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if server is not None:
            with contextlib.suppress(Exception):
                await server.wait_closed()
            self.port_hold.hold(self.device.host, self.device.baichuan_port)

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.device.alarm_listeners.remove(self.alarm_changed)
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await self.unlisten()

    # ---------------------------------------------------------------------------------
    # connections

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        session = _Session(writer)
        self._sessions.add(session)
        self.connections += 1
        try:
            while True:
                frame = await read_frame(reader)
                if self.stalled:
                    continue  # hung firmware: reads, never answers
                if self.garbage:  # a header that promises a body which never comes
                    await session.send(_truncated(frame.header))
                    break
                await self._handle(session, frame)
        except BaichuanConnectionClosed:
            pass
        except BaichuanProtocolError as exc:
            # firmware drops a connection that sends garbage
            _LOGGER.debug("simulator %s: Baichuan garbage, closing: %s", self.device.id, exc)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._sessions.discard(session)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _handle(self, session: _Session, frame: Frame) -> None:
        header = frame.header
        if header.cmd_id == MessageId.LOGIN:
            if header.msg_class == MessageClass.LEGACY:
                await self._nonce(session, header)
            else:
                await self._login(session, frame)
            return
        if not session.logged_in:
            await self._answer(session, header, STATUS_UNAUTHORIZED)
            return
        if header.cmd_id == MessageId.LOGOUT:
            session.logged_in = False
            session.push_channel = None
            self.device.log_command("bc:Logout", None, {})
            await self._answer(session, header, STATUS_OK)
        elif header.cmd_id == MessageId.ALARM_SUBSCRIBE:
            session.push_channel, session.push_num = header.channel_id, header.msg_num
            self.device.log_command("bc:AlarmSubscribe", None, {})
            await self._answer(session, header, STATUS_OK)
            alarms = [self._alarm(ch) for ch in self.device.channels if ch.online]
            await self._push(session, alarms)
        elif header.cmd_id == MessageId.LINK_TYPE:
            await self._answer(session, header, STATUS_OK, link_type_document())
        else:
            await self._answer(session, header, STATUS_NOT_SUPPORTED)

    async def _answer(self, session: _Session, header: Header, status: int, body: str = "") -> None:
        await session.send(
            build_frame(
                header.cmd_id,
                cipher=session.cipher,
                channel_id=header.channel_id,
                msg_num=header.msg_num,
                status=status,
                msg_class=MessageClass.REPLY_24,
                body=body,
            )
        )

    async def _nonce(self, session: _Session, header: Header) -> None:
        try:
            offer = parse_offer(header.status)
        except BaichuanProtocolError:
            await self._answer(session, header, STATUS_BAD_REQUEST)
            return
        session.encryption = min(offer, self.device.baichuan_encryption)
        session.nonce = secrets.token_hex(8).upper()
        session.logged_in = False
        await session.send(
            build_frame(
                MessageId.LOGIN,
                cipher=Cipher.for_login(session.encryption),
                channel_id=header.channel_id,
                msg_num=header.msg_num,
                status=choice_status(session.encryption),
                msg_class=MessageClass.MODERN_20,
                body=nonce_document(session.nonce),
            )
        )

    async def _login(self, session: _Session, frame: Frame) -> None:
        header = frame.header
        dev = self.device
        if session.encryption is None or session.nonce is None:
            await self._answer(session, header, STATUS_BAD_REQUEST)  # no legacy logins
            return
        login_cipher = Cipher.for_login(session.encryption)
        try:
            user_hash, password_hash = parse_login(frame.open_body(login_cipher))
        except BaichuanProtocolError:
            await self._answer(session, header, STATUS_BAD_REQUEST)
            return
        expected = login_hashes(dev.username, dev.password, session.nonce)
        ok = (user_hash, password_hash) == expected
        dev.log_command("bc:Login", None, {"ok": ok, "encryption": session.encryption.name})
        if not ok:
            await self._answer(session, header, STATUS_UNAUTHORIZED)
            return
        session.cipher = login_cipher
        await self._answer(session, header, STATUS_OK, self._device_info())
        session.cipher = Cipher.for_session(session.encryption, session.nonce, dev.password)
        session.logged_in = True

    def _device_info(self) -> str:
        profile = self.device.profile
        info = DeviceInfo(
            device_type=_DEVICE_TYPES.get(profile.device_type, "ipc"),
            type_info=profile.device_type,
            channels=profile.channel_count,
        )
        return device_info_document(info, resolution=profile.channels[0].main_size)

    # ---------------------------------------------------------------------------------
    # alarm pushes

    def _alarm(self, ch: ChannelState) -> ChannelAlarm:
        return channel_alarm(self.device.expire_events(ch))

    def alarm_changed(self, channel: int) -> None:
        """The device's detections on `channel` may have changed: push them where they did."""
        dev = self.device
        if not 0 <= channel < len(dev.channels):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop: nobody can be connected
        ch = dev.channels[channel]
        alarm = self._alarm(ch)
        self._schedule_clear(loop, ch)
        if self._server is None or self.stalled:
            return
        for session in list(self._sessions):
            subscribed = session.logged_in and session.push_channel is not None
            if subscribed and session.pushed.get(channel) != alarm and not self.garbage:
                self._spawn(self._push(session, [alarm]))

    def _schedule_clear(self, loop: asyncio.AbstractEventLoop, ch: ChannelState) -> None:
        """Push again when the first timed detection of `ch` clears by itself."""
        timer = self._timers.pop(ch.index, None)
        if timer is not None:
            timer.cancel()
        if ch.clear_at:  # loop.time() is time.monotonic(), the clock of clear_at
            deadline = min(ch.clear_at.values()) + 0.001
            self._timers[ch.index] = loop.call_at(deadline, self.alarm_changed, ch.index)

    async def _push(self, session: _Session, alarms: list[ChannelAlarm]) -> None:
        """Send `alarms` to a subscribed client (one `AlarmEventList`)."""
        if not alarms or session.push_channel is None:
            return
        for alarm in alarms:
            session.pushed[alarm.channel] = alarm
        with contextlib.suppress(ConnectionError, RuntimeError):
            await session.send(
                build_frame(
                    MessageId.ALARM_EVENT_LIST,
                    cipher=session.cipher,
                    channel_id=session.push_channel,
                    msg_num=session.push_num,
                    status=STATUS_OK,
                    msg_class=MessageClass.REPLY_24,
                    body=alarm_event_document(alarms),
                )
            )
