"""What the benchmarks share: a process's CPU and memory from /proc, the simulator in its own
process, percentiles and the machine's load.

    from _measure import Meter, cpu_seconds, rss_bytes, simulator

(bench/ scripts run as `python bench/X.py`, so bench/ is on `sys.path`.)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (field 3 onwards), None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 once it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def rss_bytes(pid: int) -> int:
    """Resident set size of a process now (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except OSError:
        return 0


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and int(fields[1]) == pid:
                found.append(int(entry))
    return found


class Meter:
    """CPU seconds of a set of processes (they may come and go) over a window: `sample()` as
    often as processes may end, the total includes every process seen."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self._pids = pids
        self._seen: dict[int, float] = {}

    def sample(self) -> float:
        for pid in self._pids():
            self._seen[pid] = cpu_seconds(pid)
        return sum(self._seen.values())


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` 0.5 = median, 0.99 = p99); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def start_simulator(
    cameras: int, *options: str
) -> tuple[subprocess.Popen[str], list[dict[str, Any]]]:
    """`python -m bridge.simulator --cameras N --port 0 OPTIONS...` and its device lines."""
    command = [sys.executable, "-m", "bridge.simulator", "--cameras", str(cameras)]
    process = subprocess.Popen(
        [*command, "--port", "0", *options], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    try:
        lines = [json.loads(process.stdout.readline()) for _ in range(cameras)]
    except BaseException:
        terminate(process)
        raise
    return process, lines


def terminate(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def simulator(cameras: int, *options: str) -> Iterator[list[dict[str, Any]]]:
    """The simulator in its own process for the block; yields its device lines."""
    process, lines = start_simulator(cameras, *options)
    try:
        yield lines
    finally:
        terminate(process)
