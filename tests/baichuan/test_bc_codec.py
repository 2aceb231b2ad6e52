"""The codec against reolink_aio: what it computes and what it puts on the wire (no copied
constants: the expected values come from reolink_aio at test time)."""

from __future__ import annotations

import asyncio
import os

import pytest
from bc_helpers import PASSWORD, RecordingProxy, by_profile
from reolink_aio.api import Host
from reolink_aio.baichuan import util as aio_util
from reolink_aio.enums import ConnectionEnum

from bridge.domain.values import DetectionType
from bridge.reolink.baichuan import crypto
from bridge.reolink.baichuan.const import MAX_BODY_LENGTH, MessageClass, MessageId
from bridge.reolink.baichuan.crypto import Cipher, Encryption
from bridge.reolink.baichuan.errors import BaichuanConnectionClosed, BaichuanProtocolError
from bridge.reolink.baichuan.events import (
    AlarmTracker,
    ChannelAlarm,
    DetectionEvent,
    alarm_event_document,
    parse_alarm_events,
)
from bridge.reolink.baichuan.framing import build_frame, read_frame
from bridge.reolink.baichuan.handshake import Negotiated, login_request, nonce_request
from bridge.reolink.baichuan.header import Header, decode_header
from bridge.reolink.baichuan.xmlbody import parse, parse_login
from bridge.simulator import Simulator


