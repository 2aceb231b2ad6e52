"""The Redis side of camera leases: one key per lease, the live instances, the lease epoch,
the instance directory and what the owners learnt of their devices (`bridge.pipeline.leases`
explains how a `LeaseKeeper` uses them).

A lease is one key, `<prefix>:lease:<name>`, whose value is the holder's name, set with
`SET NX PX ttl`: whoever set it owns the camera until it expires. The holder renews it well
before then (`renew`/`renew_all`: compare the holder, then `PEXPIRE`, in one Lua script) and
gives it up on a clean stop (`release`: compare, then `DEL`).

Taking a lease (`take`) also gives the taker the device's next *generation* (a fencing token):
`<prefix>:lease-gen:<name>` is INCR'd in the same script. The counter starts, when its key is
missing, at Redis's clock in milliseconds, so it keeps growing even across a Redis that lost its
data (a restart without persistence). The runner's events carry it (`EventFence`), and the store
refuses a late `start` from an owner older than the device's recorded one (docs/scale-out.md).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Collection, Iterable
from typing import Any

import redis.asyncio as aioredis

from bridge.bus._common import connect
from bridge.bus.redis_streams import default_consumer_name

DEFAULT_TTL = 15.0
"""Seconds a lease lives without renewal: how long a dead instance's cameras go unpolled."""
INSTANCE_MEMORY = 3600.0
"""Seconds a dead instance stays listed in the instance directory."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_TAKE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return false
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[2], now[1] .. string.format('%03d', math.floor(now[2] / 1000)))
end
return redis.call('INCR', KEYS[2])
"""
_OUTRUN = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return redis.call('INCR', KEYS[1])
"""
_RENEW_MANY = """
local renewed = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == ARGV[1] then
    renewed[i] = redis.call('PEXPIRE', key, ARGV[2])
  elseif holder == false and ARGV[2 + i] == '1' then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    renewed[i] = 1
  else
    renewed[i] = 0
  end
