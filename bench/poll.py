"""Camera polling throughput and CPU cost: our ReolinkClient against reolink_aio, same run.

For each N in --cameras, starts the simulator with N devices in its own process
(`python -m bridge.simulator --cameras N --port 0`, JSON lines on stdout), connects one client
per device, then polls every device back to back, all devices concurrently, for --seconds:

- ours/detections   `ReolinkClient.poll_detections(caps)`: what the bridge polls every second
                    (GetEvents, or GetMdState + GetAiState, for every online channel)
- ours/get_states   `ReolinkClient.execute(...)` with exactly the commands one reolink_aio
                    `get_states()` sent to that device (read from the simulator's counters):
                    the like-for-like comparison
- reolink_aio       `Host(..., use_https=False, bc_connection=ConnectionEnum.tcp).get_states()`
                    after `get_host_data()`

and prints polls/s and CPU seconds per 1000 polls of this (the polling) process
(`time.process_time()`; the simulator's CPU is its own), plus the ratios.

    .venv/bin/python bench/poll.py --cameras 1 50 200 --seconds 10 [--profile floodlight]
    .venv/bin/python bench/poll.py --cameras 50 --seconds 5 --cprofile ours/detections
    .venv/bin/python bench/poll.py --sniffio-shim ...   # as if `sniffio` were installed
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import os
import pstats
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if "--sniffio-shim" in sys.argv and "sniffio" not in sys.modules:
    # httpcore 1.0 runs `import sniffio` on every lock it creates (several per request); without
    # the package each one is a failed import that searches sys.path. This stands in for
    # installing sniffio, to measure what the missing dependency costs (see docs/benchmarks.md).
    import types

    _shim = types.ModuleType("sniffio")
    _shim.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules["sniffio"] = _shim

import _measure  # noqa: E402
import httpx  # noqa: E402
from reolink_aio.api import Host  # noqa: E402
from reolink_aio.enums import ConnectionEnum  # noqa: E402

from bridge.domain.capabilities import Capabilities  # noqa: E402
from bridge.reolink import ReolinkClient, Request  # noqa: E402

Poll = Callable[[], Awaitable[object]]
VARIANTS = ("ours/detections", "ours/get_states", "reolink_aio")


@dataclass
class Result:
    variant: str
    cameras: int
    polls: int
    wall: float
    cpu: float
    commands_per_poll: float

    @property
    def rate(self) -> float:
        return self.polls / self.wall

    @property
    def cpu_per_1000(self) -> float:
        return 1000 * self.cpu / self.polls if self.polls else float("nan")


def simulator(
    cameras: int, profile: str
) -> contextlib.AbstractContextManager[list[dict[str, Any]]]:
    """The simulator in its own process (one `profile` device each); yields its device lines."""
    return _measure.simulator(cameras, "--profile", profile, "--max-sessions", "20")


async def sim_counts(http: httpx.AsyncClient, line: dict[str, Any]) -> tuple[Counter[str], int]:
    state = (await http.get(f"{line['control_url']}/state")).json()
    return Counter(state["get_counts"]), int(state["requests"])


async def run_for(polls: list[Poll], seconds: float) -> tuple[int, float, float]:
    """Poll every device back to back for `seconds`; (polls, wall s, CPU s of this process)."""
    count = 0
    loop = asyncio.get_running_loop()

    async def worker(poll: Poll, deadline: float) -> None:
        nonlocal count
        while loop.time() < deadline:
            await poll()
            count += 1

    await asyncio.gather(*(p() for p in polls))  # warm: connections open, first answers in
    cpu, wall = time.process_time(), time.perf_counter()
    deadline = loop.time() + seconds
    await asyncio.gather(*(worker(p, deadline) for p in polls))
    return count, time.perf_counter() - wall, time.process_time() - cpu


async def learn_get_states(host: Host, line: dict[str, Any]) -> list[Request]:
    """The commands one reolink_aio `get_states()` sends, read from the simulator's counters."""
    async with httpx.AsyncClient(timeout=30.0) as http:
        before, requests_before = await sim_counts(http, line)
        await host.get_states()
        after, requests_after = await sim_counts(http, line)
    sent = after - before
    print(
        f"    reolink_aio get_states(): {sum(sent.values())} commands in "
        f"{requests_after - requests_before} request(s): {', '.join(sorted(sent))}"
    )
    return [
        Request(cmd, {"channel": 0}) for cmd, times in sorted(sent.items()) for _ in range(times)
    ]


