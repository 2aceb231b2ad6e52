"""Per-camera leases in Redis, so several bridge instances split one fleet between them.

A lease is one key, `<prefix>:lease:<name>`, whose value is the holder's token, set with
`SET NX PX ttl`: whoever set it owns the camera until it expires. The holder renews it well
before then (`renew`: compare the token, then `PEXPIRE`, in one Lua script) and gives it up on
a clean stop (`release`: compare, then `DEL`). A holder that dies stops renewing; after `ttl`
another instance takes the camera over. A holder that fails to renew (Redis away, a long pause)
must treat the lease as lost and stop driving the camera: `renew` returning False says so.

`LeaseKeeper` does this for a set of names and keeps the split fair: every instance announces
itself in `<prefix>:lease-instances` (a sorted set scored by last-seen time), takes at most
ceil(names / live instances) leases, and releases its surplus when another instance joins.

    keeper = LeaseKeeper(Leases(redis_url, "reolink", owner=instance_name), on_change=...)
    keeper.want({camera.id for camera in cameras})
    await keeper.start() ... await keeper.stop()   # stop releases every lease held

Wiring (composition root): build one `LeaseKeeper` when `redis.url` is set; the camera manager
polls only the cameras in `keeper.held`, starting one on `on_change(acquired=…)` and stopping
it on `on_change(lost=…)` (before anything else: another instance may own it already).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable

import redis.asyncio as aioredis

from bridge.bus._common import UNREACHABLE, connect
from bridge.bus.redis_streams import default_consumer_name

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTL = 15.0
"""Seconds a lease lives without renewal: how long a dead instance's cameras go unpolled."""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Leases:
    """Acquire, renew and release named leases as `owner` (default: host-pid-random)."""

    def __init__(
        self,
        url: str,
        key_prefix: str = "reolink",
        *,
        owner: str | None = None,
        ttl: float = DEFAULT_TTL,
    ) -> None:
        self.owner = owner or default_consumer_name()
        self.ttl = ttl
        self.key_prefix = key_prefix
        self._redis: aioredis.Redis = connect(url, block=0.0)
        self._renew = self._redis.register_script(_RENEW)
        self._release = self._redis.register_script(_RELEASE)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl * 1000))

    def key(self, name: str) -> str:
        return f"{self.key_prefix}:lease:{name}"

    async def acquire(self, name: str) -> bool:
        """Take the lease if nobody holds it (or we already do: then it is renewed)."""
        if await self._redis.set(self.key(name), self.owner, nx=True, px=self._ttl_ms):
            return True
        return await self.renew(name)

    async def renew(self, name: str) -> bool:
        """Extend our lease by `ttl`; False if it is not ours (expired, or taken over)."""
        return bool(await self._renew(keys=[self.key(name)], args=[self.owner, self._ttl_ms]))

    async def release(self, name: str) -> bool:
        """Give the lease up if it is ours."""
        return bool(await self._release(keys=[self.key(name)], args=[self.owner]))

    async def holder(self, name: str) -> str | None:
        value = await self._redis.get(self.key(name))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def heartbeat(self) -> int:
        """Say this instance is alive; return how many instances are (seen within `ttl`)."""
        key = f"{self.key_prefix}:lease-instances"
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {self.owner: now})
            pipe.zremrangebyscore(key, "-inf", now - self.ttl)
            pipe.zcard(key)
            results = await pipe.execute()
        return max(1, int(results[-1]))

    async def leave(self) -> None:
        await self._redis.zrem(f"{self.key_prefix}:lease-instances", self.owner)

    async def aclose(self) -> None:
        await self._redis.aclose()


ChangeCallback = Callable[[set[str], set[str]], None]
"""`on_change(acquired, lost)`: called after each round that changed what this instance holds."""


class LeaseKeeper:
    """Hold a fair share of the wanted leases, renewing every `ttl / 3` seconds."""

    def __init__(self, leases: Leases, *, on_change: ChangeCallback | None = None) -> None:
        self.leases = leases
        self.on_change = on_change
        self.held: set[str] = set()
        self._wanted: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    def want(self, names: Iterable[str]) -> None:
        """The names to share out (every instance should want the same set)."""
        self._wanted = set(names)

    async def start(self) -> None:
        await self.tick()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="leases")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.leases.ttl / 3)
            await self.tick()

    async def tick(self) -> None:
        """One round: renew, drop what is unwanted or surplus, take free ones up to the share."""
        before = set(self.held)
        try:
            instances = await self.leases.heartbeat()
            for name in sorted(self.held):
                if name not in self._wanted:
                    await self.leases.release(name)
                    self.held.discard(name)
                elif not await self.leases.renew(name):
                    self.held.discard(name)
            share = math.ceil(len(self._wanted) / instances) if self._wanted else 0
            for name in sorted(self.held, reverse=True)[: max(0, len(self.held) - share)]:
                await self.leases.release(name)  # surplus: another instance joined
                self.held.discard(name)
            for name in sorted(self._wanted - self.held):
                if len(self.held) >= share:
                    break
                if await self.leases.acquire(name):
                    self.held.add(name)
        except UNREACHABLE as err:
            # Without Redis nothing can be renewed: after ttl others may own these. Stop first.
            _LOGGER.warning(
                "leases: Redis unreachable (%s); giving up %d lease(s)", err, len(self.held)
            )
            self.held.clear()
        acquired, lost = self.held - before, before - self.held
        if (acquired or lost) and self.on_change is not None:
            self.on_change(acquired, lost)

    async def stop(self) -> None:
        """Stop renewing and release every lease held (others take over at once)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        lost = set(self.held)
        with contextlib.suppress(*UNREACHABLE):
            for name in sorted(self.held):
                await self.leases.release(name)
            await self.leases.leave()
        self.held.clear()
        if lost and self.on_change is not None:
            self.on_change(set(), lost)
