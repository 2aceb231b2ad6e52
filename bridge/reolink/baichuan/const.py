"""Numbers of the Baichuan protocol (Reolink's native TCP protocol) that we use.

Facts from reading reolink_aio's `baichuan` package and neolink's protocol notes; see
docs/baichuan.md for the subset we implement.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

DEFAULT_PORT: Final = 9000
"""Where real devices listen (GetNetPort calls it `mediaPort`)."""

MAGIC: Final = bytes.fromhex("f0debc0a")
"""Every message starts with these four bytes (0x0abcdef0 little-endian)."""

MAX_BODY_LENGTH: Final = 128 * 1024
"""The largest body we accept. Devices refuse messages over ~40 000 bytes themselves and split
binary data (video, snapshots) into smaller messages, so anything bigger is garbage."""

HOST_CHANNEL: Final = 250
"""Channel byte of requests to the device itself (1..100 = channel + 1)."""

PUSH_CHANNEL: Final = 251
"""Channel byte of the alarm subscription; the device pushes alarms with the same bytes."""


class MessageId(IntEnum):
    """The `cmd_id` of the messages we send or answer."""

    LOGIN = 1
    LOGOUT = 2
    ALARM_SUBSCRIBE = 31
    ALARM_EVENT_LIST = 33
    LINK_TYPE = 93


class MessageClass(IntEnum):
    """Header bytes 18..19 (little-endian); they decide the header's length."""

    LEGACY = 0x6514
    """20 bytes; only the client's first login message (the nonce request) uses it."""
    MODERN_20 = 0x6614
    """20 bytes; the device's nonce reply."""
    MODERN_24 = 0x6414
    """24 bytes (with a payload offset); every other request."""
    REPLY_24 = 0x0000
    """24 bytes; every other answer and push from the device."""


HEADER_LENGTHS: Final[dict[int, int]] = {
    MessageClass.LEGACY: 20,
    MessageClass.MODERN_20: 20,
    MessageClass.MODERN_24: 24,
    MessageClass.REPLY_24: 24,
}

STATUS_OK: Final = 200
STATUS_BAD_REQUEST: Final = 400
"""A request the device cannot serve (unknown message, malformed body)."""
STATUS_UNAUTHORIZED: Final = 401
"""Wrong user name or password."""
STATUS_NOT_SUPPORTED: Final = 405
"""A message the device does not support (seen from firmware; others answer 400)."""
STATUS_ACCOUNT_DEVICE: Final = 406
"""Login refused because the device is bound to a Reolink cloud account ("account device")."""

LOGIN_REFUSED: Final = frozenset({STATUS_BAD_REQUEST, STATUS_UNAUTHORIZED, STATUS_ACCOUNT_DEVICE})
"""Answers to the login that mean "these credentials will not do" (older firmware says 400)."""

OFFER_MARKER: Final = 0xDC00
"""High byte of the nonce request's status field: the low byte is the best encryption offered."""

CHOICE_MARKER: Final = 0xDD00
"""High byte of the nonce reply's status field: the low byte is the encryption chosen."""
