"""The login handshake, client side.

1. nonce request: message 1, legacy 20-byte header, no body, status `0xdc00 | offer` where the
   offer is the best encryption the client accepts (0x00 none, 0x01 BC, 0x12 AES);
2. nonce reply: message 1, 20-byte header, status `0xdd00 | choice` (0 none, 1 BC, 2 AES,
   3 AES also for media), body `<Encryption><type>md5</type><nonce>…</nonce>` in BC;
3. login: message 1, 24-byte header, body `<LoginUser>` with `userName` = MD5(user + nonce) and
   `password` = MD5(password + nonce) (31 upper-case hex digits each), in BC;
4. answer: 200 with `<DeviceInfo>` (BC), or 401 (older firmware: 400) for wrong credentials.

After that the session's messages use the chosen encryption (AES with the key from the nonce).
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.reolink.baichuan.const import (
    HOST_CHANNEL,
    LOGIN_REFUSED,
    STATUS_ACCOUNT_DEVICE,
    STATUS_OK,
    MessageClass,
    MessageId,
)
from bridge.reolink.baichuan.crypto import (
    Cipher,
    Encryption,
    login_hashes,
    offer_status,
    parse_choice,
)
from bridge.reolink.baichuan.errors import BaichuanProtocolError, BaichuanStatusError
from bridge.reolink.baichuan.framing import Frame, build_frame
from bridge.reolink.baichuan.xmlbody import (
    DeviceInfo,
    login_document,
    parse_device_info,
    parse_nonce,
)
from bridge.reolink.errors import AuthenticationError


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What the nonce reply settled: the encryption and the nonce."""

    encryption: Encryption
    nonce: str


def nonce_request(offer: Encryption, msg_num: int, channel_id: int = HOST_CHANNEL) -> bytes:
    return build_frame(
        MessageId.LOGIN,
        cipher=Cipher(Encryption.NONE),
        channel_id=channel_id,
        msg_num=msg_num,
        status=offer_status(offer),
        msg_class=MessageClass.LEGACY,
    )


def read_nonce_reply(frame: Frame) -> Negotiated:
    header = frame.header
    if header.cmd_id != MessageId.LOGIN:
        raise BaichuanProtocolError(f"expected the nonce reply, got message {header.cmd_id}")
    if header.status & 0xFF00 != 0xDD00:
        # a status instead of an encryption choice: the device refused the handshake
        raise BaichuanStatusError(header.status, header.cmd_id)
    encryption = parse_choice(header.status)
    nonce = parse_nonce(frame.open_body(Cipher.for_login(encryption)))
    return Negotiated(encryption, nonce)


def login_request(
    username: str,
    password: str,
    negotiated: Negotiated,
    msg_num: int,
    channel_id: int = HOST_CHANNEL,
) -> bytes:
    user_hash, password_hash = login_hashes(username, password, negotiated.nonce)
    return build_frame(
        MessageId.LOGIN,
        cipher=Cipher.for_login(negotiated.encryption),
        channel_id=channel_id,
        msg_num=msg_num,
        body=login_document(user_hash, password_hash),
    )


def read_login_reply(frame: Frame, negotiated: Negotiated) -> DeviceInfo:
    """The device's answer to the login; wrong credentials raise AuthenticationError."""
    header = frame.header
    if header.cmd_id != MessageId.LOGIN:
        raise BaichuanProtocolError(f"expected the login answer, got message {header.cmd_id}")
    if header.status in LOGIN_REFUSED:
        reason = (
            "the device is bound to a Reolink cloud account, which blocks local logins"
            if header.status == STATUS_ACCOUNT_DEVICE
            else "wrong user name or password"
        )
        raise AuthenticationError(
            f"Baichuan login refused: {reason} (status {header.status})",
            rsp_code=header.status,
            detail=reason,
            cmd="Login",
        )
    if header.status != STATUS_OK:
        raise BaichuanStatusError(header.status, header.cmd_id)
    return parse_device_info(frame.open_body(Cipher.for_login(negotiated.encryption)))
