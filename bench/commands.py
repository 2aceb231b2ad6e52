"""Command round trip: a face's `CommandClient.request` over the in-process and the Redis bus.

Two measurements per bus, same run, sequential commands (one in flight), p50/p95/p99 in ms:

- `echo`: the bus alone — a served executor that answers every `CommandRequested` at once with
  its `CommandCompleted` (what the bus adds to any command);
- `camera`: the whole path against the simulator (one floodlight on loopback): the `Bridge`'s
  `CommandClient` → bus → `CommandDispatcher` → camera (`status_led` ON/OFF, and the refresh
  after it) → bus → answer. Baseline, same run: `CommandDispatcher.dispatch` called directly (how
  the faces called it before commands went over the bus).

Redis: the machine's (`--redis`), under a fresh key prefix deleted at the end.

    .venv/bin/python bench/commands.py [--commands 300] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.app import Bridge  # noqa: E402
from bridge.bus.commands import CommandClient  # noqa: E402
from bridge.bus.inprocess import InProcessBus  # noqa: E402
from bridge.bus.messages import Bus, CommandCompleted, CommandRequested  # noqa: E402
from bridge.bus.redis_streams import RedisStreamsBus  # noqa: E402
from bridge.config import load_settings  # noqa: E402
from bridge.domain.camera import Camera  # noqa: E402
from bridge.domain.commands import Command, CommandResult  # noqa: E402
from bridge.simulator import Simulator  # noqa: E402

FAST_REDIS = {"block": 0.1, "claim_idle": 5.0}


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.mean(ordered) * 1000,
    }


async def timed(count: int, once: Callable[[int], Awaitable[CommandResult]]) -> list[float]:
    for n in range(min(20, count)):  # warm-up: connections, consumer groups
        await once(n)
    samples = []
    for n in range(count):
        start = time.perf_counter()
        result = await once(n)
        samples.append(time.perf_counter() - start)
        if result.status != "ok":
            raise RuntimeError(f"command failed: {result}")
    return samples


async def echo(bus: Bus, count: int) -> list[float]:
    client = CommandClient(bus, timeout=10.0)

    def answer(message: CommandRequested) -> None:
        result = CommandResult.ok(message.camera_id, message.command.transaction)
        bus.publish(
            CommandCompleted(
                camera_id=message.camera_id,
                command={},
                source=message.source,
                result=result,
                request_id=message.request_id,
            )
        )

    client.serve(answer)
    client.start()
    wait_ready = getattr(client._subscription, "wait_ready", None)
    if wait_ready is not None:
        await wait_ready()
    command = Command.model_validate({"status_led": "ON"})
    try:
        return await timed(count, lambda n: client.request("cam", command, source="bench"))
    finally:
        client.stop()


async def camera(
    sim: Simulator, data_dir: Path, count: int, redis: dict[str, Any]
) -> dict[str, list[float]]:
    device = sim.devices["floodlight"]
    settings = load_settings(
        data_dir=data_dir,
        cameras=[
            Camera(
                id="floodlight",
                host=device.host,
                port=device.port,
                username=device.username,
                password=device.password,
            )
        ],
        mqtt={"enabled": False},
        server={"enabled": False},
        polling={"interval": 5.0},
        safety={"actuator_rate_per_minute": 6000},
        security={"camera_networks": ["127.0.0.0/8"]},
        redis=redis,
    )
    commands = [Command.model_validate({"status_led": s}) for s in ("ON", "OFF")]
    async with Bridge(settings) as bridge:
        async with asyncio.timeout(20):
            while not bridge.manager.runner("floodlight").online:
                await asyncio.sleep(0.05)
        subscription = bridge.commands._subscription
        wait_ready = getattr(subscription, "wait_ready", None)
        if wait_ready is not None:
            await wait_ready()
        direct = await timed(
            count,
            lambda n: bridge.dispatcher.dispatch("floodlight", commands[n % 2], source="bench"),
        )
        over_bus = await timed(
            count,
            lambda n: bridge.commands.request("floodlight", commands[n % 2], source="bench"),
        )
    return {"direct": direct, "bus": over_bus}


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench-commands-{secrets.token_hex(4)}"
    rows: list[tuple[str, str, dict[str, float]]] = []
    try:
        rows.append(("in-process", "echo", summary(await echo(InProcessBus(), args.commands))))
        redis_bus = RedisStreamsBus(args.redis, prefix + "-echo", **FAST_REDIS)  # type: ignore[arg-type]
        try:
            rows.append(("redis", "echo", summary(await echo(redis_bus, args.commands))))
        finally:
            await redis_bus.aclose()
        async with Simulator(control_port=None) as sim:
            await sim.add_device("floodlight", device_id="floodlight")
            with tempfile.TemporaryDirectory() as tmp:
                local = await camera(sim, Path(tmp) / "a", args.commands, {})
                rows.append(("(none)", "camera, dispatch() directly", summary(local["direct"])))
                rows.append(("in-process", "camera", summary(local["bus"])))
                remote = await camera(
                    sim, Path(tmp) / "b", args.commands, {"url": args.redis, "key_prefix": prefix}
                )
                rows.append(("redis", "camera", summary(remote["bus"])))
    finally:
        client = aioredis.Redis.from_url(args.redis)
        keys = [key async for key in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.unlink(*keys)
        await client.aclose()
    print(f"{args.commands} sequential commands per row")
    print("| bus | path | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|---|")
    for bus, path, stats in rows:
        print(
            f"| {bus} | {path} | {stats['p50']:.2f} | {stats['p95']:.2f} | "
            f"{stats['p99']:.2f} | {stats['mean']:.2f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    asyncio.run(main(parser.parse_args()))
