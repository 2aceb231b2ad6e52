"""The supervisor of the long-running tasks: a failure is logged and restarts the task or stops
the bridge, as the task was spawned to do; `stop()` leaves nothing running."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bridge.app import run
from bridge.config import load_settings
from bridge.storage.writer import EventWriter
from bridge.tasks import Supervisor, TaskFailed


async def test_a_task_spawned_to_restart_is_restarted_after_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = Supervisor(restart_initial=0.01, restart_max=0.02)
    runs: list[int] = []
    healthy = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError(f"bug {len(runs)}")
        healthy.set()
        await asyncio.Event().wait()

    tasks.spawn("flaky", flaky, restart=True)
    async with asyncio.timeout(5):
        await healthy.wait()
    assert tasks.restarts == 2
    assert tasks.running == ["flaky"]
    assert not tasks.failed.is_set()
    assert caplog.text.count("task flaky failed; restarting it") == 2
    assert "RuntimeError: bug 1" in caplog.text  # with its traceback
    await tasks.stop()
    assert tasks.running == []


async def test_a_task_not_to_restart_propagates_its_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = Supervisor()

    async def broken() -> None:
        raise ValueError("the writer's bug")

    tasks.spawn("event-writer", broken)
    async with asyncio.timeout(5):
        await tasks.failed.wait()
    assert isinstance(tasks.failure, TaskFailed)
    assert tasks.failure.name == "event-writer"
    assert isinstance(tasks.failure.error, ValueError)
    assert "task event-writer failed: ValueError: the writer's bug" in str(tasks.failure)
    assert "task event-writer failed; stopping the bridge" in caplog.text
    assert tasks.running == []
    await tasks.stop()


async def test_stop_cancels_everything_and_refuses_new_tasks() -> None:
    tasks = Supervisor()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    running = [tasks.spawn(f"t{n}", forever) for n in range(3)]
    tasks.spawn("done", lambda: asyncio.sleep(0))
    await started.wait()
    await tasks.stop()
    assert all(task.cancelled() for task in running)
    assert tasks.running == []
    assert not tasks.failed.is_set()  # a cancel is not a failure
    with pytest.raises(RuntimeError, match="supervisor is stopped"):
        tasks.spawn("late", forever)


async def test_the_bridge_stops_with_the_error_of_a_failed_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: EventWriter) -> None:
        raise RuntimeError("a bug in the writer's loop")

    monkeypatch.setattr(EventWriter, "_run", broken)
    settings = load_settings(
        data_dir=tmp_path / "data", mqtt={"enabled": False}, server={"enabled": False}
    )
    with pytest.raises(TaskFailed, match="event-writer failed: RuntimeError: a bug"):
        async with asyncio.timeout(10):
            await run(settings)
    assert {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} == set()
