"""Who may call the API: the admin's login (short JWT + refresh JWT) and hashed API tokens.

- The admin password from the config is hashed with Argon2 (pwdlib) at start and the clear text
  is dropped; a login verifies against the hash in a worker thread (Argon2 is deliberately slow).
- Access and refresh tokens are HS256 JWTs (`sub`, `typ`, `iat`, `exp`, `jti`, `sv`, `sid`). `sv`
  is a keyed fingerprint of the admin's name and password, so changing either ends every session.
  `sid` names the login session (kept by refreshes); a logout ends it (`bridge.api.logouts`).
  The signing key is `auth.jwt_secret`, else a random key kept in `<data_dir>/jwt.key` (0600).
- API tokens are `rbt_` + 32 random bytes (url-safe base64), shown once. The store keeps their
  SHA-256 (a fast hash is right for a high-entropy secret; it is looked up by hash). A checked
  token is trusted for `auth.token_cache_seconds` without asking the store again. Each token has a
  scope (`bridge.api.scopes`); the admin's login has `admin`.
- Revoking a token here (`forget`) tells the listeners at once (the live hub ends its sessions).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bridge.api.logouts import EndedSessions
from bridge.config import AuthSettings
from bridge.store import ApiTokenRecord, Store, TokenScope

TOKEN_PREFIX = "rbt_"
JWT_KEY_FILE = "jwt.key"
JWT_ALGORITHM = "HS256"
TOUCH_EVERY = 60.0
"""Seconds between two `last_used_at` writes for one token (not one write per request)."""

SCOPES: tuple[TokenScope, ...] = get_args(TokenScope)
"""From the narrowest to the widest (`bridge.api.scopes` says what each may)."""
DEFAULT_TOKEN_SCOPE: TokenScope = SCOPES[0]
"""The scope of a new API token when none is asked for: least privilege, the narrowest."""

PrincipalKind = Literal["admin", "token"]
TokenType = Literal["access", "refresh"]


class AuthError(Exception):
    """The credentials are missing, wrong, expired or revoked (the API answers 401)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request: the admin (login) or an API token, and what it may do."""

    kind: PrincipalKind
    name: str
    token_id: str | None = None
    scope: TokenScope = "admin"
    expires_at: float | None = None
    """When the credential stops working (a JWT's `exp`, Unix seconds); None: until revoked."""

    def same_holder(self, other: Principal) -> bool:
        """Both are the same credential holder (a renewed JWT, the same API token)."""
        return (self.kind, self.name, self.token_id) == (other.kind, other.name, other.token_id)

    @property
    def who(self) -> str:
        """For the command audit and acknowledgements."""
        return f"token:{self.name}" if self.kind == "token" else self.name

    @property
    def key(self) -> str:
        """The rate-limit key."""
        return f"token:{self.token_id}" if self.kind == "token" else f"admin:{self.name}"


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class NewApiToken:
    record: ApiTokenRecord
    secret: str


def hash_api_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_token(name: str, scope: TokenScope = DEFAULT_TOKEN_SCOPE) -> NewApiToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiTokenRecord(
        id=secrets.token_hex(6),
        name=name,
        token_hash=hash_api_token(secret),
        created_at=datetime.now(UTC),
        scope=scope,
    )
    return NewApiToken(record, secret)


async def create_api_token(
    store: Store, name: str, scope: TokenScope = DEFAULT_TOKEN_SCOPE
) -> NewApiToken:
    """Make a token and store its hash; the secret is returned once and kept nowhere."""
    token = new_api_token(name, scope)
    await store.add_token(token.record)
    return token


def load_jwt_key(settings: AuthSettings, data_dir: Path) -> bytes:
    """`auth.jwt_secret`, else `<data_dir>/jwt.key` (made on first use, mode 0600)."""
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        return settings.jwt_secret.get_secret_value().encode("utf-8")
    path = data_dir / JWT_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


class Authenticator:
    """Checks logins, issues and verifies JWTs, verifies API tokens against the store."""

    def __init__(
        self,
        settings: AuthSettings,
        store: Store,
        key: bytes,
        *,
        logouts: EndedSessions | None = None,
        clock: Any = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self._key = key
        self._logouts = logouts
        self._clock = clock
        self._hasher = PasswordHash((Argon2Hasher(),))
        password = settings.admin_password.get_secret_value() if settings.admin_password else ""
        self._admin_hash: str | None = self._hasher.hash(password) if password else None
        # A hash of nothing in particular, so a login for an unknown user costs the same time.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._session_version = hmac.new(
            key, f"{settings.admin_username}\0{password}".encode(), hashlib.sha256
        ).hexdigest()[:16]
        self._token_cache: dict[str, tuple[Principal, float]] = {}
        self._touched: dict[str, float] = {}
        self._active_cache: dict[str, tuple[bool, float]] = {}
        self._revocation_listeners: list[Callable[[str], None]] = []

    @property
    def login_enabled(self) -> bool:
        return self._admin_hash is not None

    # -- login and JWTs --------------------------------------------------------------------------

    async def login(self, username: str, password: str) -> IssuedTokens:
        if self._admin_hash is None:
            raise AuthError("login is disabled: no auth.admin_password is configured")
        known = hmac.compare_digest(username.encode(), self.settings.admin_username.encode())
        target = self._admin_hash if known else self._dummy_hash
        ok = await asyncio.to_thread(self._hasher.verify, password, target)
        if not (ok and known):
            raise AuthError("wrong username or password")
        return self.issue(self.settings.admin_username)

    def issue(self, subject: str, session: str | None = None) -> IssuedTokens:
        """A token pair for a new login session, or for `session` (a refresh)."""
        sid = session or uuid.uuid4().hex
        return IssuedTokens(
            access_token=self._jwt(subject, "access", self.settings.jwt_ttl_seconds, sid),
            refresh_token=self._jwt(subject, "refresh", self.settings.refresh_ttl_seconds, sid),
            expires_in=self.settings.jwt_ttl_seconds,
        )

    def refresh(self, refresh_token: str) -> IssuedTokens:
        claims = self._decode(refresh_token, "refresh")
        sid = claims.get("sid")
        return self.issue(str(claims["sub"]), sid if isinstance(sid, str) else None)

    def logout(self, refresh_token: str) -> None:
        """End the refresh token's login session: none of its JWTs works any more."""
        claims = self._decode(refresh_token, "refresh")
        sid = claims.get("sid")
        if not isinstance(sid, str) or self._logouts is None:
            raise AuthError("this session cannot be ended: it has no session id")
        self._logouts.end(sid, float(claims["exp"]))

    def _jwt(self, subject: str, kind: TokenType, ttl: int, sid: str) -> str:
        now = datetime.fromtimestamp(self._clock(), UTC)
        claims = {
            "sub": subject,
            "typ": kind,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            "jti": uuid.uuid4().hex,
            "sv": self._session_version,
            "sid": sid,
        }
        return jwt.encode(claims, self._key, algorithm=JWT_ALGORITHM)

    def _decode(self, token: str, kind: TokenType) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[JWT_ALGORITHM],
                options={"require": ["sub", "exp", "iat", "typ"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None
        if claims.get("typ") != kind:
            raise AuthError(f"not an {kind} token" if kind == "access" else f"not a {kind} token")
        if claims.get("sv") != self._session_version or claims.get("sub") != (
            self.settings.admin_username
        ):
            raise AuthError("the session has ended (the admin credentials changed)")
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= self._clock():
            raise AuthError("the token has expired")
        sid = claims.get("sid")
        if isinstance(sid, str) and self._logouts is not None and self._logouts.ended(sid):
            raise AuthError("the session has ended (logged out)")
        return claims

    # -- any bearer token ------------------------------------------------------------------------

    async def authenticate(self, token: str | None) -> Principal:
        """The principal for a bearer token (a JWT or an API token); raises `AuthError`."""
        if not token:
            raise AuthError("not authenticated: send 'Authorization: Bearer <token>'")
        if token.startswith(TOKEN_PREFIX):
            return await self._api_token(token)
        claims = self._decode(token, "access")
        return Principal("admin", str(claims["sub"]), expires_at=float(claims["exp"]))

    async def _api_token(self, secret: str) -> Principal:
        token_hash = hash_api_token(secret)
        now = time.monotonic()
        cached = self._token_cache.get(token_hash)
        if cached is not None and cached[1] > now:
            return cached[0]
        record = await self.store.find_token(token_hash)
        if record is None or not hmac.compare_digest(record.token_hash, token_hash):
            raise AuthError("invalid token")
        if record.revoked_at is not None:
            raise AuthError("the token has been revoked")
        principal = Principal("token", record.name, record.id, scope=record.scope)
        if self.settings.token_cache_seconds > 0:
            if len(self._token_cache) > 10_000:
                self._token_cache.clear()
            self._token_cache[token_hash] = (principal, now + self.settings.token_cache_seconds)
        if now - self._touched.get(record.id, -TOUCH_EVERY) >= TOUCH_EVERY:
            self._touched[record.id] = now
            await self.store.touch_token(record.id, datetime.now(UTC))
        return principal

    @property
    def session_version(self) -> str:
        """The admin credentials' fingerprint (`sv` of the login JWTs)."""
        return self._session_version

    async def token_active(self, token_id: str) -> bool:
        """Whether the API token `token_id` exists and is not revoked (cached like tokens)."""
        now = time.monotonic()
        cached = self._active_cache.get(token_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        record = next((t for t in await self.store.list_tokens() if t.id == token_id), None)
        active = record is not None and record.revoked_at is None
        if self.settings.token_cache_seconds > 0:
            if len(self._active_cache) > 10_000:
                self._active_cache.clear()
            self._active_cache[token_id] = (active, now + self.settings.token_cache_seconds)
        return active

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        """Call `listener(token_id)` whenever this process revokes a token (`forget`)."""
        self._revocation_listeners.append(listener)

    def forget(self, token_id: str) -> None:
        """A token was revoked: drop it from the cache and tell the listeners, at once."""
        self._token_cache = {
            key: value for key, value in self._token_cache.items() if value[0].token_id != token_id
        }
        self._active_cache.pop(token_id, None)
        for listener in self._revocation_listeners:
            listener(token_id)
