"""The Baichuan message header (all integers little-endian).

```
bytes  0..3   magic f0 de bc 0a
       4..7   cmd_id        which message (1 login, 31 alarm subscription, 33 alarm push ...)
       8..11  body_len      bytes after the header (extension + body)
      12      channel_id    250 host, channel + 1, 251 alarm push; also the BC XOR offset
      13..15  msg_num       sequence number; answers repeat bytes 12..15 of their request
      16..17  status        0 in requests, the answer's status code (200 ...); in the login
                            handshake 0xdcXX (encryption offered) / 0xddXX (encryption chosen)
      18..19  msg_class     0x6514 legacy / 0x6614 modern: 20-byte header;
                            0x6414 / 0x0000 modern: 24-byte header with
      20..23  payload_offset  length of the extension XML that precedes the body (0: none)
```
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from bridge.reolink.baichuan.const import HEADER_LENGTHS, MAGIC, MAX_BODY_LENGTH, MessageClass
from bridge.reolink.baichuan.errors import BaichuanProtocolError

SHORT_HEADER: Final = 20
LONG_HEADER: Final = 24
_OFFSET = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Header:
    cmd_id: int
    body_len: int = 0
    channel_id: int = 0
    msg_num: int = 0
    status: int = 0
    msg_class: int = MessageClass.MODERN_24
    payload_offset: int = 0

    def __post_init__(self) -> None:
        if self.msg_class not in HEADER_LENGTHS:
            raise ValueError(f"unknown Baichuan message class 0x{self.msg_class:04x}")
        for name, value, bits in (
            ("cmd_id", self.cmd_id, 32),
            ("body_len", self.body_len, 32),
            ("channel_id", self.channel_id, 8),
            ("msg_num", self.msg_num, 24),
            ("status", self.status, 16),
            ("payload_offset", self.payload_offset, 32),
        ):
            if not 0 <= value < 1 << bits:
                raise ValueError(f"{name} {value} does not fit in {bits} bits")

    @property
    def length(self) -> int:
        """Bytes of this header on the wire (20 or 24)."""
        return HEADER_LENGTHS[self.msg_class]

    @property
    def tag(self) -> tuple[int, int, int]:
        """What pairs an answer with its request: (cmd_id, channel_id, msg_num)."""
        return self.cmd_id, self.channel_id, self.msg_num

    def encode(self) -> bytes:
        head = (
            MAGIC
            + struct.pack("<IIB", self.cmd_id, self.body_len, self.channel_id)
            + self.msg_num.to_bytes(3, "little")
            + struct.pack("<HH", self.status, self.msg_class)
        )
        if self.length == LONG_HEADER:
            head += _OFFSET.pack(self.payload_offset)
        return head


def header_length(prefix: bytes) -> int | None:
    """The full header length announced by the first 20 bytes (None: not known yet).

    Raises BaichuanProtocolError when the bytes cannot start a Baichuan message.
    """
    if prefix[: len(MAGIC)] != MAGIC[: len(prefix)]:
        raise BaichuanProtocolError(f"bad Baichuan magic {prefix[:4].hex()}")
    if len(prefix) < SHORT_HEADER:
        return None
    msg_class = int.from_bytes(prefix[18:20], "little")
    length = HEADER_LENGTHS.get(msg_class)
    if length is None:
        raise BaichuanProtocolError(f"unknown Baichuan message class 0x{msg_class:04x}")
    return length


def decode_header(data: bytes, max_body: int = MAX_BODY_LENGTH) -> Header:
    """Parse a complete header (`data` holds at least `header_length(data)` bytes)."""
    length = header_length(data)
    if length is None or len(data) < length:
        raise BaichuanProtocolError("truncated Baichuan header")
    cmd_id, body_len, channel_id = struct.unpack_from("<IIB", data, 4)
    msg_num = int.from_bytes(data[13:16], "little")
    status, msg_class = struct.unpack_from("<HH", data, 16)
    payload_offset = _OFFSET.unpack_from(data, 20)[0] if length == LONG_HEADER else 0
    if body_len > max_body:
        raise BaichuanProtocolError(
            f"Baichuan message {cmd_id} announces {body_len} bytes (limit {max_body})"
        )
    if payload_offset > body_len:
        raise BaichuanProtocolError(
            f"Baichuan message {cmd_id}: payload offset {payload_offset} beyond {body_len} bytes"
        )
    return Header(cmd_id, body_len, channel_id, msg_num, status, msg_class, payload_offset)
