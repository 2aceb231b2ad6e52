"""Signed stream URLs: a short-lived token in the query string for players that cannot send a
header (`<video>`, hls.js without `xhrSetup`, ffplay, VLC, Home Assistant's stream).

`rms_<payload>.<mac>`: the payload names the camera, the stream, the scope (`stream`: what the
URL opens), the expiry (Unix seconds) and the holder (the API token it was made for, or the admin
login's session version); the MAC is HMAC-SHA256 over the payload with a key derived from the
JWT key. The token is checked whenever a connection or a segment is opened:

- malformed, forged (MAC), expired, or its holder gone (the API token revoked, the admin's
  credentials changed) → 401;
- another camera, another stream, another scope → 403.

A URL signed for a holder stops working when the holder is revoked; an open FLV stream ends then
too (`bridge.api.stream_access`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from bridge.api.deps import SIGNED_PREFIX
from bridge.api.security import Authenticator, Principal

STREAM_SCOPE = "stream"
"""What a stream URL opens. Other media (snapshots, recordings) sign with scopes of their own,
so that one kind of URL never opens another."""
_KEY_LABEL = b"reolink-server signed media URLs v1"


class SignatureError(Exception):
    """The signed token does not hold; `status` is 401 (not valid) or 403 (not for this)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Grant:
    camera_id: str
    stream: str
    scope: str
    expires: int
    holder: str
    """`token:<id>` (an API token) or `admin:<session version>` (the admin's login)."""


def is_signed(token: str | None) -> bool:
    return bool(token) and token.startswith(SIGNED_PREFIX)  # type: ignore[union-attr]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    def __init__(
        self, jwt_key: bytes, auth: Authenticator, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = hmac.new(jwt_key, _KEY_LABEL, hashlib.sha256).digest()
        self._auth = auth
        self._clock = clock

    def holder(self, principal: Principal) -> str:
        if principal.kind == "token" and principal.token_id is not None:
            return f"token:{principal.token_id}"
        return f"admin:{self._auth.session_version}"

    def sign(
        self,
        principal: Principal,
        camera_id: str,
        stream: str,
        ttl: int,
        scope: str = STREAM_SCOPE,
    ) -> tuple[str, int]:
        """A token for `camera_id`/`stream` valid `ttl` seconds; returns it and its expiry (Unix
        seconds). A login's URL may outlive the login's short JWT, not the admin's credentials."""
        expires = int(self._clock()) + ttl
        grant = Grant(camera_id, stream, scope, expires, self.holder(principal))
        payload = "\n".join(
            (grant.camera_id, grant.stream, grant.scope, str(grant.expires), grant.holder)
        ).encode()
        return f"{SIGNED_PREFIX}{_b64(payload)}.{_b64(self._mac(payload))}", expires

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def decode(self, token: str) -> Grant:
        """The grant a token carries, if its MAC holds and it has not expired (else 401)."""
        body = token[len(SIGNED_PREFIX) :] if token.startswith(SIGNED_PREFIX) else ""
        payload_text, _, mac_text = body.partition(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise SignatureError("invalid signed URL") from None
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            raise SignatureError("invalid signed URL")
        parts = payload.decode("utf-8", errors="replace").split("\n")
        if len(parts) != 5 or not parts[3].isdigit():
            raise SignatureError("invalid signed URL")
        grant = Grant(parts[0], parts[1], parts[2], int(parts[3]), parts[4])
        if grant.expires <= self._clock():
            raise SignatureError("the signed URL has expired")
        return grant

    async def verify(self, token: str, camera_id: str, stream: str) -> Grant:
        """The grant, if it opens `camera_id`/`stream` and its holder still holds."""
        grant = self.decode(token)
        if grant.scope != STREAM_SCOPE:
            raise SignatureError(
                f"this signed URL opens {grant.scope!r}, not a live stream", status=403
            )
        if grant.camera_id != camera_id or grant.stream != stream:
            raise SignatureError(
                f"this signed URL is for {grant.camera_id}/{grant.stream}, "
                f"not {camera_id}/{stream}",
                status=403,
            )
        await self.check_holder(grant)
        return grant

    async def check_holder(self, grant: Grant) -> None:
        """401 when the token the URL was signed for is revoked (or the admin login ended)."""
        kind, _, ident = grant.holder.partition(":")
        if kind == "admin":
            if not hmac.compare_digest(ident, self._auth.session_version):
                raise SignatureError("the session has ended (the admin credentials changed)")
            return
        if kind != "token" or not await self._auth.token_active(ident):
            raise SignatureError("the token this URL was signed for has been revoked")
