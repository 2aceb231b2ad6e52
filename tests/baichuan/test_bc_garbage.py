"""Garbage, truncated and oversized messages: from a misbehaving device at our client, and from
a misbehaving client at the simulator. Nothing crashes; errors are typed."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from bc_helpers import FakeDevice, by_profile, client_for, next_events

from bridge.domain.values import DetectionType
from bridge.reolink.baichuan import (
    BaichuanClient,
    BaichuanConnectionClosed,
    BaichuanProtocolError,
    BaichuanTimeout,
    ChannelAlarm,
    DetectionEvent,
    DeviceInfo,
    Encryption,
)
from bridge.reolink.baichuan.const import STATUS_OK, MessageClass, MessageId
from bridge.reolink.baichuan.crypto import Cipher, choice_status
from bridge.reolink.baichuan.events import alarm_event_document
from bridge.reolink.baichuan.framing import build_frame, read_frame
from bridge.reolink.baichuan.header import Header
from bridge.reolink.baichuan.xmlbody import device_info_document, nonce_document
from bridge.simulator import Simulator

NONCE = "0123456789ABCDEF"
PASSWORD = "pw"

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter


async def serve_login(reader: Reader, writer: Writer, mode: Encryption = Encryption.AES) -> Cipher:
    """The device side of a correct login (any credentials) and alarm subscription."""
    login_cipher = Cipher.for_login(mode)
    request = (await read_frame(reader)).header
    writer.write(
        build_frame(
            MessageId.LOGIN, cipher=login_cipher, channel_id=request.channel_id,
            msg_num=request.msg_num, status=choice_status(mode),
            msg_class=MessageClass.MODERN_20, body=nonce_document(NONCE),
        )
    )  # fmt: skip
    login = (await read_frame(reader)).header
    info = device_info_document(DeviceInfo("ipc", "IPC", 1), resolution=(640, 360))
    writer.write(
        build_frame(
            MessageId.LOGIN, cipher=login_cipher, channel_id=login.channel_id,
            msg_num=login.msg_num, status=STATUS_OK, msg_class=MessageClass.REPLY_24, body=info,
        )
    )  # fmt: skip
    session = Cipher.for_session(mode, NONCE, PASSWORD)
    subscribe = (await read_frame(reader)).header
    writer.write(
        build_frame(
            MessageId.ALARM_SUBSCRIBE, cipher=session, channel_id=subscribe.channel_id,
            msg_num=subscribe.msg_num, status=STATUS_OK, msg_class=MessageClass.REPLY_24,
        )
    )  # fmt: skip
    await writer.drain()
    return session


def push(cipher: Cipher, body: bytes | str) -> bytes:
    return build_frame(
        MessageId.ALARM_EVENT_LIST, cipher=cipher, channel_id=251, status=STATUS_OK,
        msg_class=MessageClass.REPLY_24, body=body,
    )  # fmt: skip


MOTION_ON = alarm_event_document([ChannelAlarm(0, motion=True, visitor=False, ai=frozenset())])

Misbehaviour = Callable[[Cipher, Writer], Awaitable[None]]


async def _garbage(cipher: Cipher, writer: Writer) -> None:
    writer.write(b"\xde\xad" + os.urandom(200))


async def _truncated(cipher: Cipher, writer: Writer) -> None:
    writer.write(push(cipher, MOTION_ON)[:40])
    await writer.drain()
    writer.close()


async def _oversized(cipher: Cipher, writer: Writer) -> None:
    writer.write(Header(33, body_len=100_000_000, channel_id=251, status=200,
                        msg_class=MessageClass.REPLY_24).encode())  # fmt: skip


async def _unknown_class(cipher: Cipher, writer: Writer) -> None:
    writer.write(push(cipher, MOTION_ON)[:18] + b"\x42\x42" + b"\x00" * 16)


@pytest.mark.parametrize(
    ("misbehave", "match"),
    [
        (_garbage, "magic"),
        (_truncated, "truncated"),
        (_oversized, "limit"),
        (_unknown_class, "message class"),
    ],
)
async def test_bad_bytes_from_the_device_end_the_connection_with_a_typed_error(
    misbehave: Misbehaviour, match: str, loop_errors: list[dict[str, Any]]
) -> None:
    async def script(reader: Reader, writer: Writer) -> None:
        cipher = await serve_login(reader, writer)
        writer.write(push(cipher, MOTION_ON))  # one good push first
        await misbehave(cipher, writer)
        await writer.drain()
        await asyncio.sleep(1)

    async with FakeDevice(script) as fake:
        client = BaichuanClient("127.0.0.1", fake.port, username="admin", password=PASSWORD)
        await client.connect()
        await client.subscribe()
        seen: list[DetectionEvent] = []

        async def consume() -> None:
            async with asyncio.timeout(3):
                async for event in client.events():
                    seen.append(event)

        with pytest.raises(BaichuanProtocolError, match=match):
            await consume()
        assert seen == [DetectionEvent(0, DetectionType.MOTION, True)]
        assert not client.connected
        with pytest.raises(BaichuanProtocolError):  # requests fail with the same error
            await client.request(MessageId.LINK_TYPE)
        await client.close()


async def test_an_undecodable_push_is_dropped_and_the_connection_goes_on(
    loop_errors: list[dict[str, Any]],
) -> None:
    async def script(reader: Reader, writer: Writer) -> None:
        cipher = await serve_login(reader, writer)
        writer.write(push(cipher, os.urandom(300)))  # a valid frame whose body is not XML
        writer.write(push(cipher, "<?xml version='1.0'?><body><AlarmEvent>"))  # broken XML
        writer.write(push(cipher, MOTION_ON))
        await writer.drain()
        await asyncio.sleep(2)

    async with (
        FakeDevice(script) as fake,
        BaichuanClient("127.0.0.1", fake.port, username="admin", password=PASSWORD) as client,
    ):
        await client.subscribe()
        assert await next_events(client, 1) == [DetectionEvent(0, DetectionType.MOTION, True)]
        assert client.connected


HandshakeFault = Callable[[Reader, Writer], Awaitable[None]]


async def _answer_garbage(reader: Reader, writer: Writer) -> None:
    await read_frame(reader)
    writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(1)


async def _hang(reader: Reader, writer: Writer) -> None:
    await asyncio.sleep(3)


async def _close_at_once(reader: Reader, writer: Writer) -> None:
    await read_frame(reader)


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (_answer_garbage, BaichuanProtocolError),
        (_hang, BaichuanTimeout),
        (_close_at_once, BaichuanConnectionClosed),
    ],
)
async def test_a_broken_handshake_is_a_typed_error(
    behaviour: HandshakeFault, error: type[Exception], loop_errors: list[dict[str, Any]]
) -> None:
    async with FakeDevice(behaviour) as fake:
        client = BaichuanClient(
            "127.0.0.1", fake.port, username="admin", password=PASSWORD, request_timeout=0.5
        )
        t0 = time.monotonic()
        with pytest.raises(error):
            await client.connect()
        assert time.monotonic() - t0 < 2
        assert not client.connected


# ------------------------------------------------------------------------------------------
# garbage at the simulator


async def _raw_exchange(port: int, data: bytes, within: float = 3.0) -> bytes:
    """Send `data` on a fresh connection; what the device answers before it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        async with asyncio.timeout(within):
            return await reader.read()
    finally:
        writer.close()


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(512),
        b"GET / HTTP/1.1\r\nHost: camera\r\n\r\n",
        Header(1, body_len=50_000_000).encode(),
        Header(1, msg_class=MessageClass.REPLY_24).encode()[:18] + b"\x00\x77" + b"\x00" * 4,
    ],
    ids=["random", "http", "oversized", "unknown-class"],
)
async def test_the_simulator_drops_a_garbage_connection_and_keeps_serving(
    sim: Simulator, data: bytes, loop_errors: list[dict[str, Any]]
) -> None:
    dev = by_profile(sim, "floodlight")
    assert await _raw_exchange(dev.baichuan_port, data) == b""  # closed, nothing answered
    async with client_for(dev) as client:
        await client.subscribe()
        sim.trigger_event(dev.id, "motion")
        assert await next_events(client, 1) == [DetectionEvent(0, DetectionType.MOTION, True)]


async def test_the_simulator_survives_a_truncated_message(
    sim: Simulator, loop_errors: list[dict[str, Any]]
) -> None:
    dev = by_profile(sim, "doorbell")
    _reader, writer = await asyncio.open_connection("127.0.0.1", dev.baichuan_port)
    writer.write(Header(1, body_len=400).encode() + b"<?xml")
    await writer.drain()
    writer.close()
    async with client_for(dev) as client:
        assert client.device_info is not None


async def test_the_simulator_wants_a_login_first(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    subscribe = build_frame(
        MessageId.ALARM_SUBSCRIBE, cipher=Cipher(Encryption.NONE), channel_id=251, msg_num=1
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", dev.baichuan_port)
    try:
        writer.write(subscribe)
        answer = await asyncio.wait_for(read_frame(reader), 3)
        assert answer.header.status == 401
        assert (answer.header.cmd_id, answer.header.channel_id) == (31, 251)
    finally:
        writer.close()
