"""bridge.pipeline.leases on a real Redis: one holder per name, expiry, fair split, takeover."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fixtures.leases import LeasesMaker

from bridge.pipeline.leases import LeaseKeeper, Leases


async def test_one_holder_at_a_time(make_leases: LeasesMaker) -> None:
    a, b = make_leases("a"), make_leases("b")
    assert await a.acquire("front")
    assert await a.acquire("front")  # again: renewed, still ours
    assert not await b.acquire("front")
    assert await a.holder("front") == "a"
    assert await a.renew("front")
    assert not await b.renew("front")
    assert not await b.release("front")  # not b's to release
    assert await a.holder("front") == "a"
    assert await a.release("front")
    assert await a.holder("front") is None
    assert await b.acquire("front")
    assert not await a.renew("front")  # a learns it lost the lease


async def test_an_unrenewed_lease_expires(make_leases: LeasesMaker) -> None:
    a, b = make_leases("a", ttl=0.2), make_leases("b", ttl=0.2)
    assert await a.acquire("front")
    assert not await b.acquire("front")
    await asyncio.sleep(0.1)
    assert await a.renew("front")  # renewed: lives another 0.2 s
    await asyncio.sleep(0.15)
    assert not await b.acquire("front")
    await asyncio.sleep(0.2)  # a is silent (dead): the lease runs out
    assert await b.acquire("front")
    assert not await a.renew("front")


async def test_keepers_split_the_fleet_and_take_over(make_leases: LeasesMaker) -> None:
    cameras = {f"cam{i}" for i in range(10)}
    changes: dict[str, list[tuple[set[str], set[str]]]] = {"a": [], "b": []}

    def recorder(name: str) -> Callable[[set[str], set[str]], None]:
        return lambda acquired, lost: changes[name].append((acquired, lost))

    a = LeaseKeeper(make_leases("a", ttl=0.3), on_change=recorder("a"))
    a.want(cameras)
    await a.start()
    assert a.held == cameras  # alone: everything
    b = LeaseKeeper(make_leases("b", ttl=0.3), on_change=recorder("b"))
    b.want(cameras)
    await b.start()

    async def settled() -> None:
        while not (len(a.held) == 5 and len(b.held) == 5):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(settled(), 3)
    assert a.held.isdisjoint(b.held)
    assert a.held | b.held == cameras
    assert any(lost for _, lost in changes["a"])  # a gave up its surplus
    await a.stop()  # released at once: b takes everything over within a round
    await asyncio.wait_for(_until(lambda: b.held == cameras), 3)
    await b.stop()
    assert b.held == set()


async def test_a_dead_keeper_is_replaced_after_ttl(make_leases: LeasesMaker) -> None:
    cameras = {"front", "back"}
    a = LeaseKeeper(make_leases("a", ttl=0.3))
    a.want(cameras)
    await a.tick()  # a takes both, then 'dies' (never ticks again, never releases)
    assert a.held == cameras
    b = LeaseKeeper(make_leases("b", ttl=0.3))
    b.want(cameras)
    await b.start()
    await asyncio.wait_for(_until(lambda: b.held == cameras), 3)
    await b.stop()


async def test_keeper_gives_up_leases_when_redis_is_away() -> None:
    from fixtures.process import free_port

    lost: list[set[str]] = []
    keeper = LeaseKeeper(
        Leases(f"redis://127.0.0.1:{free_port()}/0", "x", owner="a", ttl=0.3),
        on_change=lambda _, gone: lost.append(gone),
    )
    keeper.held = {"front"}  # as if it held one before Redis went away
    keeper.want({"front"})
    await keeper.tick()
    assert keeper.held == set()
    assert lost == [{"front"}]
    await keeper.leases.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)
