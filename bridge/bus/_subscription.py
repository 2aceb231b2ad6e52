"""The consuming side of the Redis Streams bus: one task per subscription.

`RedisSubscription` holds what both kinds share (the task, the handler call, closing, stats);
`GroupConsumer` (bridge/buses/_group.py) is the default, one consumer of the group named after
the owner's kind, with acknowledgements and redelivery; `BroadcastConsumer`
(bridge/buses/_broadcast.py) reads every entry in every process, without a group.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from bridge.backoff import Backoff
from bridge.bus._common import _LOGGER, FIELD_BLOB, FIELD_INLINE, OutageLog, StreamConfig
from bridge.bus.codec import CodecError, decode
from bridge.bus.messages import BusMessage, Handler

Entry = tuple[bytes, dict[bytes, bytes] | None]


class _BlobMissing(Exception):
    """A large message's body expired (`blob_ttl`) before it was read."""


def _entries(response: Any) -> list[Entry]:
    """The entries of a one-stream XREAD/XREADGROUP answer (RESP2 list or RESP3 map)."""
    if not response:
        return []
    if isinstance(response, dict):
        streams = list(response.values())
        return list(streams[0][0]) if streams else []
    return list(response[0][1])


def _b(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


async def ensure_group(
    redis: aioredis.Redis, config: StreamConfig, group: str, start: bytes
) -> None:
    """Create consumer group `group` (and the stream) reading from `start`, unless it exists."""
    try:
        await redis.xgroup_create(config.stream, group, id=start, mkstream=True)
    except ResponseError as err:
        if not str(err).startswith("BUSYGROUP"):
            raise


class RedisSubscription:
    """What both kinds of subscription share: the task, the handler call, closing, stats."""

    def __init__(
        self,
        owner: str,
        handler: Handler,
        redis: aioredis.Redis,
        config: StreamConfig,
        ready: asyncio.Future[Any],
        on_close: Callable[[RedisSubscription], None],
    ) -> None:
        self.owner = owner
        self.handler = handler
        self._redis = redis
        self._config = config
        self._ready = ready
        self._on_close = on_close
        self._stopping = False
        self._handling = False
        self._held: OrderedDict[bytes, None] = OrderedDict()
        self._backoff = Backoff(config.reconnect_initial, config.reconnect_max)
        self._outage = OutageLog(f"bus subscriber {owner}")
        self._started = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.handled = 0
        self.failures = 0
        self.poisoned = 0
        self.reclaimed = 0
        self.dropped = 0
        self.expired = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._main(), name=f"bus:{self.owner}")

    async def wait_ready(self) -> None:
        """Return once the subscription reads (its group exists, its start is known)."""
        await self._started.wait()

    def stopping(self) -> bool:
        """Closed, or closing (a method: the flag changes while a call awaits)."""
        return self._stopping

    def close(self) -> None:
        """Unsubscribe: stop after the message being handled, if any (it is acknowledged)."""
        if self.stopping():
            return
        self._stopping = True
        self._on_close(self)
        if self.task is not None and not self._handling:
            self.task.cancel()

    async def wait_closed(self, grace: float) -> None:
        if self.task is None:
            return
        done, _ = await asyncio.wait({self.task}, timeout=grace)
        if not done:
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    def stats(self) -> dict[str, int]:
        return {
            "queued": len(self._held),
            "handled": self.handled,
            "failures": self.failures,
            "poisoned": self.poisoned,
            "reclaimed": self.reclaimed,
            "dropped": self.dropped,
            "expired": self.expired,
        }

    async def _main(self) -> None:
        try:
            await self._ready
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("bus subscriber %s cannot start", self.owner)
            return
        self._started.set()
        await self._loop()

    async def _loop(self) -> None:
        raise NotImplementedError

    async def settled(self, target: bytes | None) -> bool:
        """True when this subscription holds nothing and has seen up to entry `target`."""
        raise NotImplementedError

    async def _pause(self, err: BaseException) -> None:
        self._outage.failed(err)
        await asyncio.sleep(self._backoff.next_delay())

    def _ok(self) -> None:
        self._outage.recovered()
        self._backoff.reset()

    async def _decode(self, fields: dict[bytes, bytes]) -> BusMessage:
        raw = fields.get(FIELD_INLINE)
        if raw is None:
            key = fields.get(FIELD_BLOB)
            if key is None:
                raise CodecError(f"a stream entry without {FIELD_INLINE!r} or {FIELD_BLOB!r}")
            blob = await self._redis.get(key)
            if blob is None:
                raise _BlobMissing(key.decode(errors="replace"))
            raw = _b(blob)
        return decode(raw)

    async def _call(self, message: BusMessage, entry_id: bytes, delivery: int) -> bool:
        self._handling = True
        try:
            await self.handler(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failures += 1
            _LOGGER.exception(
                "bus subscriber %s failed on %s (entry %s, delivery %d of at most %d)",
                self.owner,
                type(message).__name__,
                entry_id.decode(),
                delivery,
                self._config.max_deliveries,
            )
            return False
        finally:
            self._handling = False
        return True
