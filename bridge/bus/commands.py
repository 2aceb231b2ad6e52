"""Commands over the bus: a face asks, the instance that runs the camera answers.

    client = CommandClient(bus, timeout=30.0, check=manager.resolve)
    client.serve(dispatcher.on_request)        # this process executes commands too
    client.start()
    result = await client.request("front_door", command, source="mqtt")

`request` publishes a `CommandRequested` with a fresh `request_id` and waits for the
`CommandCompleted` that carries it back. A camera whose instance does not answer within
`timeout` seconds gives a failed result with the code `timeout` (a late answer is dropped).
`check` runs first: a camera nobody knows is answered at once (`unknown_camera`), not after the
timeout. One bus subscription (`COMMANDS_OWNER`) per process does both jobs: it hands requests to
the served executor and resolves this process's waiting requests. On the Redis Streams bus it
is a broadcast kind (every process sees every request and every answer): the executor decides
whether this process runs the camera.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

from bridge.bus.messages import (
    Bus,
    BusMessage,
    CommandCompleted,
    CommandRequested,
    Subscription,
)
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import CommandTimeout, DomainError, ResultCode

_LOGGER = logging.getLogger(__name__)

COMMANDS_OWNER = "commands"
"""The bus owner of every process's command subscription (a broadcast kind on Redis)."""

DEFAULT_TIMEOUT = 30.0

Executor = Callable[[CommandRequested], None]
"""Takes a request (returns at once: it runs the command in a task of its own, or ignores a
request for a camera this process does not run)."""
Check = Callable[[str], object]
"""Raises a `DomainError` (`UnknownCamera`) for a camera that cannot take a command."""

_QUEUE_SIZE = 10_000


class CommandClient:
    def __init__(
        self, bus: Bus, *, timeout: float = DEFAULT_TIMEOUT, check: Check | None = None
    ) -> None:
        self.bus = bus
        self.timeout = timeout
        self._check = check
        self._executor: Executor | None = None
        self._pending: dict[str, asyncio.Future[CommandResult]] = {}
        self._subscription: Subscription | None = None
        self.timeouts = 0

    def serve(self, executor: Executor) -> None:
        """Hand every `CommandRequested` seen on the bus to `executor` (set before `start`)."""
        self._executor = executor

    def start(self) -> None:
        if self._subscription is None:
            self._subscription = self.bus.subscribe(
                COMMANDS_OWNER, self._on_bus, maxsize=_QUEUE_SIZE
            )

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        pending, self._pending = self._pending, {}
        for future in pending.values():
            future.cancel()

    async def request(
        self,
        camera_id: str,
        command: Command,
        *,
        source: str,
        who: str | None = None,
    ) -> CommandResult:
        """Ask the bus to run `command` and return its result (`timeout` when none came)."""
        transaction = command.transaction
        if self._check is not None:
            try:
                self._check(camera_id)
            except DomainError as err:
                return CommandResult.failed(camera_id, transaction, str(err), err.code)
        request_id = secrets.token_hex(12)
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            self.bus.publish(CommandRequested(request_id, camera_id, command, source, who))
            async with asyncio.timeout(self.timeout):
                return await future
        except TimeoutError:
            self.timeouts += 1
            error = CommandTimeout(f"camera {camera_id} did not answer in time")
            return CommandResult.failed(camera_id, transaction, str(error), error.code)
        finally:
            self._pending.pop(request_id, None)

    async def _on_bus(self, message: BusMessage) -> None:
        if isinstance(message, CommandCompleted):
            if message.request_id is None:
                return
            future = self._pending.get(message.request_id)
            if future is None:
                return  # another process's request, or one that timed out here
            if not future.done():
                future.set_result(message.result)
        elif isinstance(message, CommandRequested) and self._executor is not None:
            try:
                self._executor(message)
            except Exception as err:  # never lose the answer: the requester is waiting
                _LOGGER.exception("command %s for %s failed", message.request_id, message.camera_id)
                self.bus.publish(
                    CommandCompleted(
                        camera_id=message.camera_id,
                        command=message.command.model_dump(mode="json", exclude_none=True),
                        source=message.source,
                        result=CommandResult.failed(
                            message.camera_id,
                            message.command.transaction,
                            f"internal error: {type(err).__name__}",
                            ResultCode.INTERNAL,
                        ),
                        who=message.who,
                        request_id=message.request_id,
                    )
                )

    def stats(self) -> dict[str, int]:
        return {"pending": len(self._pending), "timeouts": self.timeouts}
