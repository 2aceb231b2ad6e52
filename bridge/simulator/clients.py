"""Who talks to a simulated device: one entry per login session (token), with its request count.

A bridge instance polls a device with one token; two instances polling it show up as two
sessions with recent requests. Tests of several bridge instances read this (`/sim/stats`) to
prove that a camera is polled by exactly one of them at a time. Requests authenticated with
`user`/`password` in the query (Reolink's short session) count under one `user:<name>` entry.
Tokens themselves are never shown: a session is numbered in the order it was first seen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

MAX_CLIENTS = 64
"""Sessions remembered per device; the one idle longest is forgotten first."""


@dataclass
class Client:
    session: int
    requests: int = 0
    first: float = 0.0
    last: float = 0.0


class Clients:
    """Request counts per session of one device."""

    def __init__(self, limit: int = MAX_CLIENTS) -> None:
        self.limit = limit
        self._by_key: dict[str, Client] = {}
        self._sessions = 0

    def count(self, key: str) -> None:
        """One authenticated request by the session `key` (a token, or `user:<name>`)."""
        now = time.monotonic()
        client = self._by_key.get(key)
        if client is None:
            if len(self._by_key) >= self.limit:
                oldest = min(self._by_key, key=lambda k: self._by_key[k].last)
                del self._by_key[oldest]
            self._sessions += 1
            client = self._by_key[key] = Client(self._sessions, first=now)
        client.requests += 1
        client.last = now

    def active(self, within: float) -> int:
        """Sessions with a request in the last `within` seconds."""
        since = time.monotonic() - within
        return sum(1 for client in self._by_key.values() if client.last >= since)

    def snapshot(self) -> list[dict[str, Any]]:
        """Every session remembered: its number, requests, and seconds since its first and last
        request (`age`, `idle`)."""
        now = time.monotonic()
        return [
            {
                "session": c.session,
                "requests": c.requests,
                "age": round(now - c.first, 3),
                "idle": round(now - c.last, 3),
            }
            for c in sorted(self._by_key.values(), key=lambda c: c.session)
        ]

    def clear(self) -> None:
        self._by_key.clear()
