"""`Http11Client` against real loopback servers that answer byte for byte what each test says:
bodies by length, chunked and to EOF, keep-alive reuse, a closed idle connection, limits,
timeouts, garbage, TLS with and without verification, and the address check."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bridge.reolink.http11 import (
    CONNECT,
    DISCONNECTED,
    PROTOCOL,
    REFUSED,
    TIMEOUT,
    TOO_LARGE,
    Http11Client,
    HttpError,
)
from bridge.reolink.network import CameraNetworks

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMIT = 1024


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request's head and body (by its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, await reader.readexactly(length)


class Server:
    def __init__(self, answer: Callable[[int, bytes], bytes | None]) -> None:
        """`answer(request number, body)` → the raw bytes to send (None: close instead)."""
        self.answer = answer
        self.requests = 0
        self.connections = 0
        self.heads: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head, body = await read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.requests += 1
                self.heads.append(head)
                raw = self.answer(self.requests, body)
                if raw is None:
                    return
                writer.write(raw)
                await writer.drain()
        finally:
            writer.close()


@asynccontextmanager
async def serving(server: Server, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield listener.sockets[0].getsockname()[1]
    finally:
        listener.close()


def ok(body: bytes, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


async def test_content_length_and_keep_alive_reuse() -> None:
    server = Server(lambda n, body: ok(b"answer %d to " % n + body))
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        for n in (1, 2, 3):
            got = await client.request("POST", "/cgi-bin/api.cgi?cmd=X", b"hi", limit=LIMIT)
            assert (got.status, got.body) == (200, b"answer %d to hi" % n)
            assert got.content_type == "text/html"
        await client.aclose()
    assert server.connections == 1  # one kept-alive connection for all three
    head = server.heads[0].decode()
    assert head.startswith("POST /cgi-bin/api.cgi?cmd=X HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{port}\r\n" in head


async def test_chunked_body_with_extensions_and_trailers() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    server = Server(lambda n, body: raw)
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        for _ in range(2):
            got = await client.request("POST", "/", b"", limit=LIMIT)
            assert got.body == b"hello world"
        await client.aclose()
    assert server.connections == 1


async def test_body_to_eof_closes_the_connection() -> None:
    server = Server(lambda n, body: None)

    async def answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
        writer.close()

    server.handle = answer_then_close  # type: ignore[method-assign]
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        for _ in range(2):
            got = await client.request("POST", "/", b"", limit=LIMIT)
            assert got.body == b"until the end"
        await client.aclose()
    assert server.connections == 2  # no keep-alive without a length


async def test_idle_connection_closed_by_the_device_is_replaced() -> None:
    # The device announces keep-alive, answers once, then hangs up while the connection is idle.
    server = Server(lambda n, body: None)

    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        await read_request(reader)
        writer.write(ok(b"once"))
        await writer.drain()
        writer.close()

    server.handle = once  # type: ignore[method-assign]
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        for _ in range(3):
            got = await client.request("POST", "/", b"", limit=LIMIT)
            assert got.body == b"once"
            await asyncio.sleep(0.05)  # the close reaches us while the connection is idle
        await client.aclose()
    assert server.connections == 3


async def test_connection_close_header_is_honoured() -> None:
    server = Server(lambda n, body: ok(b"bye", "Connection: close\r\n"))
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        for _ in range(2):
            assert (await client.request("POST", "/", b"", limit=LIMIT)).body == b"bye"
        await client.aclose()
    assert server.connections == 2


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (ok(b"x" * (LIMIT + 1)), TOO_LARGE),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + b"x" * 2048, TOO_LARGE),
        (b"RTSP/1.0 200 OK\r\n\r\n", PROTOCOL),
        (b"\x00\x01garbage\r\n\r\n", PROTOCOL),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", PROTOCOL),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", PROTOCOL),
        (b"HTTP/1.1 200 OK\r\nX: " + b"y" * 70000 + b"\r\n\r\n", PROTOCOL),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", DISCONNECTED),
        (b"", DISCONNECTED),
    ],
    ids=[
        "length",
        "chunked",
        "rtsp",
        "garbage",
        "chunk-size",
        "bad-length",
        "huge-head",
        "cut",
        "none",
    ],
)
async def test_bad_answers_are_typed_errors(raw: bytes, kind: str) -> None:
    async def answer_and_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(raw)
        await writer.drain()
        writer.close()

    server = Server(lambda n, body: None)
    server.handle = answer_and_close  # type: ignore[method-assign]
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=2.0)
        with pytest.raises(HttpError) as caught:
            await client.request("POST", "/", b"", limit=LIMIT)
        await client.aclose()
    assert caught.value.kind == kind


async def test_timeout_and_refused_port() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    server = Server(lambda n, body: None)
    server.handle = silent  # type: ignore[method-assign]
    async with serving(server) as port:
        client = Http11Client("127.0.0.1", port, timeout=0.2)
        with pytest.raises(HttpError) as caught:
            await client.request("POST", "/", b"", limit=LIMIT)
        assert caught.value.kind == TIMEOUT
        await client.aclose()
    closed = Http11Client("127.0.0.1", port, timeout=2.0)
    with pytest.raises(HttpError) as caught:
        await closed.request("POST", "/", b"", limit=LIMIT)
    assert caught.value.kind == CONNECT


async def test_the_address_check_comes_first() -> None:
    server = Server(lambda n, body: ok(b"x"))
    async with serving(server) as port:
        allowed = CameraNetworks([ipaddress.ip_network("127.0.0.0/8")])
        client = Http11Client("localhost", port, timeout=2.0, networks=allowed)
        assert (await client.request("POST", "/", b"", limit=LIMIT)).body == b"x"
        await client.aclose()
        other = CameraNetworks([ipaddress.ip_network("10.0.0.0/8")])
        refused = Http11Client("127.0.0.1", port, timeout=2.0, networks=other)
        with pytest.raises(HttpError) as caught:
            await refused.request("POST", "/", b"", limit=LIMIT)
    assert caught.value.kind == REFUSED
    assert server.connections == 1
    assert f"Host: localhost:{port}\r\n" in server.heads[0].decode()  # the name, not the address


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "camera.local")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


async def test_tls_with_the_verify_semantics(tmp_path: Path) -> None:
    server = Server(lambda n, body: ok(b"secure"))
    async with serving(server, self_signed(tmp_path)) as port:
        # verify_tls=False (the default: cameras ship self-signed certificates) connects.
        lax = Http11Client("127.0.0.1", port, https=True, timeout=2.0)
        for _ in range(2):
            assert (await lax.request("POST", "/", b"", limit=LIMIT)).body == b"secure"
        await lax.aclose()
        # verify_tls=True refuses a certificate no trusted authority signed.
        strict = Http11Client("127.0.0.1", port, https=True, verify_tls=True, timeout=2.0)
        with pytest.raises(HttpError) as caught:
            await strict.request("POST", "/", b"", limit=LIMIT)
        assert caught.value.kind == CONNECT
        assert server.connections >= 1
