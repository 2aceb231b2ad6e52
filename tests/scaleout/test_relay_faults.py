"""The media relay when the owner answers garbage: the instance the client asked answers a clear
502 (the owner's answer is not HTTP, is cut off, or the connection is reset) or 504 (the owner
stays silent), never hangs, and releases its connection to the owner. An answer cut off after
its headers went out cannot change its status any more: the client's connection is broken off,
so that the client sees the body is incomplete instead of taking it for the whole.

The owner is a fake one: instance a's API is stopped (a keeps the camera's lease, and the
instance directory still names a's address) and a loopback server that misbehaves listens on
its port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from bridge.api import relay
from bridge.app import Bridge
from scaleout.conftest import CAMERAS
from scaleout.rig import Fleet, client, token

SILENCE = 1.0
"""The relay's read timeout in these tests (60 s in service)."""

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n\r\n"


@dataclass
class FakeOwner:
    """Answers every connection as `mode` says; records whether the relay closed its side."""

    mode: str
    port: int
    connections: int = 0
    released: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await reader.readuntil(b"\r\n\r\n")  # the relayed request's head
            if self.mode == "reset":  # an RST, no answer
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if self.mode == "garbage":
                writer.write(b"\x00\x17 not an HTTP answer at all \xff\xfe\r\n\r\n")
            elif self.mode == "cut-head":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Ty")
            elif self.mode in ("cut-body", "stall-body"):
                writer.write(HEADERS + b"\xff\xd8" + b"x" * 98)
            elif self.mode == "cut-chunked":  # a live stream's answer: no length to fall short of
                writer.write(CHUNKED + b"64\r\n\xff\xd8" + b"x" * 98 + b"\r\n")
            await writer.drain()
            if self.mode in ("silent", "stall-body"):
                # wait for the relay to give up: it must close its side
                if await reader.read() == b"":
                    self.released += 1
                return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)


@contextlib.asynccontextmanager
async def fake_owner(bridges: Fleet, mode: str) -> AsyncIterator[tuple[Bridge, str, FakeOwner]]:
    """(the instance to ask, a camera a runs, the fake owner listening on a's API port)."""
    a, b, theirs = await bridges.pair(len(CAMERAS))
    assert a.api is not None
    host, port = a.api.host, a.api.port
    await a.api.stop()  # a still holds the lease; its address now answers as `mode` says
    owner = FakeOwner(mode, port)
    server = await asyncio.start_server(owner.serve, host, port, reuse_address=True)
    try:
        yield b, theirs, owner
    finally:
        server.close()
        for task in list(owner._tasks):
            task.cancel()
        await server.wait_closed()


def _open_to(port: int) -> list[str]:
    """This host's TCP connections to `port` that are not closed on our side (established, or
    closed by the peer and not by us: CLOSE_WAIT)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                remote, state = fields[2], fields[3]
                if int(remote.rsplit(":", 1)[1], 16) == port and state in ("01", "08"):
                    found.append(row.strip())
    return found


async def _released(port: int) -> None:
    async with asyncio.timeout(5):
        while _open_to(port):
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", ["garbage", "cut-head", "reset"])
async def test_an_owner_answering_garbage_gives_502(bridges: Fleet, mode: str) -> None:
    async with fake_owner(bridges, mode) as (b, camera, owner):
        api_token = await token(b)
        async with client(b, api_token) as http:
            async with asyncio.timeout(10):  # never hangs
                answer = await http.get(f"/cameras/{camera}/snapshot")
        assert answer.status_code == 502, answer.text
        assert "(a)" in answer.json()["detail"]
        assert "gave an invalid answer" in answer.json()["detail"]
        assert owner.connections >= 1
        await _released(owner.port)


async def test_an_owner_that_stays_silent_gives_504(
    bridges: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay, "READ_TIMEOUT", SILENCE)
    async with fake_owner(bridges, "silent") as (b, camera, owner):
        api_token = await token(b)
        async with client(b, api_token) as http:
            async with asyncio.timeout(SILENCE + 10):
                answer = await http.get(f"/cameras/{camera}/snapshot")
        assert answer.status_code == 504, answer.text
        assert "(a)" in answer.json()["detail"]
        assert "did not answer" in answer.json()["detail"]
        async with asyncio.timeout(5):
            while owner.released < 1:
                await asyncio.sleep(0.05)
        await _released(owner.port)


@pytest.mark.parametrize("mode", ["cut-body", "cut-chunked", "stall-body"])
async def test_an_answer_cut_off_midway_breaks_the_clients_connection(
    bridges: Fleet, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The status (200) and 100 of the 1000 bytes announced went out: the client must not get
    a complete-looking answer, nor wait for the rest forever."""
    monkeypatch.setattr(relay, "READ_TIMEOUT", SILENCE)
    async with fake_owner(bridges, mode) as (b, camera, owner):
        api_token = await token(b)
        async with client(b, api_token) as http:
            async with asyncio.timeout(SILENCE + 10):
                async with http.stream("GET", f"/cameras/{camera}/snapshot") as answer:
                    assert answer.status_code == 200
                    received: list[bytes] = []
                    with pytest.raises(httpx.RemoteProtocolError):
                        await _read_into(answer, received)
        assert b"".join(received).startswith(b"\xff\xd8")
        assert len(b"".join(received)) == 100
        if mode == "stall-body":
            async with asyncio.timeout(5):
                while owner.released < 1:
                    await asyncio.sleep(0.05)
        await _released(owner.port)


async def _read_into(answer: httpx.Response, received: list[bytes]) -> None:
    async for chunk in answer.aiter_raw():
        received.append(chunk)
