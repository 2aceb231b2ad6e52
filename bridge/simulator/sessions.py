"""Login tokens of a simulated device: lease time and a session limit, like the firmware."""

from __future__ import annotations

import secrets
import time


class Sessions:
    """Tokens with a lease; at most ``max_sessions`` live at once (the next login gets -5)."""

    def __init__(self, lease_time: float = 3600.0, max_sessions: int = 20) -> None:
        if lease_time <= 0:
            raise ValueError("lease_time must be positive")
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self.lease_time = lease_time
        self.max_sessions = max_sessions
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.logins = 0

    def _purge(self) -> None:
        now = time.monotonic()
        for token in [t for t, exp in self._tokens.items() if exp <= now]:
            del self._tokens[token]

    def count(self) -> int:
        """Live (unexpired) sessions."""
        self._purge()
        return len(self._tokens)

    def login(self) -> str | None:
        """A new token, or None when the session limit is reached."""
        self._purge()
        if len(self._tokens) >= self.max_sessions:
            return None
        token = secrets.token_hex(8)[:15]
        self._tokens[token] = time.monotonic() + self.lease_time
        self.logins += 1
        return token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        expiry = self._tokens.get(token)
        if expiry is None:
            return False
        if expiry <= time.monotonic():
            del self._tokens[token]
            return False
        return True

    def logout(self, token: str) -> bool:
        return self._tokens.pop(token, None) is not None

    def clear(self) -> None:
        """Invalidate every token (token expiry, reboot)."""
        self._tokens.clear()

    @property
    def lease_seconds(self) -> int:
        """The ``leaseTime`` reported to clients (whole seconds, at least 1)."""
        return max(1, round(self.lease_time))
