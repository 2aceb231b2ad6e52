"""bridge.bus.commands.CommandClient on the in-process bus: request → answer by request id."""

from __future__ import annotations

import asyncio

from bridge.bus.commands import CommandClient, Executor
from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import BusMessage, CommandCompleted, CommandRequested
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import ResultCode, UnknownCamera

LED = Command.model_validate({"status_led": "ON", "transaction": "t-1"})


def _answer(bus: InProcessBus, served: list[CommandRequested]) -> Executor:
    """Answer every request with an ok result, the answers in reverse order of arrival."""

    def execute(message: CommandRequested) -> None:
        served.append(message)
        number = len(served)

        async def later() -> None:
            await asyncio.sleep(0.05 if number == 1 else 0.0)  # the first answers last
            bus.publish(
                CommandCompleted(
                    camera_id=message.camera_id,
                    command=message.command.model_dump(mode="json", exclude_none=True),
                    source=message.source,
                    result=CommandResult.ok(
                        message.camera_id, message.command.transaction, {"n": number}
                    ),
                    who=message.who,
                    request_id=message.request_id,
                )
            )

        asyncio.get_running_loop().create_task(later())

    return execute


async def test_each_request_gets_its_own_answer() -> None:
    bus = InProcessBus()
    served: list[CommandRequested] = []
    client = CommandClient(bus, timeout=5.0)
    client.serve(_answer(bus, served))
    client.start()
    try:
        first, second = await asyncio.gather(
            client.request("a", LED, source="mqtt"),
            client.request("b", LED, source="rest", who="token:x"),
        )
    finally:
        client.stop()
        await bus.aclose()
    assert (first.camera_id, first.data) == ("a", {"n": 1})
    assert (second.camera_id, second.data) == ("b", {"n": 2})
    assert [(m.source, m.who) for m in served] == [("mqtt", None), ("rest", "token:x")]
    assert served[0].request_id != served[1].request_id
    assert client.stats()["pending"] == 0


async def test_nobody_answers_gives_timeout_and_a_late_answer_is_dropped() -> None:
    bus = InProcessBus()
    seen: list[BusMessage] = []

    async def spy(message: BusMessage) -> None:
        seen.append(message)

    bus.subscribe("spy", spy)
    client = CommandClient(bus, timeout=0.1)
    client.start()
    try:
        result = await client.request("cam", LED, source="ws")
        assert result.code is ResultCode.TIMEOUT
        assert (result.status, result.transaction) == ("error", "t-1")
        await bus.drain()
        (request,) = [m for m in seen if isinstance(m, CommandRequested)]
        bus.publish(  # the camera's instance answers after all: nobody waits any more
            CommandCompleted(
                "cam", {}, "ws", CommandResult.ok("cam", "t-1"), None, request.request_id
            )
        )
        await bus.drain()
        assert client.stats() == {"pending": 0, "timeouts": 1}
    finally:
        client.stop()
        await bus.aclose()


async def test_an_unknown_camera_is_answered_at_once() -> None:
    bus = InProcessBus()

    def check(camera_id: str) -> None:
        raise UnknownCamera(f"no camera {camera_id!r}")

    client = CommandClient(bus, timeout=30.0, check=check)
    client.start()
    try:
        async with asyncio.timeout(1):
            result = await client.request("nope", LED, source="mqtt")
    finally:
        client.stop()
        await bus.aclose()
    assert result.code is ResultCode.UNKNOWN_CAMERA
    assert result.error == "no camera 'nope'"
    assert bus.published == 0  # nothing went on the bus