def aio_host(host: str, port: int, password: str = PASSWORD) -> Host:
    return Host(
        host, "admin", password, port=1, use_https=False, bc_port=port,
        bc_connection=ConnectionEnum.tcp,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------
# crypto


@pytest.mark.parametrize("offset", [0, 1, 7, 8, 9, 100, 250, 251, 255])
def test_bc_xor_matches_reolink_aio(offset: int) -> None:
    for length in (0, 1, 7, 8, 9, 64, 1000):
        data = os.urandom(length)
        assert crypto.bc_xor(data, offset) == aio_util.encrypt_baichuan(data, offset)
        assert crypto.bc_xor(crypto.bc_xor(data, offset), offset) == data


def test_login_hashes_match_reolink_aio() -> None:
    for text in ("admin", "", "Pa@$!?w0rd.(x)", "пароль-密码", "x" * 200):
        assert crypto.md5_modern(text) == aio_util.md5_str_modern(text)
        assert len(crypto.md5_modern(text)) == 31
    user, password = crypto.login_hashes("admin", "pw", "13BCECE33DA453DB")
    assert user == aio_util.md5_str_modern("admin13BCECE33DA453DB")
    assert password == aio_util.md5_str_modern("pw13BCECE33DA453DB")


async def test_aes_key_and_cipher_match_reolink_aio(sim: Simulator) -> None:
    """reolink_aio fetches a nonce from the simulator and derives its AES key; ours agrees and
    both sides' AES-128-CFB decrypt each other's bytes."""
    dev = by_profile(sim, "floodlight")
    host = aio_host(dev.host, dev.baichuan_port, dev.password)
    bc = host.baichuan
    try:
        nonce = await bc._get_nonce()
        key = crypto.aes_key(nonce, dev.password)
        assert bc._aes_key == key
        for text in ('<?xml version="1.0" ?><body/>', "é" * 100, "x"):
            data = text.encode()
            assert crypto.aes_encrypt(key, data) == bc._aes_encrypt(data)
            assert bc._aes_decrypt(crypto.aes_encrypt(key, data), b"") == text
            assert crypto.aes_decrypt(key, bc._aes_encrypt(data)) == data
    finally:
        if bc._connection is not None:
            await bc._connection.close()
        await host.logout()


def test_offer_and_choice_codes() -> None:
    for mode in (Encryption.NONE, Encryption.BC, Encryption.AES):
        assert crypto.parse_offer(crypto.offer_status(mode)) is mode
        assert crypto.parse_choice(crypto.choice_status(mode)) is mode
    assert crypto.parse_choice(0xDD03) is Encryption.FULL_AES
    with pytest.raises(BaichuanProtocolError):
        crypto.parse_choice(0xDD7F)
    with pytest.raises(BaichuanProtocolError):
        crypto.parse_offer(200)


# ------------------------------------------------------------------------------------------
# what reolink_aio sends, decoded by our codec


async def test_reolink_aio_handshake_decodes_with_our_codec(sim: Simulator) -> None:
    """Through a recording proxy: reolink_aio's nonce request is what `nonce_request` builds,
    and its login carries the hashes `login_hashes` computes, BC-encrypted as we do."""
    dev = by_profile(sim, "doorbell")
    async with RecordingProxy(dev.host, dev.baichuan_port) as proxy:
        host = aio_host("127.0.0.1", proxy.port, dev.password)
        try:
            await host.baichuan.login()
            nonce = host.baichuan._nonce
        finally:
            await host.logout()
    sent = bytes(proxy.sent[0])
    first = decode_header(sent)
    assert first.cmd_id == MessageId.LOGIN
    assert first.msg_class == MessageClass.LEGACY
    assert crypto.parse_offer(first.status) is Encryption.AES  # reolink_aio offers AES
    assert first.body_len == 0
    assert sent[: first.length] == nonce_request(Encryption.AES, first.msg_num, first.channel_id)

    reader = asyncio.StreamReader()
    reader.feed_data(sent[first.length :])
    reader.feed_eof()
    login = await read_frame(reader)
    assert login.header.cmd_id == MessageId.LOGIN
    assert login.header.msg_class == MessageClass.MODERN_24
    assert nonce is not None
    body = login.open_body(Cipher.for_login(Encryption.AES))
    assert parse_login(body) == crypto.login_hashes(dev.username, dev.password, nonce)
    ours = login_request(
        dev.username,
        dev.password,
        Negotiated(Encryption.AES, nonce),
        login.header.msg_num,
        login.header.channel_id,
    )
    mine = decode_header(ours)
    assert (mine.cmd_id, mine.channel_id, mine.msg_class) == (
        login.header.cmd_id,
        login.header.channel_id,
        login.header.msg_class,
    )


# ------------------------------------------------------------------------------------------
# header and framing


def test_header_round_trip() -> None:
    header = Header(33, 120, 251, 0xABCDEF, 200, MessageClass.REPLY_24, 0)
    data = header.encode()
    assert len(data) == 24
    assert data[:4] == bytes.fromhex("f0debc0a")
    assert decode_header(data) == header
    short = Header(1, 0, 250, 7, 0xDC12, MessageClass.LEGACY)
    assert len(short.encode()) == 20
    assert decode_header(short.encode()) == short
    with pytest.raises(ValueError, match="channel_id"):
        Header(1, channel_id=256)


async def _read(data: bytes, max_body: int = MAX_BODY_LENGTH) -> object:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return await read_frame(reader, max_body)


async def test_frames_round_trip_in_every_mode() -> None:
    ext = '<?xml version="1.0" encoding="UTF-8" ?>\n<Extension version="1.1">\n</Extension>\n'
    body = '<?xml version="1.0" encoding="UTF-8" ?>\n<body>\n<x>é</x>\n</body>\n'
    for cipher in (
        Cipher(Encryption.NONE),
        Cipher(Encryption.BC),
        Cipher.for_session(Encryption.AES, "ABCDEF0123456789", "pw"),
    ):
        data = build_frame(31, cipher=cipher, channel_id=5, msg_num=9, extension=ext, body=body)
        frame = await _read(data)
        assert frame.header.payload_offset == len(ext.encode())  # type: ignore[attr-defined]
        assert frame.open_extension(cipher) == ext  # type: ignore[attr-defined]
        assert frame.open_body(cipher) == body  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "magic"),
        # fixed bytes: the ids must be the same in every pytest-xdist worker (random garbage is
        # tests/baichuan/test_bc_garbage.py's job)
        (b"\x13\x37\x42" + b"\x00" * 30, "magic"),
        (Header(1).encode()[:18] + b"\x99\x99" + b"\x00" * 8, "message class"),
        (Header(33, body_len=MAX_BODY_LENGTH + 1).encode(), "limit"),
        (Header(33, body_len=10, payload_offset=11).encode() + b"x" * 10, "payload offset"),
        (Header(33, body_len=100).encode() + b"x" * 40, "truncated"),
        (Header(33).encode()[:22], "truncated"),
        (bytes.fromhex("f0debc0a") + b"\x01\x00", "truncated"),
    ],
)
async def test_bad_frames_are_protocol_errors(data: bytes, message: str) -> None:
    with pytest.raises(BaichuanProtocolError, match=message):
        await _read(data)


