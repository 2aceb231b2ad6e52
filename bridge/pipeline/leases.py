"""Per-camera leases in Redis, so several bridge instances split one fleet between them.

The Redis side (`Leases`: the lease keys, the live instances, the epoch) is in
`bridge.pipeline.lease_redis`. A holder that fails to renew (Redis away, a long pause) must treat
the lease as lost and stop driving the camera.

`LeaseKeeper` does this for a set of names and keeps the split fair: every instance announces
itself in `<prefix>:lease-instances` (a sorted set scored by last-seen time), takes at most
ceil(names / live instances) leases, and releases its surplus when another instance joins.
It runs three loops that never wait for one another:

- **renewal** (every `ttl / 3`): says this instance is alive and renews every held lease in one
  Redis script (a key that vanished with Redis's data while its deadline has not passed is
  set again). A lease is lost only when Redis says it is not ours any more, or when its
  deadline (`0.9 × ttl` after its last renewal) passes without one (Redis away); never because
  something else was slow.
- **rounds**: give up the surplus, take free leases up to the share. A round runs every
  `ttl / 3`, when nudged, and right when the next lease held elsewhere or the next instance's
  presence runs out (both read from Redis each round): a dead instance's cameras are taken
  the moment its leases expire, not up to a third of the TTL later. When Redis lost its data
  (`<prefix>:lease-era` changed), rounds take nothing new for one TTL: the live holders set
  their keys again at their next renewal, and only what nobody restored is shared out again.
- **changes**: `on_change(acquired, lost)` (may be a coroutine function) runs in its own task,
  one change after another (so per camera in order): starting or stopping runners, and the
  store work of a take-over, never delay a renewal. Leases given up on purpose (surplus,
  unwanted, stop) are reported lost *before* they are released (the round waits for that
  change), so the runner stops (and says its last word) while the lease is still its own; a
  lease lost otherwise is fenced first, then reported.

Whoever releases a lease or joins bumps `<prefix>:lease-epoch`; every keeper watches it (a GET
every `nudge_interval`) and runs a round at once, so a clean stop hands cameras over in well
under a second.

Fencing: `valid(name)` is True only while this instance holds the lease *and* the last
successful renewal is younger than 0.9 × ttl by the monotonic clock (which keeps counting while
the process is stopped). A paused process that wakes up past its TTL therefore knows, before
its first Redis round trip, that the camera is no longer its: the camera manager's fenced bus
drops what such a runner publishes. What it published before (still in its outbox or spool) may
reach the store late: each lease is taken with a new generation (`generation(name)`), the
runner's events carry it, and the store refuses a `start` older than the device's recorded one.

    keeper = LeaseKeeper(Leases(redis_url, "reolink", owner=instance_name), on_change=...)
    keeper.want({camera.id for camera in cameras})
    await keeper.start() ... await keeper.stop()   # stop releases every lease held
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from bridge.bus._common import UNREACHABLE
from bridge.pipeline.lease_redis import DEFAULT_TTL, INSTANCE_MEMORY, Leases

__all__ = ["DEFAULT_TTL", "INSTANCE_MEMORY", "ChangeCallback", "LeaseKeeper", "Leases"]

_LOGGER = logging.getLogger(__name__)

NUDGE_INTERVAL = 0.25
"""Seconds between two looks at the lease epoch (a release or a join elsewhere)."""
VALID_SHARE = 0.9
"""Of the ttl after a renewal, how long this process trusts the lease (the rest is margin)."""
STOP_WAIT = 5.0
"""Seconds `stop()` waits for the changes already handed over (runners stopping) to run."""
LOOP_STOP_WAIT = 1.0
"""Seconds `stop()` waits for a cancelled loop (renewal, rounds, nudges; they end within
milliseconds) before it releases the leases without it: a clean stop hands over in under 2 s."""
EXPIRY_SLACK = 0.02
"""Seconds after a lease held elsewhere should expire before a round looks at it."""
MIN_ROUND = 0.05
"""Seconds at least between two rounds that only wait for an expiry."""


def _where(task: asyncio.Task[None]) -> str:
    """Where a task is suspended (the innermost coroutine it awaits), for a log line."""
    coro: Any = task.get_coro()
    where = "?"
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        frame = coro.cr_frame
        where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        coro = getattr(coro, "cr_await", None)
    return where


def _cancelling() -> bool:
    """This task was asked to stop (a Redis client may turn a cancellation into a connection
    error: the loops below must not take that for a Redis outage and carry on)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


ChangeCallback = Callable[[set[str], set[str]], Awaitable[None] | None]
"""`on_change(acquired, lost)`: called after (lost otherwise, acquired) or before (given up on
purpose) each change of what this instance holds; awaited when a coroutine."""