end
return renewed
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
        self._take = self._redis.register_script(_TAKE)
        self._outrun = self._redis.register_script(_OUTRUN)
        self._renew = self._redis.register_script(_RENEW)
        self._renew_many = self._redis.register_script(_RENEW_MANY)
        self._release = self._redis.register_script(_RELEASE)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl * 1000))

    def key(self, name: str) -> str:
        return f"{self.key_prefix}:lease:{name}"

    def generation_key(self, name: str) -> str:
        return f"{self.key_prefix}:lease-gen:{name}"

    @property
    def _instances_key(self) -> str:
        return f"{self.key_prefix}:lease-instances"

    @property
    def _epoch_key(self) -> str:
        return f"{self.key_prefix}:lease-epoch"

    @property
    def _directory_key(self) -> str:
        return f"{self.key_prefix}:instances"

    async def acquire(self, name: str) -> bool:
        """Take the lease if nobody holds it (or we already do: then it is renewed)."""
        return await self.take(name) is not None

    async def take(self, name: str) -> int | None:
        """`acquire`, returning the device's new generation (higher than any taker's before,
        even when this owner held it already: a new turn); None if another holder has it."""
        result = await self._take(
            keys=[self.key(name), self.generation_key(name)], args=[self.owner, self._ttl_ms]
        )
        return None if result is None else int(result)

    async def outrun(self, name: str, floor: int) -> int:
        """A generation of `name` higher than `floor` (the store's record, ahead of this counter
        when Redis lost its data and its clock is behind), the counter raised to it."""
        return int(await self._outrun(keys=[self.generation_key(name)], args=[floor]))

    async def renew(self, name: str) -> bool:
        """Extend our lease by `ttl`; False if it is not ours (expired, or taken over)."""
        return bool(await self._renew(keys=[self.key(name)], args=[self.owner, self._ttl_ms]))

    async def renew_all(
        self, names: Iterable[str], *, restore: Collection[str] = ()
    ) -> dict[str, bool]:
        """`renew` for many names in one round trip. A name in `restore` whose key is gone is
        set again: the caller knows its lease cannot have expired yet (its deadline, shorter
        than the TTL, has not passed), so the key was lost with Redis's data (a restart
        without persistence) and nobody else can hold it."""
        ordered = sorted(names)
        if not ordered:
            return {}
        keys = [self.key(name) for name in ordered]
        flags = ["1" if name in restore else "0" for name in ordered]
        results = await self._renew_many(keys=keys, args=[self.owner, self._ttl_ms, *flags])
        return {name: bool(ok) for name, ok in zip(ordered, results, strict=True)}

    async def release(self, name: str) -> bool:
        """Give the lease up if it is ours."""
        return bool(await self._release(keys=[self.key(name)], args=[self.owner]))

    async def holder(self, name: str) -> str | None:
        value = await self._redis.get(self.key(name))
        return None if value is None else _text(value)

    async def holders(self, names: Iterable[str]) -> dict[str, tuple[str, float]]:
        """For each held name: (holder, seconds its lease still lives)."""
        ordered = sorted(names)
        if not ordered:
            return {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in ordered:
                pipe.get(self.key(name))
                pipe.pttl(self.key(name))
            results = await pipe.execute()
        held: dict[str, tuple[str, float]] = {}
        for index, name in enumerate(ordered):
            value, pttl = results[2 * index], results[2 * index + 1]
            if value is not None:
                held[name] = (_text(value), max(0.0, int(pttl) / 1000))
        return held

    async def heartbeat(self) -> int:
        """Say this instance is alive; return how many instances are (seen within `ttl`)."""
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._instances_key, {self.owner: now})
            pipe.zremrangebyscore(self._instances_key, "-inf", now - self.ttl)
            pipe.zcard(self._instances_key)
            results = await pipe.execute()
        return max(1, int(results[-1]))

    async def presence(self) -> tuple[int, float]:
        """How many instances are alive (seen within `ttl`), and in how many seconds the one
        seen longest ago stops counting (when a dead instance's share frees up)."""
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(self._instances_key, "-inf", now - self.ttl)
            pipe.zrange(self._instances_key, 0, 0, withscores=True)
            pipe.zcard(self._instances_key)
            _, oldest, count = await pipe.execute()
        ages_out = float(oldest[0][1]) + self.ttl - now if oldest else self.ttl
        return max(1, int(count)), max(0.0, ages_out)

    async def leave(self) -> None:
        await self._redis.zrem(self._instances_key, self.owner)

    async def nudge(self) -> None:
        """Tell every keeper to run a round now (a lease was released, an instance joined)."""
        await self._redis.incr(self._epoch_key)

    async def era(self) -> str:
        """A token Redis keeps while it keeps its data: a different one (or none, then made
        anew) says Redis lost its keys (a restart without persistence)."""
        key = f"{self.key_prefix}:lease-era"
        await self._redis.set(key, secrets.token_hex(8), nx=True)
        value = await self._redis.get(key)
        return "" if value is None else _text(value)

    async def epoch(self) -> int:
        value = await self._redis.get(self._epoch_key)
        return 0 if value is None else int(value)

    # -- what the owners learnt of their devices (for the other instances) ------------------

    @property
    def _devices_key(self) -> str:
        return f"{self.key_prefix}:devices"

    async def save_device(self, name: str, capabilities: str) -> None:
        """The capabilities JSON the owner of `name` read from it (NVR channels and all)."""
        await self._redis.hset(self._devices_key, name, capabilities)

    async def devices(self) -> dict[str, str]:
        raw = await self._redis.hgetall(self._devices_key)
        return {_text(key): _text(value) for key, value in raw.items()}

    async def forget_device(self, name: str) -> None:
        await self._redis.hdel(self._devices_key, name)

    # -- the instance directory (for status and /bridge/instances) ---------------------------

    async def announce(self, info: dict[str, Any]) -> None:
        """Keep this instance's entry (`info` + last_seen) in `<prefix>:instances`."""
        entry = json.dumps({**info, "instance": self.owner, "last_seen": time.time()})
        await self._redis.hset(self._directory_key, self.owner, entry)

    async def directory(self) -> list[dict[str, Any]]:
        """Every instance seen in the last hour, newest first; older ones are forgotten."""
        raw = await self._redis.hgetall(self._directory_key)
        now = time.time()
        entries: list[dict[str, Any]] = []
        stale: list[str] = []
        for key, value in raw.items():
            try:
                entry = json.loads(value)
                last_seen = float(entry["last_seen"])
            except (ValueError, KeyError, TypeError):
                stale.append(_text(key))
                continue
            if now - last_seen > INSTANCE_MEMORY:
                stale.append(_text(key))
                continue
            entries.append(entry)
        if stale:
            await self._redis.hdel(self._directory_key, *stale)
        return sorted(entries, key=lambda e: -float(e["last_seen"]))

    async def aclose(self) -> None:
        await self._redis.aclose()
