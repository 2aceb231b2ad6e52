"""In-memory token buckets, one per key (client address, or token), for login and actuators.

A bucket holds up to `burst` tokens and refills `rate_per_minute` a minute; a request takes one
or is refused with the seconds until one is there. Buckets of idle keys are forgotten, so the
table stays small whatever the number of clients. One process's memory is the right scope: the
dispatcher's per-camera limit (MQTT bypasses HTTP) guards the cameras themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000
"""Buckets kept at most; past it, full (idle) buckets are forgotten first."""


class RateLimited(Exception):
    """Too many requests; `retry_after` seconds until the next one is allowed (HTTP 429)."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"too many {what} requests; retry in {max(1, round(retry_after))} s")
        self.retry_after = max(1, round(retry_after))


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(
        self,
        what: str,
        rate_per_minute: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, round(rate_per_minute / 6)))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0

    def hit(self, key: str) -> None:
        """Take one token for `key`, or raise `RateLimited`."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            self.refused += 1
            raise RateLimited(self.what, (1.0 - bucket.tokens) / self.rate)
        bucket.tokens -= 1.0

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < full}
        if len(self._buckets) >= MAX_KEYS:
            self._buckets.clear()
