"""The token lifecycle of one device: log in once, reuse the token, renew it before its lease ends.

* `Login` (`User {Version "0", userName, password}`) gives a token and a `leaseTime`.
* The token is renewed (Logout, then Login) when less than `RENEW_BEFORE` seconds, or for short
  leases less than `RENEW_FRACTION` of the lease, are left — so a healthy session never sees -6.
* A request answered -6 "please login first" (token dropped by the device) marks the token
  expired; the client then asks for a new one and retries once, invisibly to its caller.
* Login answered -5 "max session": log out the stale token if there is one, back off
  exponentially (capped), try again, and raise `BusyError` if the device still refuses.
* One login at a time (an `asyncio.Lock`); Logout only ever with a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from bridge.reolink.const import (
    LOGIN_BACKOFF_CAP,
    LOGIN_BACKOFF_START,
    LOGIN_BUSY_RETRIES,
    RENEW_BEFORE,
    RENEW_FRACTION,
)
from bridge.reolink.errors import MAX_SESSION_CODES, ProtocolError, ReolinkError, error_for
from bridge.reolink.wire import Reply, Request

_LOGGER = logging.getLogger(__name__)

Send = Callable[[Sequence[Request], "str | None"], Awaitable[list[Reply]]]
"""The client's raw exchange: POST these commands with this token (None: no token)."""


class Session:
    """Hands out a valid token; logs in, renews and logs out as needed."""

    def __init__(
        self,
        send: Send,
        username: str,
        password: str,
        *,
        busy_retries: int = LOGIN_BUSY_RETRIES,
        backoff: float = LOGIN_BACKOFF_START,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._username = username
        self._password = password
        self._busy_retries = busy_retries
        self._backoff = backoff
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._stale: str | None = None
        self._lease = 0.0
        self._expires = 0.0
        self.logins = 0
        """Successful logins so far (the first one included)."""

    def __repr__(self) -> str:
        state = "logged in" if self._token else "logged out"
        return f"<Session {self._username!r} {state}, {self.logins} logins>"

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    async def token(self) -> str:
        """A token that is valid for a while yet; logs in (or renews) first if needed."""
        token = self._token
        if token is not None and not self._due():
            return token
        async with self._lock:
            token = self._token
            if token is not None and not self._due():
                return token  # another task renewed it while we waited
            if token is not None:
                _LOGGER.debug("renewing the token of %s before its lease ends", self._username)
                self._token = None
                await self._logout(token)
            return await self._login()

    def expired(self, token: str) -> None:
        """The device answered -6 for `token`: forget it (if it is still the current one)."""
        if token == self._token:
            _LOGGER.debug("token of %s expired on the device", self._username)
            self._token = None
            self._stale = token

    async def close(self) -> None:
        """Log out, if logged in; never raises for a device that is already gone."""
        async with self._lock:
            token, self._token, self._stale = self._token, None, None
            if token is not None:
                await self._logout(token)

    def _due(self) -> bool:
        left = self._expires - self._clock()
        return left < min(RENEW_BEFORE, RENEW_FRACTION * self._lease)

    async def _login(self) -> str:
        login = Request(
            "Login",
            {"User": {"Version": "0", "userName": self._username, "password": self._password}},
        )
        delay = self._backoff
        for attempt in range(self._busy_retries + 1):
            sent_at = self._clock()
            answer = (await self._send([login], None))[0]
            if answer.ok:
                return self._accept(answer, sent_at)
            if answer.rsp_code not in MAX_SESSION_CODES or attempt == self._busy_retries:
                raise error_for(answer.rsp_code, answer.error, "Login")
            _LOGGER.info(
                "%s: no free session (%s); retrying the login in %.1f s",
                self._username,
                answer.rsp_code,
                delay,
            )
            stale, self._stale = self._stale, None
            if stale is not None:
                await self._logout(stale)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LOGIN_BACKOFF_CAP)
        raise AssertionError("unreachable")  # pragma: no cover

    def _accept(self, answer: Reply, sent_at: float) -> str:
        token = answer.value.get("Token")
        name = token.get("name") if isinstance(token, dict) else None
        if not isinstance(name, str) or not name:
            raise ProtocolError("Login answer without a token", cmd="Login")
        lease = token.get("leaseTime", 3600) if isinstance(token, dict) else 3600
        self._lease = float(lease) if isinstance(lease, int | float) and lease > 0 else 3600.0
        self._expires = sent_at + self._lease
        self._token, self._stale = name, None
        self.logins += 1
        _LOGGER.debug("%s logged in, lease %.0f s", self._username, self._lease)
        return name

    async def _logout(self, token: str) -> None:
        try:
            answer = (await self._send([Request("Logout")], token))[0]
        except ReolinkError as err:  # some firmwares answer Logout with garbage
            _LOGGER.debug("Logout failed: %s", err)
            return
        if not answer.ok:
            _LOGGER.debug("Logout refused: %s (%s)", answer.error, answer.rsp_code)
