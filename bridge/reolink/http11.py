"""A small keep-alive HTTP/1.1 client on asyncio streams, for the JSON API's POSTs.

The camera's JSON API is one endpoint answering small bodies; a detection poll is one such request
a second per camera, forever. httpx spends ~2.5× an aiohttp request on it, and aiohttp itself is
most of the cost of a poll (bench/poll.py, docs/benchmarks.md), so the API's requests go through
this: one request at a time per connection, at most `max_connections` per device, idle
connections reused (keep-alive), bodies by `Content-Length`, `chunked` or read to EOF, each bounded
by `limit` bytes, one deadline per request (`timeout`), TLS with the client's verify semantics.

Every connection is checked first when `networks` is given (`bridge.reolink.network`): the
host is resolved once, every address checked, and the connection made to a checked address; the
Host header and the TLS SNI keep the name. Failures are `HttpError`s the client translates.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass
from typing import Final

import httpx

from bridge.reolink.network import AddressRefused, CameraNetworks

MAX_HEAD_BYTES: Final = 64 * 1024
"""Largest status line + headers accepted (a camera sends a few hundred bytes)."""

_CHUNK_LINE_MAX: Final = 1024


class HttpError(Exception):
    """A transport failure; `kind` says which (the client maps it to its error tree)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _fail(kind: str, message: str) -> HttpError:
    return HttpError(kind, message)


