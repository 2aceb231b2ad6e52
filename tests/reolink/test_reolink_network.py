"""The client never quotes a reply in an error, and with `networks` it connects only to checked
addresses: the one it resolved and checked (Host header and SNI keep the name)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from ipaddress import IPv4Address, IPv4Network

import pytest
from reolink_helpers import by_profile

from bridge.reolink import CameraRefusedError, ProtocolError, ReolinkClient, ReolinkError
from bridge.reolink.network import CameraNetworks, IPAddress, Resolver
from bridge.simulator import Simulator

SECRET = "internal-secret-7f3a"


def http_answer(body: str, content_type: str) -> str:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n{body}"
    )


ANSWERS = {
    "text": http_answer(SECRET, "text/plain"),
    "html": http_answer(f"<html>{SECRET}</html>", "text/html"),
    "json_not_replies": http_answer(f'["{SECRET}"]', "text/html"),
    "device_detail": http_answer(
        f'[{{"cmd": "Login", "code": 1, "error": {{"rspCode": -4, "detail": "{SECRET}"}}}}]',
        "text/html",
    ),
    "not_http": f"{SECRET} 200 OK\r\n\r\n",
}


class RawServer:
    """Answers every connection with fixed bytes and keeps the request heads it read."""

    def __init__(self, answer: str) -> None:
        self.answer = answer.encode()
        self.heads: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            self.heads.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1"))
            writer.write(self.answer)
            await writer.drain()
        writer.close()

    @contextlib.asynccontextmanager
    async def running(self, host: str = "127.0.0.1") -> AsyncIterator[RawServer]:
        self._server = await asyncio.start_server(self._serve, host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        async with self._server:
            yield self


@pytest.mark.parametrize("kind", list(ANSWERS))
async def test_no_error_quotes_what_the_device_sent(kind: str) -> None:
    async with RawServer(ANSWERS[kind]).running() as server:
        client = ReolinkClient("127.0.0.1", server.port, password="pw", timeout=2.0)
        async with client:
            with pytest.raises(ReolinkError) as caught:
                await client.get_capabilities()
    message = str(caught.value)
    assert SECRET not in message
    assert SECRET not in repr(caught.value.args)
    if kind in ("text", "html", "json_not_replies"):
        assert isinstance(caught.value, ProtocolError)
        assert "unexpected reply" in message
        kind_of_body = "text/plain" if kind == "text" else "text/html"
        assert f"bytes, {kind_of_body}" in message
    if kind == "not_http":
        assert "not an HTTP answer" in message
    if kind == "device_detail":
        assert "parameter error (-4)" in message


def scripted(answers: dict[str, list[IPAddress]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in answers:
            raise OSError(f"unknown host {host}")
        return list(answers[host])

    return resolve


async def test_the_client_connects_to_the_address_it_checked_and_keeps_the_name() -> None:
    names: dict[str, list[IPAddress]] = {"camera.test": [IPv4Address("127.0.0.1")]}
    networks = CameraNetworks([IPv4Network("127.0.0.1/32")], resolver=scripted(names))
    async with RawServer(ANSWERS["text"]).running() as server:
        client = ReolinkClient("camera.test", server.port, timeout=2.0, networks=networks)
        async with client:
            with pytest.raises(ProtocolError):  # it reached the server, which is not a camera
                await client.get_capabilities()
            # The OS cannot resolve camera.test: the connection went to the checked address.
            assert f"Host: camera.test:{server.port}" in server.heads[0]

            names["camera.test"] = [IPv4Address("127.0.0.2")]  # rebinding: a new connection
            with pytest.raises(CameraRefusedError, match=r"resolves to 127\.0\.0\.2"):
                await client.get_capabilities()
    assert len(server.heads) == 1


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "localhost", "0x7f.0.0.1"]
)
async def test_refused_addresses_are_never_contacted(sim: Simulator, host: str) -> None:
    device = by_profile(sim, "floodlight")
    before = sim.state(device.id)["requests"]
    networks = CameraNetworks([IPv4Network("127.0.0.2/32")])
    client = ReolinkClient(host, device.port, password=device.password, networks=networks)
    async with client:
        with pytest.raises(CameraRefusedError, match=r"security\.camera_networks"):
            await client.get_capabilities()
    assert sim.state(device.id)["requests"] == before
