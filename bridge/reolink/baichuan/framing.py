"""Whole Baichuan messages: building them and reading them off a stream, with a length bound.

A message is a header, then `payload_offset` bytes of extension XML (which channel a request is
for), then the body (XML, or binary data). Each part is encrypted on its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bridge.reolink.baichuan.const import MAX_BODY_LENGTH, MessageClass
from bridge.reolink.baichuan.crypto import Cipher, Encryption, bc_xor
from bridge.reolink.baichuan.errors import BaichuanConnectionClosed, BaichuanProtocolError
from bridge.reolink.baichuan.header import (
    LONG_HEADER,
    SHORT_HEADER,
    Header,
    decode_header,
    header_length,
)

XML_START = b"<?xml"


@dataclass(frozen=True, slots=True)
class Frame:
    """One message as received: its header and its two parts, still encrypted."""

    header: Header
    extension: bytes = b""
    body: bytes = b""

    def open_extension(self, cipher: Cipher) -> str:
        return open_xml(self.extension, cipher, self.header)

    def open_body(self, cipher: Cipher) -> str:
        return open_xml(self.body, cipher, self.header)


def open_xml(part: bytes, cipher: Cipher, header: Header) -> str:
    """Decrypt one XML part ('' when empty).

    Devices do not always encrypt as negotiated (some answer in BC on an AES session), so when
    the negotiated cipher does not produce XML, BC and plain text are tried before giving up.
    """
    if not part:
        return ""
    candidates = [cipher.open(part, header.channel_id)]
    if cipher.mode is not Encryption.BC:
        candidates.append(bc_xor(part, header.channel_id))
    candidates.append(part)
    for data in candidates:
        if data.lstrip().startswith(XML_START):
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                continue
    raise BaichuanProtocolError(
        f"Baichuan message {header.cmd_id}: the body is not XML under any known encryption"
    )


def build_frame(
    cmd_id: int,
    *,
    cipher: Cipher,
    channel_id: int = 0,
    msg_num: int = 0,
    status: int = 0,
    msg_class: int = MessageClass.MODERN_24,
    extension: str | bytes = b"",
    body: str | bytes = b"",
) -> bytes:
    """The bytes of one message; `extension` needs a 24-byte header class."""
    ext = extension.encode("utf-8") if isinstance(extension, str) else extension
    payload = body.encode("utf-8") if isinstance(body, str) else body
    ext = cipher.seal(ext, channel_id)
    payload = cipher.seal(payload, channel_id)
    header = Header(
        cmd_id,
        body_len=len(ext) + len(payload),
        channel_id=channel_id,
        msg_num=msg_num,
        status=status,
        msg_class=msg_class,
        payload_offset=len(ext),
    )
    if ext and header.length == SHORT_HEADER:
        raise ValueError("an extension needs a 24-byte header (message class 0x6414 or 0)")
    if header.body_len > MAX_BODY_LENGTH:
        raise ValueError(f"message body of {header.body_len} bytes over {MAX_BODY_LENGTH}")
    return header.encode() + ext + payload


async def read_frame(reader: asyncio.StreamReader, max_body: int = MAX_BODY_LENGTH) -> Frame:
    """Read exactly one message.

    Raises BaichuanProtocolError for bytes that are not a message (bad magic, unknown class,
    over `max_body`, or a message cut short by the end of the stream) and
    BaichuanConnectionClosed when the stream ends cleanly between two messages.
    """
    try:
        prefix = await reader.readexactly(SHORT_HEADER)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise BaichuanConnectionClosed("Baichuan connection closed") from None
        header_length(exc.partial)  # garbage is reported as such, not as a short read
        raise BaichuanProtocolError(
            f"truncated Baichuan message: the stream ended {len(exc.partial)} bytes into a header"
        ) from None
    try:
        length = header_length(prefix)
        if length == LONG_HEADER:
            prefix += await reader.readexactly(LONG_HEADER - SHORT_HEADER)
        header = decode_header(prefix, max_body)
        data = await reader.readexactly(header.body_len)
    except asyncio.IncompleteReadError as exc:
        missing = (exc.expected or 0) - len(exc.partial)
        raise BaichuanProtocolError(
            f"truncated Baichuan message: the stream ended {missing} bytes short"
        ) from None
    offset = header.payload_offset
    return Frame(header, data[:offset], data[offset:])