REFUSED: Final = "refused"  # the address check refused the host
CONNECT: Final = "connect"  # could not connect
TIMEOUT: Final = "timeout"  # no (complete) answer in time
DISCONNECTED: Final = "disconnected"  # the peer closed before answering
PROTOCOL: Final = "protocol"  # an answer, but not HTTP/1.x
TOO_LARGE: Final = "too_large"  # the body is past the caller's limit


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: dict[str, str]
    """Lower-cased names; a repeated header keeps its last value."""
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class Http11Client:
    """Keep-alive HTTP/1.1 to one `host:port` (plain or TLS). Safe for concurrent use."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        https: bool = False,
        verify_tls: bool = False,
        timeout: float,
        networks: CameraNetworks | None = None,
        max_connections: int = 4,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host.strip("[]")
        self.port = port
        self.timeout = timeout
        self._networks = networks
        self._ssl = (ssl_context or _ssl_context(verify_tls)) if https else None
        default = 443 if https else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        self._host_header = name if port == default else f"{name}:{port}"
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(max_connections)
        self._closed = False

    async def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        *,
        content_type: str = "application/json",
        limit: int,
    ) -> HttpReply:
        """Send one request (`target` = path and query) and read the whole answer."""
        if self._closed:
            raise _fail(CONNECT, "the client is closed")
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {self._host_header}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Accept: */*\r\nAccept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n"
        ).encode("latin-1")
        try:
            async with self._slots, asyncio.timeout(self.timeout):
                while self._idle:
                    conn = self._idle.pop()
                    if conn.reader.at_eof() or conn.writer.is_closing():
                        conn.close()  # the device hung up while it was idle
                        continue
                    reply = await self._exchange(conn, head + body, limit, reused=True)
                    if reply is not None:
                        return reply
                conn = await self._connect()
                reply = await self._exchange(conn, head + body, limit, reused=False)
                assert reply is not None
                return reply
        except TimeoutError:
            raise _fail(TIMEOUT, f"no answer within {self.timeout:g} s") from None

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()

    async def _connect(self) -> _Connection:
        hostname = self.host if self._ssl is not None else None
        if self._networks is None:
            addresses = [self.host]
        else:
            try:
                addresses = [str(a) for a in await self._networks.check(self.host, self.port)]
            except AddressRefused as err:
                raise _fail(REFUSED, str(err)) from None
        failure: OSError | None = None
        for address in addresses:
            try:
                reader, writer = await asyncio.open_connection(
                    address,
                    self.port,
                    limit=MAX_HEAD_BYTES,
                    ssl=self._ssl,
                    server_hostname=hostname,
                )
            except OSError as err:
                failure = err
                continue
            return _Connection(reader, writer)
        assert failure is not None
        text = failure.strerror or type(failure).__name__
        raise _fail(CONNECT, f"cannot connect ({text})") from None

    async def _exchange(
        self, conn: _Connection, data: bytes, limit: int, *, reused: bool
    ) -> HttpReply | None:
        """The reply, or None when a reused idle connection turned out closed (resend)."""
        reusable = False
        try:
            conn.writer.write(data)
            try:
                head = await conn.reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as err:
                if reused and not err.partial:
                    return None  # the device closed the idle connection: a new one
                raise _fail(DISCONNECTED, "disconnected without an answer") from None
            except asyncio.LimitOverrunError:
                raise _fail(PROTOCOL, "not an HTTP answer (head too large)") from None
            except ConnectionError:
                if reused:
                    return None
                raise _fail(DISCONNECTED, "disconnected without an answer") from None
            status, headers, keep = _parse_head(head)
            if status < 200:  # nothing asked for an interim answer (no Expect, no Upgrade)
                raise _fail(PROTOCOL, "not an HTTP answer (unexpected 1xx)")
            if status in (204, 304):
                body: bytes | None = b""  # no body, whatever the headers say
            else:
                body = await _read_body(conn.reader, headers, limit)
            if body is None:  # read to EOF: the connection is done
                keep = False
                body = await _read_to_eof(conn.reader, limit)
            reusable = keep
            return HttpReply(status, headers, body)
        except asyncio.IncompleteReadError:
            raise _fail(DISCONNECTED, "disconnected in the middle of the answer") from None
        except ConnectionError as err:
            raise _fail(DISCONNECTED, f"connection lost ({type(err).__name__})") from None
        except ValueError:  # a chunk-size line past the reader's limit
            raise _fail(PROTOCOL, "not an HTTP answer (line too long)") from None
        except ssl.SSLError as err:
            raise _fail(CONNECT, f"TLS failed ({err.reason or type(err).__name__})") from None
        finally:
            if reusable and not self._closed:
                self._idle.append(conn)
            else:
                conn.close()


def _parse_head(head: bytes) -> tuple[int, dict[str, str], bool]:
    """(status, headers, keep-alive); `PROTOCOL` for anything but an HTTP/1.x head."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or parts[0] not in ("HTTP/1.1", "HTTP/1.0") or not parts[1].isdigit():
        raise _fail(PROTOCOL, "not an HTTP answer")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _fail(PROTOCOL, "not an HTTP answer (bad header line)")
        headers[name.lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep = "keep-alive" in connection if parts[0] == "HTTP/1.0" else "close" not in connection
    return int(parts[1]), headers, keep


async def _read_body(
    reader: asyncio.StreamReader, headers: dict[str, str], limit: int
) -> bytes | None:
    """The body by `chunked` or `Content-Length`; None when it runs to EOF."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader, limit)
    declared = headers.get("content-length")
    if declared is None:
        return None
    if not declared.isdigit():
        raise _fail(PROTOCOL, "not an HTTP answer (bad Content-Length)")
    size = int(declared)
    if size > limit:
        raise _fail(TOO_LARGE, f"reply larger than {limit} bytes")
    return await reader.readexactly(size)


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = await reader.readline()
        if not line.endswith(b"\n") or len(line) > _CHUNK_LINE_MAX:
            if not line.endswith(b"\n"):
                raise asyncio.IncompleteReadError(line, None)
            raise _fail(PROTOCOL, "not an HTTP answer (bad chunk)")
        text = line.split(b";", 1)[0].strip()
        try:
            size = int(text, 16)
        except ValueError:
            raise _fail(PROTOCOL, "not an HTTP answer (bad chunk size)") from None
        if size < 0:
            raise _fail(PROTOCOL, "not an HTTP answer (bad chunk size)")
        if size == 0:
            while True:  # trailers, up to the empty line
                trailer = await reader.readline()
                if not trailer.endswith(b"\n"):
                    raise asyncio.IncompleteReadError(trailer, None)
                if trailer in (b"\r\n", b"\n"):
                    return b"".join(parts)
        total += size
        if total > limit:
            raise _fail(TOO_LARGE, f"reply larger than {limit} bytes")
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise _fail(PROTOCOL, "not an HTTP answer (bad chunk end)")


async def _read_to_eof(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while chunk := await reader.read(65536):
        total += len(chunk)
        if total > limit:
            raise _fail(TOO_LARGE, f"reply larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _ssl_context(verify: bool) -> ssl.SSLContext:
    """The TLS context httpx builds for the same `verify` (certifi's roots when verifying, no
    check at all when not: cameras ship self-signed certificates)."""
    return httpx.create_ssl_context(verify=verify, trust_env=False)
