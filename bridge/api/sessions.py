"""The token behind a live connection (WebSocket, SSE), checked for as long as it stays open.

The app-wide dependency checks the token when the connection opens; after that, `LiveSession`:

- re-checks it on every inbound WebSocket message, before the message is acted on;
- re-checks it every `auth.session_recheck_seconds` (default 5) while the connection is open;
- ends a login JWT's session at its expiry (`exp`), to the second;
- is ended at once when this process revokes the token (`Authenticator.forget` →
  `LiveHub.end_sessions`). A revocation by another process (the CLI, another instance) is seen
  within `auth.token_cache_seconds` + `auth.session_recheck_seconds`.

A session may be renewed with a fresh token of the same holder (the WebSocket's
`{"auth": "<token>"}`): the dashboard sends its refreshed JWT before the old one expires.
While the store does not answer, a session keeps its last checked token and retries later
(nothing can be revoked without the store either).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bridge.api.live import LiveClient
from bridge.api.security import Authenticator, AuthError, Principal
from bridge.store import StoreError

_LOGGER = logging.getLogger(__name__)


class LiveSession:
    def __init__(
        self,
        auth: Authenticator,
        token: str,
        principal: Principal,
        *,
        recheck: float,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.principal = principal
        self.ended: str | None = None
        """Why the token no longer holds (the `AuthError` message); None while it does."""
        self._auth = auth
        self._token = token
        self._recheck = recheck
        self._clock = clock
        self._wall = wall
        self._next_check = clock() + recheck

    def seconds_left(self) -> float:
        """Seconds until the next check is due: the periodic one, or the JWT's expiry."""
        left = self._next_check - self._clock()
        if self.principal.expires_at is not None:
            left = min(left, self.principal.expires_at - self._wall())
        return max(0.0, left)

    def due(self) -> bool:
        return self.seconds_left() <= 0.0

    async def check(self) -> bool:
        """Authenticate the token again; False (and `ended` says why) when it no longer holds."""
        if self.ended is not None:
            return False
        try:
            self.principal = await self._auth.authenticate(self._token)
        except AuthError as err:
            self.ended = str(err)
            return False
        except StoreError as err:
            _LOGGER.warning("live session: cannot re-check its token now: %s", err)
        self._next_check = self._clock() + self._recheck
        return True

    async def renew(self, token: str) -> Principal:
        """Go on with `token` (same holder: a refreshed JWT); raises `AuthError` otherwise."""
        principal = await self._auth.authenticate(token)
        if not principal.same_holder(self.principal):
            raise AuthError("a renewal token must belong to the session's holder")
        self._token = token
        self.principal = principal
        self._next_check = self._clock() + self._recheck
        return principal


async def next_frames(
    client: LiveClient, session: LiveSession, wait: float | None = None
) -> list[str]:
    """The client's next frames, or [] after `wait` s (or when the next check is due).

    The session is checked whenever due; a client whose token no longer holds is closed
    ('unauthorized', with the reason in `client.detail`).
    """
    if session.due() and not await session.check():
        client.close("unauthorized", session.ended)
        return []
    left = session.seconds_left()
    return await client.next_batch(left if wait is None else min(wait, left))
