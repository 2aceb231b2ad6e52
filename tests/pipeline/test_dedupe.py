"""The dispatcher's memory of recent commands (pure, no I/O): only an immediate retry of a
command that succeeded is answered from the past."""

from __future__ import annotations

import asyncio
from typing import Any

from bridge.domain.commands import Command, CommandResult
from bridge.pipeline.dedupe import RecentCommands, command_key


class Camera:
    """Counts executions; answers ok, or the error it is told to."""

    def __init__(self) -> None:
        self.ran: list[dict[str, Any]] = []
        self.error: str | None = None
        self.gate: asyncio.Event | None = None

    async def run(
        self, recent: RecentCommands, body: dict[str, Any], who: str = "alice"
    ) -> CommandResult:
        command = Command.model_validate(body)

        async def execute() -> CommandResult:
            self.ran.append(body)
            error = self.error  # as things stood when the command reached the camera
            if self.gate is not None:
                await self.gate.wait()
            if error is not None:
                return CommandResult.failed("cam", command.transaction, error)
            return CommandResult.ok("cam", command.transaction)

        result, _ = await recent.run(command_key("cam", command, "rest", who), execute)
        return result


async def test_an_error_is_not_kept() -> None:
    recent, camera = RecentCommands(), Camera()
    led = {"status_led": "ON", "transaction": "1"}
    camera.error = "camera cam is offline"
    assert (await camera.run(recent, led)).status == "error"
    camera.error = None
    assert (await camera.run(recent, led)).status == "ok"
    assert (await camera.run(recent, led)).status == "ok"
    assert len(camera.ran) == 2
    assert recent.repeats == 1


async def test_a_repeat_waiting_for_a_failing_first_runs_itself() -> None:
    recent, camera = RecentCommands(), Camera()
    led = {"status_led": "ON", "transaction": "1"}
    camera.error, camera.gate = "too many command requests", asyncio.Event()
    first = asyncio.create_task(camera.run(recent, led))
    second = asyncio.create_task(camera.run(recent, led))
    await asyncio.sleep(0.01)
    assert len(camera.ran) == 1  # the repeat waits for the first
    camera.error = None
    camera.gate.set()
    assert (await first).status == "error"
    assert (await second).status == "ok"
    assert len(camera.ran) == 2


async def test_another_body_from_the_same_client_forgets_its_earlier_commands() -> None:
    recent, camera = RecentCommands(), Camera()
    on, off = {"siren": "ON", "transaction": "1"}, {"siren": "OFF"}
    await camera.run(recent, on)
    await camera.run(recent, off)  # a safety-off without a transaction
    await camera.run(recent, on)  # runs: the camera is not where the first ON left it
    assert len(camera.ran) == 3
    # Another client's command forgets nothing of alice's.
    await camera.run(recent, {"status_led": "OFF", "transaction": "1"}, who="bob")
    await camera.run(recent, on)
    assert len(camera.ran) == 4
    assert recent.repeats == 1
    # The same body under another transaction keeps the first one answerable.
    await camera.run(recent, {"siren": "ON", "transaction": "2"})
    await camera.run(recent, on)
    assert len(camera.ran) == 5
    assert len(recent) == 3  # alice's two ONs and bob's LED
