"""The one owner of the bridge's long-running tasks: a small supervisor.

The composition root (`bridge.app`) creates one `Supervisor` and hands it to the units whose work
runs in the background (retention, the end of interrupted events, the per-camera snapshot
lanes). What happens when such a task fails is decided per task, when it is spawned:

- `restart=True`: the failure is logged with its traceback and the task starts again after a
  backoff (a lane that hit a bug keeps serving its camera);
- `restart=False` (the default): the failure is logged and *propagated*: `failure` holds it,
  `failed` is set, and the root stops the bridge with that error (`bridge.app.run`).

A task that returns normally is simply done. `stop()` cancels whatever still runs and waits for
it, so nothing the supervisor spawned outlives it; `spawn()` after `stop()` is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from bridge.backoff import Backoff

_LOGGER = logging.getLogger(__name__)

TaskFactory = Callable[[], Coroutine[Any, Any, None]]
"""What `spawn` runs: called again for every restart."""


class TaskFailed(Exception):
    """A supervised task stopped with an error that was not to be restarted."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__(f"task {name} failed: {type(error).__name__}: {error}")
        self.name = name
        self.error = error


class Supervisor:
    def __init__(self, *, restart_initial: float = 0.5, restart_max: float = 30.0) -> None:
        self._restart = (restart_initial, restart_max)
        self._tasks: dict[asyncio.Task[None], str] = {}
        self._closed = False
        self.failed = asyncio.Event()
        self.failure: TaskFailed | None = None
        self.restarts = 0

    @property
    def running(self) -> list[str]:
        """The names of the tasks still running."""
        return sorted(name for task, name in self._tasks.items() if not task.done())

    def spawn(
        self, name: str, factory: TaskFactory, *, restart: bool = False
    ) -> asyncio.Task[None]:
        if self._closed:
            raise RuntimeError(f"the supervisor is stopped: cannot start {name}")
        task = asyncio.get_running_loop().create_task(
            self._guard(name, factory, restart), name=name
        )
        self._tasks[task] = name
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    async def _guard(self, name: str, factory: TaskFactory, restart: bool) -> None:
        backoff = Backoff(*self._restart)
        while True:
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if not restart:
                    _LOGGER.error("task %s failed; stopping the bridge", name, exc_info=err)
                    if self.failure is None:
                        self.failure = TaskFailed(name, err)
                    self.failed.set()
                    return
                delay = backoff.next_delay()
                self.restarts += 1
                _LOGGER.error("task %s failed; restarting it in %.1f s", name, delay, exc_info=err)
                await asyncio.sleep(delay)

    async def cancel(self, task: asyncio.Task[None]) -> None:
        """Cancel one task (e.g. a camera's lane when the camera goes) and wait for it."""
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def stop(self) -> None:
        """Cancel every task and wait for all of them; no spawning afterwards."""
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def start_task(
    tasks: Supervisor | None, name: str, factory: TaskFactory, *, restart: bool = False
) -> asyncio.Task[None]:
    """A unit's background task: in the bridge's supervisor when the unit was given one, else a
    plain task of the running loop (a unit used on its own, as in its tests)."""
    if tasks is not None:
        return tasks.spawn(name, factory, restart=restart)
    return asyncio.get_running_loop().create_task(factory(), name=name)


async def cancel_task(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` (if any) and wait until it is done; its own error is not raised again."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
