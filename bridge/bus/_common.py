"""What the Redis Streams bus's parts share: the keys, the tunables, the errors that mean
"Redis is away", and the wire format of one stream entry."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

_LOGGER = logging.getLogger("bridge.bus")

UNREACHABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)
"""Exceptions that mean Redis cannot be reached now: back off and try again."""

FIELD_INLINE = b"m"
"""Stream entry field holding the encoded message (`bridge.bus.codec` JSON)."""
FIELD_BLOB = b"b"
"""Stream entry field naming a key that holds a large encoded message (see `inline_limit`)."""


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Keys and tunables of one bus (one stream). See `RedisStreamsBus` for what each means."""

    stream: str
    dead_letters: str
    blob_prefix: str
    maxlen: int
    claim_idle: float
    max_deliveries: int
    block: float
    batch: int
    inline_limit: int
    blob_ttl: float
    consumer_expiry: float
    reconnect_initial: float
    reconnect_max: float
    ack_batch: int = 1
    dead_letters_maxlen: int = 1000

    @property
    def claim_idle_ms(self) -> int:
        return max(1, round(self.claim_idle * 1000))

    @property
    def block_ms(self) -> int:
        """A blocking read returns at least this often, so reclaiming runs on time."""
        return max(10, round(min(self.block, self.claim_idle / 2) * 1000))


def connect(url: str, *, block: float) -> aioredis.Redis:
    """A client that never decodes, retries a command once on a fresh connection (a stale
    pooled socket after a Redis restart) and leaves every other retry to the bus."""
    return aioredis.Redis.from_url(
        url,
        socket_timeout=block + 5.0,
        socket_connect_timeout=2.0,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


class OutageLog:
    """Log the first failure of an outage as a warning and the recovery once, not every retry."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.since: float | None = None

    def failed(self, err: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            _LOGGER.warning("%s: Redis unreachable (%s); retrying with backoff", self.what, err)

    def recovered(self) -> None:
        if self.since is not None:
            _LOGGER.info(
                "%s: Redis reachable again after %.1f s", self.what, time.monotonic() - self.since
            )
            self.since = None


def id_key(entry_id: bytes) -> tuple[int, int]:
    """A stream entry id (`<ms>-<seq>`) as a sortable pair."""
    ms, _, seq = entry_id.partition(b"-")
    return int(ms), int(seq or 0)
