"""The keeper's loops on a real Redis: renewals never wait behind a slow change (a runner that
takes long to start or stop, store work of a take-over), a lease lasts until Redis refuses it or
its deadline passes, and a dead instance's leases are taken right when they expire."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import pytest
from fixtures.leases import LeasesMaker

from bridge.pipeline.leases import LeaseKeeper, Leases


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_a_slow_change_never_delays_a_renewal(make_leases: LeasesMaker) -> None:
    ttl = 0.9
    changes: list[tuple[set[str], set[str]]] = []

    async def slow(acquired: set[str], lost: set[str]) -> None:
        changes.append((acquired, lost))
        if acquired:
            await asyncio.sleep(3 * ttl)  # runners slow to start: longer than the TTL

    keeper = LeaseKeeper(make_leases("a", ttl=ttl), on_change=slow)
    keeper.want({"front"})
    await keeper.start()  # the first change runs inline (start)
    keeper.want({"front", "back"})
    keeper.wake()
    await asyncio.wait_for(_until(lambda: "back" in keeper.held), 3)
    invalid = 0
    deadline = time.monotonic() + 3 * ttl
    while time.monotonic() < deadline:  # while the change for "back" still runs
        invalid += not (keeper.valid("front") and keeper.valid("back"))
        await asyncio.sleep(0.02)
    assert invalid == 0
    assert not any(lost for _, lost in changes)  # nothing lost, nothing won back
    assert keeper.renewals >= 5
    await keeper.stop()
    assert changes[-1] == (set(), {"front", "back"})


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_an_instance_takes_a_dead_ones_leases_when_they_expire(
    make_leases: LeasesMaker,
) -> None:
    ttl = 3.0
    dead = LeaseKeeper(make_leases("dead", ttl=ttl))
    dead.want({"front", "back"})
    await dead.tick()  # takes both, then never renews again
    expires = time.monotonic() + ttl
    survivor = LeaseKeeper(make_leases("b", ttl=ttl))
    survivor.want({"front", "back"})
    await survivor.start()
    assert survivor.held == set()  # two live instances, both leases held by the other
    await asyncio.wait_for(_until(lambda: survivor.held == {"front", "back"}), 2 * ttl)
    late = time.monotonic() - expires
    # A round every ttl / 3 would take them up to 1 s late; the survivor looks at the expiry.
    assert late < 0.5, late
    await survivor.stop()
    await dead.leases.aclose()


async def test_a_lease_lost_with_redis_data_is_kept(make_leases: LeasesMaker) -> None:
    keeper = LeaseKeeper(make_leases("a", ttl=3.0))
    keeper.want({"front"})
    await keeper.tick()
    other = make_leases("b", ttl=3.0)
    await other._redis.delete(other.key("front"))  # as after a Redis restart without its data
    await keeper.tick()
    assert keeper.held == {"front"}
    assert keeper.valid("front")
    assert await other.holder("front") == "a"
    assert not await other.acquire("front")
    await keeper.stop()


class _EatsCancels(Leases):
    """Real Redis, but reading the nudge epoch stalls `stall` seconds and swallows a cancel
    meanwhile (as a client that turns a cancellation into something else might)."""

    stall = 0.0

    async def epoch(self) -> int:
        loop = asyncio.get_running_loop()
        end = loop.time() + self.stall
        while loop.time() < end:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(end - loop.time())
        return await super().epoch()


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_a_loop_that_does_not_stop_delays_no_handover(
    redis_url: str, redis_prefix: str, make_leases: LeasesMaker
) -> None:
    leases = _EatsCancels(redis_url, redis_prefix, owner="a", ttl=5.0)
    keeper = LeaseKeeper(leases, nudge_interval=0.05)
    keeper.want({"front"})
    try:
        await keeper.start()
        assert keeper.held == {"front"}
        leases.stall = 4.0
        await asyncio.sleep(0.2)  # the nudge loop is inside the stall now
        started = time.monotonic()
        await keeper.stop()
        took = time.monotonic() - started
        assert took < 2.0, took  # released without the stuck loop, not after it
        assert await make_leases("b").acquire("front")  # released in Redis: taken at once
    finally:
        leases.stall = 0.0
        stuck = [t for t in asyncio.all_tasks() if t.get_name() == "leases-nudge"]
        async with asyncio.timeout(10):  # it swallows cancels until its stall ends
            while not all(task.done() for task in stuck):
                for task in stuck:
                    task.cancel()
                await asyncio.sleep(0.05)
        await leases.aclose()
