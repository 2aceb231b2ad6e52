"""ffmpeg children that never outlive the bridge.

Three layers, so that no ffmpeg is ever orphaned:

1. Each child runs in its own process group (`start_new_session`) and asks the kernel for
   `SIGKILL` when the bridge dies (`prctl(PR_SET_PDEATHSIG)`, set between fork and exec): a
   `SIGKILL` of the bridge takes its ffmpegs with it.
2. A clean stop (`SIGTERM`, `SIGINT`, leaving `Bridge`) kills every group and reaps it.
3. Every child is written to a pid file under the data dir (pid, start time, marker); the next
   start-up kills whatever of that list still runs (a crash between fork and prctl, a bridge
   frozen while its parent was killed) — only processes whose start time and command line match.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
KILL_WAIT = 5.0
"""Seconds to wait for a killed child to be reaped."""


def _libc_prctl() -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(name, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _libc_prctl()  # loaded before any fork: nothing to look up in the child


def _child_setup(parent: int) -> None:
    """Runs in the child between fork and exec: die with the parent."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _command_line(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


class ProcessRegistry:
    """Starts children the safe way and remembers them in `<dir>/children.pids`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.pid_file = directory / "children.pids"
        self._children: dict[int, asyncio.subprocess.Process] = {}
        self._started: dict[int, str] = {}

    @property
    def marker(self) -> str:
        """Found in every child's command line (its files live under the directory)."""
        return str(self.directory)

    def sweep(self) -> int:
        """Kill the children a previous run left behind; returns how many were still running."""
        killed = 0
        try:
            lines = self.pid_file.read_text().splitlines()
        except OSError:
            lines = []
        for line in lines:
            pid_text, _, started = line.partition(" ")
            if not pid_text.isdigit():
                continue
            pid = int(pid_text)
            if _start_time(pid) != started or self.marker not in _command_line(pid):
                continue  # gone, or the pid belongs to someone else now
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
                killed += 1
                _LOGGER.warning("killed ffmpeg %d left running by a previous run", pid)
        with contextlib.suppress(FileNotFoundError):
            self.pid_file.unlink()
        return killed

    async def spawn(
        self, argv: Sequence[str], *, stdout: int = asyncio.subprocess.DEVNULL
    ) -> asyncio.subprocess.Process:
        """Start `argv` with stdin/stderr pipes, stdout discarded (or `PIPE`), registered until
        reaped."""
        self.directory.mkdir(parents=True, exist_ok=True)
        parent = os.getpid()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=lambda: _child_setup(parent),
        )
        self._children[proc.pid] = proc
        self._started[proc.pid] = _start_time(proc.pid) or ""
        self._write()
        return proc

    @property
    def running(self) -> list[int]:
        return [pid for pid, proc in self._children.items() if proc.returncode is None]

    async def kill(self, proc: asyncio.subprocess.Process) -> None:
        """Kill the child's whole group, reap it, close its pipes, forget it."""
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), KILL_WAIT)
        finally:
            transport = getattr(proc, "_transport", None)  # asyncio keeps the pipes otherwise
            if transport is not None:
                transport.close()
            self.forget(proc)

    def forget(self, proc: asyncio.subprocess.Process) -> None:
        if self._children.pop(proc.pid, None) is not None:
            self._started.pop(proc.pid, None)
            self._write()

    async def kill_all(self) -> None:
        await asyncio.gather(*(self.kill(p) for p in list(self._children.values())))

    def _write(self) -> None:
        lines = "".join(f"{pid} {started}\n" for pid, started in self._started.items())
        tmp = self.pid_file.with_suffix(".tmp")
        try:
            tmp.write_text(lines)
            tmp.replace(self.pid_file)
        except OSError as err:
            _LOGGER.warning("cannot write %s: %s", self.pid_file, err)
