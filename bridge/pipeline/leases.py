"""Per-camera leases in Redis, so several bridge instances split one fleet between them.

A lease is one key, `<prefix>:lease:<name>`, whose value is the holder's name, set with
`SET NX PX ttl`: whoever set it owns the camera until it expires. The holder renews it well
before then (`renew`: compare the holder, then `PEXPIRE`, in one Lua script) and gives it up on
a clean stop (`release`: compare, then `DEL`). A holder that dies stops renewing; after `ttl`
another instance takes the camera over. A holder that fails to renew (Redis away, a long pause)
must treat the lease as lost and stop driving the camera: `renew` returning False says so.

`LeaseKeeper` does this for a set of names and keeps the split fair: every instance announces
itself in `<prefix>:lease-instances` (a sorted set scored by last-seen time), takes at most
ceil(names / live instances) leases, and releases its surplus when another instance joins.
Whoever releases a lease or joins bumps `<prefix>:lease-epoch`; every keeper watches it (a GET
every `nudge_interval`) and runs a round at once, so a clean stop hands cameras over in well
under a second instead of a third of the TTL.

Fencing: `valid(name)` is True only while this instance holds the lease *and* the last
successful renewal is younger than 0.9 × ttl by the monotonic clock (which keeps counting while
the process is stopped). A paused process that wakes up past its TTL therefore knows, before
its first Redis round trip, that the camera is no longer its: the camera manager's fenced bus
drops what such a runner publishes.

    keeper = LeaseKeeper(Leases(redis_url, "reolink", owner=instance_name), on_change=...)
    keeper.want({camera.id for camera in cameras})
    await keeper.start() ... await keeper.stop()   # stop releases every lease held

`on_change(acquired, lost)` may be a coroutine function: the keeper awaits it. Leases it gives
up on purpose (surplus, unwanted, stop) are reported lost *before* they are released, so the
runner stops (and says its last word) while the lease is still its own; a lease lost to a failed
renewal is fenced first, then reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import redis.asyncio as aioredis

from bridge.bus._common import UNREACHABLE, connect
from bridge.bus.redis_streams import default_consumer_name

_LOGGER = logging.getLogger(__name__)

DEFAULT_TTL = 15.0
"""Seconds a lease lives without renewal: how long a dead instance's cameras go unpolled."""
NUDGE_INTERVAL = 0.25
"""Seconds between two looks at the lease epoch (a release or a join elsewhere)."""
VALID_SHARE = 0.9
"""Of the ttl after a renewal, how long this process trusts the lease (the rest is margin)."""
INSTANCE_MEMORY = 3600.0
"""Seconds a dead instance stays listed in the instance directory."""
STOP_WAIT = 5.0
"""Seconds `stop()` waits for the keeper's own tasks to end once cancelled."""

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