async def bench(
    cameras: int, seconds: float, profile: str, repeat: int, only: str | None
) -> list[Result]:
    """Connect everything once, then run the variants in interleaved rounds (median kept)."""
    with simulator(cameras, profile) as lines:
        hosts = [
            Host(
                x["host"],
                x["username"],
                x["password"],
                port=x["port"],
                use_https=False,
                bc_connection=ConnectionEnum.tcp,
            )
            for x in lines
        ]
        clients = [
            ReolinkClient(x["host"], x["port"], x["username"], x["password"], timeout=30.0)
            for x in lines
        ]
        try:
            await asyncio.gather(*(h.get_host_data() for h in hosts))
            same = await learn_get_states(hosts[0], lines[0])
            caps: list[Capabilities] = await asyncio.gather(
                *(c.get_capabilities() for c in clients)
            )
            detections = [len([ch for ch in k.channels if ch.online]) for k in caps]
            variants: dict[str, tuple[list[Poll], float]] = {
                "ours/detections": (
                    [partial(c.poll_detections, k) for c, k in zip(clients, caps, strict=True)],
                    sum(detections) / len(detections),
                ),
                "ours/get_states": ([partial(c.execute, same) for c in clients], len(same)),
                "reolink_aio": ([h.get_states for h in hosts], len(same)),
            }
            if only is not None:
                variants = {only: variants[only]}
            samples: dict[str, list[Result]] = {name: [] for name in variants}
            for _ in range(repeat):
                for name, (polls, per_poll) in variants.items():
                    count, wall, cpu = await run_for(polls, seconds)
                    samples[name].append(Result(name, cameras, count, wall, cpu, per_poll))
        finally:
            await asyncio.gather(*(h.logout() for h in hosts), return_exceptions=True)
            await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
    return [median(runs) for runs in samples.values()]


def median(runs: list[Result]) -> Result:
    """The round with the median CPU per poll."""
    return sorted(runs, key=lambda r: r.cpu_per_1000)[len(runs) // 2]


def table(results: list[Result]) -> str:
    rows = [
        "| cameras | variant | commands/poll | polls/s | CPU s / 1000 polls | CPU vs reolink_aio |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    by_n: dict[int, dict[str, Result]] = {}
    for r in results:
        by_n.setdefault(r.cameras, {})[r.variant] = r
    for n, group in by_n.items():
        base = group.get("reolink_aio")
        for r in group.values():
            ratio = f"{r.cpu_per_1000 / base.cpu_per_1000:.2f}×" if base else "–"
            rows.append(
                f"| {n} | {r.variant} | {r.commands_per_poll:g} | {r.rate:,.0f} | "
                f"{r.cpu_per_1000:.3f} | {ratio} |"
            )
    return "\n".join(rows)


def ratios(results: list[Result]) -> str:
    """Per camera count: the two ratios issue 14 sets targets for."""
    lines = []
    by_n: dict[int, dict[str, Result]] = {}
    for r in results:
        by_n.setdefault(r.cameras, {})[r.variant] = r
    for n, group in by_n.items():
        base = group.get("reolink_aio")
        if base is None:
            continue
        parts = [
            f"{label} {group[name].cpu_per_1000 / base.cpu_per_1000:.2f}× (target ≤ {goal})"
            for name, label, goal in (
                ("ours/detections", "detection poll", "0.5×"),
                ("ours/get_states", "18-command read", "1.0×"),
            )
            if name in group
        ]
        lines.append(f"{n} camera(s), CPU vs reolink_aio get_states(): " + ", ".join(parts))
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> None:
    results: list[Result] = []
    for n in args.cameras:
        print(
            f"== {n} camera(s), {args.repeat} round(s) of {args.seconds:g} s per variant, "
            f"profile {args.profile}"
        )
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            got = await bench(n, args.seconds, args.profile, args.repeat, args.cprofile)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
            stats.print_stats(25)
            print(out.getvalue())
        else:
            got = await bench(n, args.seconds, args.profile, args.repeat, None)
        for r in got:
            print(
                f"    {r.variant:16} {r.polls:7d} polls  {r.rate:9,.1f}/s  "
                f"CPU {r.cpu:6.2f} s = {r.cpu_per_1000:.3f} s/1000 polls"
            )
        results += got
    print()
    print(table(results))
    print()
    print(ratios(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--seconds", type=float, default=10.0, help="per variant and round")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--profile", default="floodlight", help="simulator profile")
    parser.add_argument(
        "--cprofile", choices=VARIANTS, help="profile one variant with cProfile instead"
    )
    parser.add_argument(
        "--sniffio-shim",
        action="store_true",
        help="stand-in sniffio module (as if the package were installed), see the docstring",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
