"""RTSP on the wire: Digest as RFC 2617 computes it; messages and interleaved frames in turn."""

from __future__ import annotations

import asyncio

import pytest

from bridge.reolink import rtsp


def test_digest_matches_rfc_2617() -> None:
    challenge = {"realm": "testrealm@host.com", "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093"}
    answer = rtsp.digest_response(
        {**challenge, "qop": "auth"},
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle Of Life",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert answer == "6629fae49393a05397450978507c4ef1"


@pytest.mark.parametrize("scheme", ["Digest", "Basic"])
def test_the_client_answer_passes_the_server_check(scheme: str) -> None:
    realm, nonce, password = "BC Streaming Media", "abc123", "p@ss w#rd%^é"
    challenges = [f'Basic realm="{realm}"']
    if scheme == "Digest":
        challenges.insert(0, f'Digest realm="{realm}", nonce="{nonce}"')
    client = rtsp.Credentials("admin", password)
    assert client.learn(challenges)
    header = client.authorization("DESCRIBE", "rtsp://cam:554/Preview_01_main")
    assert header is not None
    assert header.startswith(scheme)
    check = rtsp.check_authorization
    assert check(header, "DESCRIBE", realm, {nonce}, "admin", password)
    assert not check(header, "DESCRIBE", realm, {nonce}, "admin", "other")
    if scheme == "Digest":
        assert not check(header, "PLAY", realm, {nonce}, "admin", password)  # method is signed
        assert not check(header, "DESCRIBE", realm, {"another"}, "admin", password)
    assert not rtsp.Credentials("a", "b").learn(['Bearer realm="x"'])


async def test_messages_and_interleaved_frames_are_read_in_turn() -> None:
    reader = asyncio.StreamReader()
    answer = rtsp.response(200, "OK", "3", ("Content-Type", "application/sdp"), body=b"v=0\r\n")
    reader.feed_data(rtsp.interleave(0, b"\x80rtp") + answer.encode() + b"$\x01\x00")
    reader.feed_eof()
    frame = await rtsp.read_item(reader)
    assert frame == rtsp.Interleaved(0, b"\x80rtp")
    message = await rtsp.read_item(reader)
    assert isinstance(message, rtsp.Message)
    assert (message.status, message.header("cseq"), message.body) == (200, "3", b"v=0\r\n")
    with pytest.raises(rtsp.RtspProtocolError):
        await rtsp.read_item(reader)  # cut off inside a frame
    junk = asyncio.StreamReader()
    junk.feed_data(b"HTTP/1.1 200 OK\r\n\r\n")
    with pytest.raises(rtsp.RtspProtocolError, match="not an RTSP message"):
        await rtsp.read_item(junk)