def _cancelling() -> bool:
    """This task was asked to stop (a Redis client may turn a cancellation into a connection
    error: the loops below must not take that for a Redis outage and carry on)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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

    async def leave(self) -> None:
        await self._redis.zrem(self._instances_key, self.owner)

    async def nudge(self) -> None:
        """Tell every keeper to run a round now (a lease was released, an instance joined)."""
        await self._redis.incr(self._epoch_key)

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


ChangeCallback = Callable[[set[str], set[str]], Awaitable[None] | None]
"""`on_change(acquired, lost)`: called after (lost to a failed renewal, acquired) or before
(given up on purpose) each change of what this instance holds; awaited when a coroutine."""


class LeaseKeeper:
    """Hold a fair share of the wanted leases, renewing every `ttl / 3` seconds."""

    def __init__(
        self,
        leases: Leases,
        *,
        on_change: ChangeCallback | None = None,
        nudge_interval: float = NUDGE_INTERVAL,
        info: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.leases = leases
        self.on_change = on_change
        self.nudge_interval = nudge_interval
        self.info = info
        """Extra fields of this instance's directory entry (its API URL...), read each round."""
        self.held: set[str] = set()
        self.acquired_at: dict[str, float] = {}
        """Wall-clock time each held lease was taken."""
        self.instances = 1
        """Live instances counted in the last round."""
        self.rounds = 0
        self._valid_until: dict[str, float] = {}
        self._wanted: set[str] = set()
        self._forfeit: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()

    @property
    def ttl(self) -> float:
        return self.leases.ttl

    @property
    def wanted(self) -> set[str]:
        return set(self._wanted)

    def want(self, names: Iterable[str]) -> None:
        """The names to share out (every instance should want the same set)."""
        self._wanted = set(names)

    def stats(self) -> dict[str, int]:
        """For `/metrics` (`reolink_component_stat{component="leases"}`), per instance."""
        return {"held": len(self.held), "instances": self.instances, "rounds": self.rounds}

    def valid(self, name: str) -> bool:
        """This instance holds `name` and its last renewal is recent enough to act on it."""
        return name in self.held and time.monotonic() < self._valid_until.get(name, 0.0)

    def forfeit(self, name: str) -> None:
        """Give `name` up in the next round (run now), as if surplus: its lease lapsed here
        (fenced) though Redis may still say it is ours. The round may take it again."""
        if name in self.held:
            self._forfeit.add(name)
            self._wake.set()

    def wake(self) -> None:
        """Run a round now (the wanted names changed)."""
        self._wake.set()

    async def start(self) -> None:
        await self.tick()
        with contextlib.suppress(*UNREACHABLE):
            await self.leases.nudge()  # a newcomer: the others give up their surplus now
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="leases")
        self._watcher = loop.create_task(self._watch(), name="leases-nudge")

    async def _run(self) -> None:
        while True:
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self.ttl / 3)
            finally:
                waiter.cancel()
            self._wake.clear()
            try:
                await self.tick()
            except Exception:  # a bug in a callback must not end the renewals
                _LOGGER.exception("leases: a round failed")
            if _cancelling():
                raise asyncio.CancelledError

    async def _watch(self) -> None:
        seen: int | None = None
        while True:
            await asyncio.sleep(self.nudge_interval)
            try:
                epoch = await self.leases.epoch()
            except UNREACHABLE:
                if _cancelling():
                    raise
                continue
            if seen is not None and epoch != seen:
                self._wake.set()
            seen = epoch

    async def _changed(self, acquired: set[str], lost: set[str]) -> None:
        if (acquired or lost) and self.on_change is not None:
            result = self.on_change(acquired, lost)
            if inspect.isawaitable(result):
                await result

    def _drop(self, name: str) -> None:
        self.held.discard(name)
        self._valid_until.pop(name, None)
        self.acquired_at.pop(name, None)

    async def tick(self) -> None:
        """One round: renew, drop what is unwanted or surplus, take free ones up to the share."""
        async with self._round:
            await self._tick()

    async def _tick(self) -> None:
        self.rounds += 1
        try:
            self.instances = await self.leases.heartbeat()
            failed: set[str] = set()
            for name in sorted(self.held & self._wanted):
                started = time.monotonic()
                if await self.leases.renew(name):
                    self._valid_until[name] = started + self.ttl * VALID_SHARE
                else:
                    failed.add(name)
                    self._drop(name)  # fenced before anyone hears of it
            if failed:
                _LOGGER.warning(
                    "leases: lost %s (taken over or expired)", ", ".join(sorted(failed))
                )
                await self._changed(set(), failed)
            share = math.ceil(len(self._wanted) / self.instances) if self._wanted else 0
            unwanted = (self.held - self._wanted) | (self.held & self._forfeit)
            self._forfeit.clear()
            keep = sorted(self.held - unwanted)
            give_up = unwanted | set(sorted(keep, reverse=True)[: max(0, len(keep) - share)])
            if give_up:
                await self._changed(set(), give_up)  # runners stop while the leases are ours
                for name in sorted(give_up):
                    await self.leases.release(name)
                    self._drop(name)
                await self.leases.nudge()
            acquired: set[str] = set()
            for name in sorted(self._wanted - self.held):
                if len(self.held) >= share:
                    break
                started = time.monotonic()
                if await self.leases.acquire(name):
                    self.held.add(name)
                    self._valid_until[name] = started + self.ttl * VALID_SHARE
                    self.acquired_at[name] = time.time()
                    acquired.add(name)
            await self._announce()
        except UNREACHABLE as err:
            # Without Redis nothing can be renewed: after ttl others may own these. Stop first.
            lost = set(self.held)
            if lost:
                _LOGGER.warning(
                    "leases: Redis unreachable (%s); giving up %d lease(s)", err, len(lost)
                )
            for name in lost:
                self._drop(name)
            await self._changed(set(), lost)
            return
        await self._changed(acquired, set())

    async def _announce(self, *, stopped: bool = False) -> None:
        info = self.info() if self.info is not None else {}
        cameras = {name: self.acquired_at[name] for name in sorted(self.held)}
        await self.leases.announce({**info, "cameras": cameras, "stopped": stopped})

    async def stop(self) -> None:
        """Stop renewing and release every lease held (others take over at once)."""
        tasks = [task for task in (self._watcher, self._task) if task is not None]
        for task in tasks:
            task.cancel()
        stuck: set[asyncio.Task[None]] = set()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=STOP_WAIT)
        self._task = self._watcher = None
        if stuck:  # it may hold the round's lock: release without it
            _LOGGER.error("leases: %d task(s) did not stop in time", len(stuck))
            await self._release_all()
            return
        async with self._round:
            await self._release_all()

    async def _release_all(self) -> None:
        lost = set(self.held)
        await self._changed(set(), lost)  # runners stop first, while the leases are ours
        with contextlib.suppress(*UNREACHABLE):
            for name in sorted(lost):
                await self.leases.release(name)
                self._drop(name)
            await self.leases.leave()
            await self._announce(stopped=True)
            await self.leases.nudge()
        for name in lost:
            self._drop(name)