_Change = tuple[set[str], set[str], "asyncio.Future[None] | None"]


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
        self.generations: dict[str, int] = {}
        """The generation (fencing token) each held lease was taken with (`Leases.take`)."""
        self.instances = 1
        """Live instances counted in the last round."""
        self.rounds = 0
        self.renewals = 0
        self._valid_until: dict[str, float] = {}
        self._wanted: set[str] = set()
        self._forfeit: set[str] = set()
        self._releasing: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._changes: asyncio.Queue[_Change] | None = None
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._next_round = self.ttl / 3
        self._redis_down = False
        self._era: str | None = None
        self._grace_until = 0.0
        """Redis lost its data: until then, take no lease this instance did not hold (their
        holders, alive, set their keys again at their next renewal)."""

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
        return {
            "held": len(self.held),
            "instances": self.instances,
            "rounds": self.rounds,
            "renewals": self.renewals,
        }

    def valid(self, name: str) -> bool:
        """This instance holds `name` and its last renewal is recent enough to act on it."""
        return name in self.held and time.monotonic() < self._valid_until.get(name, 0.0)

    def generation(self, name: str) -> int | None:
        """The generation `name`'s lease was taken with, while held (what its events carry)."""
        return self.generations.get(name) if name in self.held else None

    async def outrun(self, name: str, floor: int) -> int | None:
        """Hold `name` with a generation above `floor` (see `Leases.outrun`); None if not held.
        Before its runner starts: its events carry the new one."""
        if name not in self.held:
            return None
        generation = await self.leases.outrun(name, floor)
        if name in self.held:
            self.generations[name] = generation
        return self.generation(name)

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
        """Take a first share at once (its runners start in the changes task), then loop."""
        loop = asyncio.get_running_loop()
        self._changes = asyncio.Queue()
        self._tasks = [loop.create_task(self._apply_changes(), name="leases-changes")]
        await self.tick()
        with contextlib.suppress(*UNREACHABLE):
            await self.leases.nudge()  # a newcomer: the others give up their surplus now
        self._tasks += [
            loop.create_task(self._renewing(), name="leases-renew"),
            loop.create_task(self._rounds(), name="leases"),
            loop.create_task(self._watch(), name="leases-nudge"),
        ]

    async def tick(self) -> None:
        """Renew, then one round (what the loops do, at once: for the start and for tests)."""
        await self._renew()
        async with self._round:
            await self._round_once()

    # -- renewal -----------------------------------------------------------------------------

    async def _renewing(self) -> None:
        due = time.monotonic()
        while True:
            due += self.ttl / 3
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due = max(due, time.monotonic() - self.ttl / 3)  # a pause: no burst of renewals
            try:
                await self._renew()
            except Exception:  # a bug in a callback must not end the renewals
                if _cancelling():
                    raise asyncio.CancelledError from None
                _LOGGER.exception("leases: a renewal failed")

    async def _renew(self) -> None:
        """Say we are alive and renew every held lease; drop those Redis refused, and those
        whose deadline passed without a renewal."""
        names = sorted(self.held)
        failed: set[str] = set()
        try:
            await self.leases.heartbeat()
            started = time.monotonic()
            valid = {n for n in names if started < self._valid_until.get(n, 0.0)}
            renewed = await self.leases.renew_all(names, restore=valid)
            self.renewals += 1
            if self._redis_down:
                _LOGGER.info("leases: Redis reachable again")
            self._redis_down = False
            for name, ok in renewed.items():
                if name not in self.held or name in self._releasing:
                    continue  # given up meanwhile
                if ok:
                    self._valid_until[name] = started + self.ttl * VALID_SHARE
                else:
                    failed.add(name)
        except UNREACHABLE as err:
            if _cancelling():
                raise
            if not self._redis_down:
                _LOGGER.warning("leases: Redis unreachable (%s); cannot renew", err)
            self._redis_down = True
        now = time.monotonic()
        expired = {n for n in self.held - self._releasing if now >= self._valid_until.get(n, 0)}
        if failed:
            _LOGGER.warning("leases: lost %s (taken over or expired)", ", ".join(sorted(failed)))
        if expired - failed:
            _LOGGER.warning(
                "leases: %s expired without a renewal", ", ".join(sorted(expired - failed))
            )
        lost = failed | expired
        for name in lost:
            self._drop(name)  # fenced before anyone hears of it
        if lost:
            self._wake.set()  # a round may take them back if nobody else has
            await self._notify(set(), lost, wait=False)

    # -- rounds ------------------------------------------------------------------------------

    async def _rounds(self) -> None:
        while True:
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=self._next_round)
            finally:
                waiter.cancel()
            self._wake.clear()
            try:
                async with self._round:
                    await self._round_once()
            except Exception:  # a bug in a callback must not end the rounds
                _LOGGER.exception("leases: a round failed")
            if _cancelling():
                raise asyncio.CancelledError

    async def _round_once(self) -> None:
        """Drop what is unwanted or surplus, take free leases up to the share, and plan the
        next round at the next expiry seen."""
        self.rounds += 1
        acquired: set[str] = set()
        self._next_round = self.ttl / 3
        try:
            era = await self.leases.era()
            if self._era is not None and era != self._era:
                _LOGGER.warning("leases: Redis lost its data; its holders keep their leases")
                self._grace_until = time.monotonic() + self.ttl
            self._era = era
            self.instances, ages_out = await self.leases.presence()
            share = math.ceil(len(self._wanted) / self.instances) if self._wanted else 0
            unwanted = (self.held - self._wanted) | (self.held & self._forfeit)
            self._forfeit.clear()
            keep = sorted(self.held - unwanted)
            give_up = unwanted | set(sorted(keep, reverse=True)[: max(0, len(keep) - share)])
            if give_up:
                self._releasing |= give_up
                try:
                    await self._notify(set(), give_up, wait=True)  # runners stop: still ours
                    for name in sorted(give_up):
                        await self.leases.release(name)
                        self._drop(name)
                finally:
                    self._releasing -= give_up
                await self.leases.nudge()
            grace = self._grace_until - time.monotonic()
            for name in sorted(self._wanted - self.held) if grace <= 0 else []:
                if len(self.held) >= share:
                    break
                started = time.monotonic()
                generation = await self.leases.take(name)
                if generation is not None:
                    self.generations[name] = generation
                    self.held.add(name)
                    self._valid_until[name] = started + self.ttl * VALID_SHARE
                    self.acquired_at[name] = time.time()
                    acquired.add(name)
            elsewhere = await self.leases.holders(self._wanted - self.held)
            expiries = [left for holder, left in elsewhere.values() if holder != self.leases.owner]
            soonest = min([ages_out, *expiries, *([grace] if grace > 0 else [])])
            self._next_round = min(self.ttl / 3, max(MIN_ROUND, soonest + EXPIRY_SLACK))
            await self._announce()
        except UNREACHABLE as err:
            # What is held stays held until renewals fail or its deadline passes (`_renew`).
            if _cancelling():
                raise
            _LOGGER.debug("leases: a round could not reach Redis (%s)", err)
        await self._notify(acquired, set(), wait=False)

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

    # -- changes -----------------------------------------------------------------------------

    async def _notify(self, acquired: set[str], lost: set[str], *, wait: bool) -> None:
        """Hand a change to the changes task (in order); `wait`: until it ran. Without that
        task (not started, or stopping), run it here."""
        if not (acquired or lost) or self.on_change is None:
            return
        if self._changes is None:
            await self._changed(acquired, lost)
            return
        done: asyncio.Future[None] | None = None
        if wait:
            done = asyncio.get_running_loop().create_future()
        self._changes.put_nowait((acquired, lost, done))
        if done is not None:
            await done

    async def _apply_changes(self) -> None:
        queue = self._changes
        assert queue is not None
        while True:
            acquired, lost, done = await queue.get()
            try:
                await self._changed(acquired, lost)
            except Exception:
                _LOGGER.exception("leases: applying a change failed")
            finally:
                if done is not None and not done.done():
                    done.set_result(None)
                queue.task_done()

    async def _changed(self, acquired: set[str], lost: set[str]) -> None:
        if (acquired or lost) and self.on_change is not None:
            result = self.on_change(acquired, lost)
            if inspect.isawaitable(result):
                await result

    def _drop(self, name: str) -> None:
        self.held.discard(name)
        self._valid_until.pop(name, None)
        self.acquired_at.pop(name, None)
        self.generations.pop(name, None)

    async def _announce(self, *, stopped: bool = False) -> None:
        info = self.info() if self.info is not None else {}
        cameras = {name: self.acquired_at[name] for name in sorted(self.held)}
        await self.leases.announce({**info, "cameras": cameras, "stopped": stopped})

    # -- stop --------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop renewing and release every lease held (others take over at once)."""
        tasks, self._tasks = self._tasks, []
        changes, self._changes = self._changes, None
        workers = [t for t in tasks if t.get_name() == "leases-changes"]
        loops = [t for t in tasks if t not in workers]
        for task in loops:
            task.cancel()
        stuck: set[asyncio.Task[None]] = set()
        if loops:
            _, stuck = await asyncio.wait(loops, timeout=LOOP_STOP_WAIT)
        if changes is not None:  # the changes already handed over run first, in order
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_WAIT):
                    await changes.join()
        for task in workers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if stuck:  # it may hold the round's lock: release without it
            _LOGGER.error(
                "leases: %s did not stop in time (at %s); releasing without them",
                ", ".join(sorted(task.get_name() for task in stuck)),
                "; ".join(_where(task) for task in stuck),
            )
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
