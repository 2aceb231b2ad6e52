"""The two ways Baichuan hides its XML: the fixed-key XOR ("BC") and AES-128-CFB.

* BC: each byte is XORed with `XOR_KEY[(offset + i) % 8] ^ offset`, where the offset is the
  message's channel byte (header byte 12). Applying it twice gives the input back.
* AES: AES-128 in CFB mode with 128-bit feedback, the fixed IV `0123456789abcdef`, restarted for
  every part of every message (the extension and the body are encrypted separately). The key is
  the first 16 characters of the upper-case hex MD5 of `"<nonce>-<password>"`.

Logins never use AES (the key needs the nonce the login negotiates): the nonce reply, the login
and its answer are BC (or plain when neither side wants encryption).
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher as _AesCipher
from cryptography.hazmat.primitives.ciphers import algorithms

try:  # cryptography >= 47 keeps CFB with the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover - older cryptography
    from cryptography.hazmat.primitives.ciphers.modes import CFB

from bridge.reolink.baichuan.const import CHOICE_MARKER, OFFER_MARKER
from bridge.reolink.baichuan.errors import BaichuanProtocolError

XOR_KEY: Final = bytes((0x1F, 0x2D, 0x3C, 0x4B, 0x5A, 0x69, 0x78, 0xFF))
AES_IV: Final = b"0123456789abcdef"


class Encryption(IntEnum):
    """What protects the XML of a connection after the login (the device chooses)."""

    NONE = 0x00
    BC = 0x01
    AES = 0x02
    FULL_AES = 0x03
    """AES for the XML and for media payloads too; the same as AES for what we exchange."""


_OFFER_CODES: Final = {Encryption.NONE: 0x00, Encryption.BC: 0x01, Encryption.AES: 0x12}
"""Low byte of the nonce request for the best encryption a client accepts (0x12: AES)."""


def offer_status(best: Encryption) -> int:
    """The nonce request's status field offering `best` (FULL_AES is offered as AES)."""
    return OFFER_MARKER | _OFFER_CODES[min(best, Encryption.AES)]


def parse_offer(status: int) -> Encryption:
    """The best encryption a client's nonce request accepts."""
    if status & 0xFF00 != OFFER_MARKER:
        raise BaichuanProtocolError(f"not a Baichuan login offer: status 0x{status:04x}")
    code = status & 0xFF
    if code == 0x00:
        return Encryption.NONE
    if code == 0x01:
        return Encryption.BC
    return Encryption.AES


def choice_status(mode: Encryption) -> int:
    """The nonce reply's status field announcing `mode`."""
    return CHOICE_MARKER | int(mode)


def parse_choice(status: int) -> Encryption:
    """The encryption a device's nonce reply announces."""
    if status & 0xFF00 != CHOICE_MARKER:
        raise BaichuanProtocolError(f"not a Baichuan nonce reply: status 0x{status:04x}")
    code = status & 0xFF
    if code == 0x12:  # seen on some firmware for "AES including media"
        return Encryption.FULL_AES
    try:
        return Encryption(code)
    except ValueError:
        raise BaichuanProtocolError(f"unknown Baichuan encryption 0x{code:02x}") from None


def bc_xor(data: bytes, offset: int) -> bytes:
    """The BC obfuscation (its own inverse) with the message's channel byte as offset."""
    offset &= 0xFF
    start = offset % len(XOR_KEY)
    key = [k ^ offset for k in XOR_KEY[start:] + XOR_KEY[:start]]
    return bytes(byte ^ k for byte, k in zip(data, itertools.cycle(key), strict=False))


def md5_modern(text: str) -> str:
    """Upper-case hex MD5 cut to 31 characters: the firmware's C buffer keeps 31 and a NUL."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:31].upper()


def login_hashes(username: str, password: str, nonce: str) -> tuple[str, str]:
    """`userName` and `password` of the login: MD5 of each with the nonce appended."""
    return md5_modern(username + nonce), md5_modern(password + nonce)


def aes_key(nonce: str, password: str) -> bytes:
    """The session's AES key: 16 ASCII characters of the MD5 of `"<nonce>-<password>"`."""
    return md5_modern(f"{nonce}-{password}")[:16].encode("ascii")


def _aes(key: bytes) -> _AesCipher[CFB]:
    return _AesCipher(algorithms.AES(key), CFB(AES_IV))


def aes_encrypt(key: bytes, data: bytes) -> bytes:
    encryptor = _aes(key).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def aes_decrypt(key: bytes, data: bytes) -> bytes:
    decryptor = _aes(key).decryptor()
    return decryptor.update(data) + decryptor.finalize()


@dataclass(frozen=True, slots=True)
class Cipher:
    """How one side of a connection protects message parts (`key` is set for AES modes)."""

    mode: Encryption
    key: bytes | None = None

    def __post_init__(self) -> None:
        if self.mode in (Encryption.AES, Encryption.FULL_AES) and self.key is None:
            raise ValueError("AES needs the key derived from the login nonce")

    @classmethod
    def for_login(cls, mode: Encryption) -> Cipher:
        """What protects the login exchange itself: BC, unless nothing was negotiated."""
        return cls(Encryption.NONE if mode is Encryption.NONE else Encryption.BC)

    @classmethod
    def for_session(cls, mode: Encryption, nonce: str, password: str) -> Cipher:
        if mode in (Encryption.AES, Encryption.FULL_AES):
            return cls(mode, aes_key(nonce, password))
        return cls(mode)

    def seal(self, data: bytes, channel_id: int) -> bytes:
        """Encrypt one message part (extension or body)."""
        if not data or self.mode is Encryption.NONE:
            return data
        if self.key is None:
            return bc_xor(data, channel_id)
        return aes_encrypt(self.key, data)

    def open(self, data: bytes, channel_id: int) -> bytes:
        """Decrypt one message part."""
        if not data or self.mode is Encryption.NONE:
            return data
        if self.key is None:
            return bc_xor(data, channel_id)
        return aes_decrypt(self.key, data)