async def test_end_of_stream_between_frames_is_a_close() -> None:
    with pytest.raises(BaichuanConnectionClosed):
        await _read(b"")


async def test_smaller_bound_applies() -> None:
    data = build_frame(33, cipher=Cipher(Encryption.NONE), body="<?xml x?>" * 20)
    with pytest.raises(BaichuanProtocolError, match="limit 100"):
        await _read(data, max_body=100)


def test_undecodable_xml_part() -> None:
    cipher = Cipher.for_session(Encryption.AES, "N", "pw")
    header = Header(33, 10)
    from bridge.reolink.baichuan.framing import open_xml

    with pytest.raises(BaichuanProtocolError, match="not XML"):
        open_xml(os.urandom(64), cipher, header)


def test_xml_with_a_dtd_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><body>&a;</body>'
    with pytest.raises(BaichuanProtocolError, match="DTD"):
        parse(bomb)
    with pytest.raises(BaichuanProtocolError, match="does not parse"):
        parse("<body><unclosed></body>")


# ------------------------------------------------------------------------------------------
# alarm events


def test_alarm_documents_round_trip_and_track_changes() -> None:
    alarms = [
        ChannelAlarm(0, motion=True, visitor=False, ai=frozenset({DetectionType.PERSON})),
        ChannelAlarm(3, motion=False, visitor=True, ai=frozenset()),
        ChannelAlarm(5, motion=True, visitor=False, ai=None),  # old firmware: no AItype
    ]
    text = alarm_event_document(alarms)
    assert "<status>MD</status>" in text
    assert "<AItype>people</AItype>" in text
    assert "<status>visitor</status>" in text
    assert parse_alarm_events(text) == alarms

    tracker = AlarmTracker()
    assert tracker.update(alarms) == [
        DetectionEvent(0, DetectionType.MOTION, True),
        DetectionEvent(0, DetectionType.PERSON, True),
        DetectionEvent(3, DetectionType.VISITOR, True),
        DetectionEvent(5, DetectionType.MOTION, True),
    ]
    assert tracker.update(alarms) == []
    cleared = ChannelAlarm(0, motion=False, visitor=False, ai=frozenset({DetectionType.VEHICLE}))
    assert tracker.update([cleared]) == [
        DetectionEvent(0, DetectionType.MOTION, False),
        DetectionEvent(0, DetectionType.PERSON, False),
        DetectionEvent(0, DetectionType.VEHICLE, True),
    ]
    assert tracker.active(0) == {DetectionType.VEHICLE}


def test_alarm_parsing_of_firmware_variants() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<body>\n<AlarmEventList version="1.1">\n'
        "<AlarmEvent><channelId>1</channelId><status>MD,visitor</status>"
        "<AItype>dog_cat,package,unknown_kind</AItype></AlarmEvent>\n"
        "<AlarmEvent><channelId>2</channelId><status>none</status><AItype>other</AItype>"
        "</AlarmEvent>\n<DayNightEvent><channelId>1</channelId><mode>day</mode></DayNightEvent>\n"
        "</AlarmEventList>\n</body>\n"
    )
    first, second = parse_alarm_events(text)
    assert first == ChannelAlarm(
        1, motion=True, visitor=True, ai=frozenset({DetectionType.PET, DetectionType.PACKAGE})
    )
    assert second.motion is True  # battery cameras: PIR ("other") is motion
    with pytest.raises(BaichuanProtocolError):
        parse_alarm_events("<body><AlarmEvent><status>MD</status></AlarmEvent></body>")
