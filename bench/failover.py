"""Several bridge instances on one Redis and PostgreSQL (issue 15): failover time and throughput.

The fleet rig (tests/fixtures/fleet_rig.py): one simulator process with `--cameras` devices, a
throwaway Mosquitto, a fresh database on the local PostgreSQL, a fresh key prefix on the local
Redis, and real `python -m bridge run` processes. In one run:

- failover: 3 instances; `--kills` times, one of them (in turn) is killed with SIGKILL and the
  time until every camera it held is polled again by another is measured from the simulator's
  login sessions (a new session on each of its cameras); then it is started again and the split
  settles. p50 and max over the kills, against the lease TTL — the same-run baseline (a dead
  instance's leases run out TTL after their last renewal, made every third of it: 2/3 to 1 × TTL
  after the kill).
- throughput: 1, 2 and 3 instances, each under the same stream of detections (`--seconds`,
  every camera a detection of `--episode` s, then `--gap` s quiet): detections fired per second,
  events stored per second (each fired detection matched to exactly one stored event), missing
  and duplicated ones, and the instances' CPU.

    .venv/bin/python bench/failover.py --cameras 30 --kills 10 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fixtures.fleet_events import EventStream, match  # noqa: E402
from fixtures.fleet_rig import LEASE_TTL, POLL, Fleet  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


async def failover(fleet: Fleet, kills: int) -> list[float]:
    """Seconds from kill -9 to every camera of the victim polled again, per kill."""
    times = []
    for index in range(kills):
        owners = await fleet.wait_balanced(timeout=60 + fleet.lease_ttl)
        victim = fleet.names[index % len(fleet.names)]
        theirs = sorted(c for c, o in owners.items() if o == victim)
        killed = fleet[victim].kill()
        delays = await fleet.wait_polled_again(theirs, killed, timeout=10 * fleet.lease_ttl + 30)
        times.append(max(delays.values()))
        print(
            f"  kill {index + 1}: {victim} ({len(theirs)} cameras) polled again after "
            f"{min(delays.values()):.2f}..{times[-1]:.2f} s ({load()})",
            flush=True,
        )
        await fleet.start([victim])
    return times


async def throughput(fleet: Fleet, count: int, args: argparse.Namespace) -> dict[str, float]:
    names = fleet.names[:count]
    for name in fleet.names[count:]:
        fleet[name].stop()
    await fleet.start(names)
    await fleet.wait_balanced(among=names, timeout=60 + fleet.lease_ttl)
    rate = len(fleet.cameras) / (args.episode + args.gap)
    before_rows = {r["event_id"] for r in await fleet.event_rows()}
    stream = EventStream(
        fleet.sim, fleet.http, fleet.cameras, rate=rate, duration=args.episode, gap=args.gap
    )
    cpu0 = {n: cpu_seconds(fleet[n].pid) for n in names}
    started = time.monotonic()
    stream.start()
    await asyncio.sleep(args.seconds)
    episodes = await stream.stop()
    elapsed = time.monotonic() - started
    cpu = sum(cpu_seconds(fleet[n].pid) - cpu0[n] for n in names) / elapsed
    await asyncio.sleep(args.episode + 2 * fleet.poll + 2)  # the last ones end and are written
    rows = [r for r in await fleet.event_rows() if r["event_id"] not in before_rows]
    result = match(episodes, rows)
    return {
        "fired": len(episodes) / elapsed,
        "stored": result.matched / elapsed,
        "missing": len(result.missing),
        "duplicated": len(result.duplicated),
        "cpu": cpu,
    }


async def main(args: argparse.Namespace) -> None:
    print(
        f"failover bench: {args.cameras} cameras, poll {args.poll} s, lease TTL "
        f"{args.lease_ttl} s, {load()}",
        flush=True,
    )
    async with Fleet(
        instances=3, cameras=args.cameras, poll=args.poll, lease_ttl=args.lease_ttl
    ) as fleet:
        times = await failover(fleet, args.kills)
        rows = [(n, await throughput(fleet, n, args)) for n in (1, 2, 3)]
    p50, worst = statistics.median(times), max(times)
    print()
    print(f"failover, kill -9 of 1 of 3 instances, {len(times)} kills ({load()}):")
    print("| lease TTL | p50 | max | p50 / TTL |")
    print("|---|---|---|---|")
    print(f"| {args.lease_ttl:.1f} s | {p50:.2f} s | {worst:.2f} s | {p50 / args.lease_ttl:.2f} |")
    print()
    print(
        f"throughput, {args.cameras} cameras, {args.episode} s detections + {args.gap} s quiet, "
        f"{args.seconds} s each:"
    )
    print("| instances | fired/s | stored/s | missing | duplicated | CPU (cores) | vs 1 instance |")
    print("|---|---|---|---|---|---|---|")
    base = rows[0][1]["stored"] or 1.0
    for n, row in rows:
        print(
            f"| {n} | {row['fired']:.1f} | {row['stored']:.1f} | {row['missing']:.0f} "
            f"| {row['duplicated']:.0f} | {row['cpu']:.2f} | {row['stored'] / base:.2f}x |"
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=30)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0, help="throughput: per count")
    parser.add_argument("--poll", type=float, default=POLL)
    parser.add_argument("--lease-ttl", type=float, default=LEASE_TTL)
    parser.add_argument("--episode", type=float, default=1.5, help="seconds a detection lasts")
    parser.add_argument("--gap", type=float, default=0.5, help="quiet seconds between two")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
