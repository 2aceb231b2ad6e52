"""RTSP on the wire (RFC 2326): messages, interleaved RTP/RTCP frames, Basic and Digest auth.

Shared by the bridge's loopback relay (`bridge.media.rtsp_relay`, which adds the camera's
credentials so that ffmpeg's command line never holds them) and the simulator's RTSP server.
Over TCP a connection carries RTSP messages and `$`-framed binary data (RFC 2326 §10.12)
interleaved; `read_item` returns whichever comes next.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field

MAX_HEAD = 16 * 1024
"""Bytes of a message's start line and headers, at most."""
MAX_BODY = 256 * 1024
"""Bytes of a message's body (an SDP), at most."""
VERSION = "RTSP/1.0"

_PARAM = re.compile(r'([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')


class RtspProtocolError(Exception):
    """The peer sent something that is not RTSP (or too much of it)."""


@dataclass(slots=True)
class Message:
    """An RTSP request (`DESCRIBE rtsp://… RTSP/1.0`) or response (`RTSP/1.0 200 OK`)."""

    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_response(self) -> bool:
        return self.start.startswith("RTSP/")

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0]

    @property
    def url(self) -> str:
        parts = self.start.split(" ")
        return parts[1] if len(parts) > 2 else ""

    @property
    def status(self) -> int:
        parts = self.start.split(" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def set(self, name: str, value: str) -> None:
        """Replace every `name` header by one (or add it)."""
        wanted = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != wanted]
        self.headers.append((name, value))

    def encode(self) -> bytes:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        if self.body:
            headers.append(("Content-Length", str(len(self.body))))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers)
        return f"{self.start}\r\n{head}\r\n".encode() + self.body


def request(method: str, url: str, cseq: int, *headers: tuple[str, str]) -> Message:
    return Message(f"{method} {url} {VERSION}", [("CSeq", str(cseq)), *headers])


def response(
    status: int, reason: str, cseq: str | None, *headers: tuple[str, str], body: bytes = b""
) -> Message:
    first = [("CSeq", cseq)] if cseq is not None else []
    return Message(f"{VERSION} {status} {reason}", [*first, *headers], body)


@dataclass(frozen=True, slots=True)
class Interleaved:
    """A `$`-framed packet: RTP (even channel) or RTCP (odd channel) over the RTSP connection."""

    channel: int
    payload: bytes

    def encode(self) -> bytes:
        return interleave(self.channel, self.payload)


def interleave(channel: int, payload: bytes) -> bytes:
    return b"$" + bytes((channel,)) + len(payload).to_bytes(2, "big") + payload


async def read_item(reader: asyncio.StreamReader) -> Message | Interleaved | None:
    """The next message or interleaved packet; None at a clean end of the connection."""
    try:
        first = await reader.readexactly(1)
    except asyncio.IncompleteReadError:
        return None
    try:
        if first == b"$":
            head = await reader.readexactly(3)
            return Interleaved(head[0], await reader.readexactly(int.from_bytes(head[1:], "big")))
        try:
            raw = first + await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise RtspProtocolError("RTSP headers too long") from None
        if len(raw) > MAX_HEAD:
            raise RtspProtocolError("RTSP headers too long")
        lines = raw.decode("utf-8", errors="replace").split("\r\n")
        if not (lines[0].startswith(VERSION) or lines[0].endswith(VERSION)):
            raise RtspProtocolError("not an RTSP message")
        message = Message(lines[0])
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise RtspProtocolError("a header line without a colon")
            message.headers.append((name.strip(), value.strip()))
        length = message.header("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            raise RtspProtocolError("bad Content-Length")
        message.body = await reader.readexactly(int(length))
    except asyncio.IncompleteReadError:
        raise RtspProtocolError("the connection ended inside a message") from None
    return message


# -- authentication ---------------------------------------------------------------------------


def auth_params(value: str) -> tuple[str, dict[str, str]]:
    """(scheme in lower case, parameters) of a `WWW-Authenticate` or `Authorization` value."""
    scheme, _, rest = value.strip().partition(" ")
    params = {}
    for key, raw in _PARAM.findall(rest):
        params[key.lower()] = raw[1:-1].replace('\\"', '"') if raw.startswith('"') else raw
    return scheme.lower(), params


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_response(
    params: dict[str, str],
    method: str,
    uri: str,
    username: str,
    password: str,
    *,
    nc: str = "",
    cnonce: str = "",
) -> str:
    """RFC 2617's `response` (MD5; with `qop=auth` when the challenge asked for it)."""
    ha1 = _md5(f"{username}:{params.get('realm', '')}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    nonce = params.get("nonce", "")
    if params.get("qop"):
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


@dataclass(slots=True)
class Credentials:
    """Answers a server's challenge for every request that follows (client side)."""

    username: str
    password: str
    challenge: tuple[str, dict[str, str]] | None = None
    count: int = 0

    def learn(self, challenges: list[str]) -> bool:
        """Take the strongest challenge offered (Digest over Basic); False if none fits."""
        parsed = [auth_params(c) for c in challenges]
        chosen = next((p for p in parsed if p[0] == "digest"), None) or next(
            (p for p in parsed if p[0] == "basic"), None
        )
        if chosen is None:
            return False
        self.challenge = chosen
        return True

    def authorization(self, method: str, uri: str) -> str | None:
        if self.challenge is None:
            return None
        scheme, params = self.challenge
        if scheme == "basic":
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return f"Basic {token}"
        self.count += 1
        nc, cnonce = f"{self.count:08x}", secrets.token_hex(8)
        answer = digest_response(
            params, method, uri, self.username, self.password, nc=nc, cnonce=cnonce
        )
        fields = [
            f'username="{self.username}"',
            f'realm="{params.get("realm", "")}"',
            f'nonce="{params.get("nonce", "")}"',
            f'uri="{uri}"',
            f'response="{answer}"',
        ]
        if params.get("qop"):
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        if "opaque" in params:
            fields.append(f'opaque="{params["opaque"]}"')
        return "Digest " + ", ".join(fields)


def check_authorization(
    value: str | None, method: str, realm: str, nonces: set[str], username: str, password: str
) -> bool:
    """Whether an `Authorization` header proves `username:password` (server side): Basic, or
    Digest over one of the `nonces` this server handed out."""
    if not value:
        return False
    scheme, params = auth_params(value)
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.split(" ", 1)[1], validate=True).decode()
        except (ValueError, IndexError):
            return False
        return secrets.compare_digest(decoded.encode(), f"{username}:{password}".encode())
    if scheme != "digest" or params.get("nonce") not in nonces:
        return False
    if params.get("username") != username or params.get("realm") != realm:
        return False
    expected = digest_response(
        {"realm": realm, "nonce": params["nonce"], "qop": params.get("qop", "")},
        method,
        params.get("uri", ""),
        username,
        password,
        nc=params.get("nc", ""),
        cnonce=params.get("cnonce", ""),
    )
    return secrets.compare_digest(expected.encode(), params.get("response", "").encode())
