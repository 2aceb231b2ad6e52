"""Commands seen twice are answered once: the dispatcher's memory of recent successes.

A client that resends a command (an MQTT QoS 1 redelivery, a REST retry after a lost response)
must not make the camera act twice. A command is a repeat of an earlier one when all four are the
same within `WINDOW` seconds of the first: its `transaction`, its camera, its client (the source —
`mqtt`, `rest`, `ws`, … — and who sent it: the API principal; MQTT has no client identity, so the
source alone) and its body. Clients reuse ids like "1", so the transaction alone never decides.

Only an immediate retry of the same command is answered from the past:

- only an `ok` result is kept: a command that failed (camera offline, refused by a rate limit, a
  timeout) runs again when retried, and a repeat that waited for a first one that failed runs
  itself;
- any other body from the same client for the same camera (whatever its transaction, or none)
  forgets that client's earlier commands to that camera, so ON, OFF, ON with one reused
  transaction runs three times.

A repeat of a command still running waits for its result; answered, it is not executed and leaves
no second audit record. Commands without a transaction are never repeats, and neither is a
safety-off (`Command.is_safety_off`): stopping twice is harmless, and an owner silencing a siren
that was sounded again in between must never be answered from the past.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bridge.domain.commands import Command, CommandResult, CommandStatus

WINDOW = 60.0
"""Seconds after a command during which the same one is answered from its result."""
MAX_REMEMBERED = 10_000
"""Transactions kept at most (oldest forgotten first): far above any real command rate."""

Pair = tuple[str, str, str]
"""(camera, source, who): one client's commands to one camera."""


@dataclass(frozen=True)
class CommandKey:
    """What makes two commands the same one."""

    pair: Pair
    body: str
    transaction: str | None
    repeatable: bool
    """False for a command never answered from the past (no transaction, or a safety-off)."""


def command_key(camera_id: str, command: Command, source: str, who: str | None) -> CommandKey:
    body = json.dumps(
        command.model_dump(mode="json", exclude_none=True, exclude={"transaction"}),
        sort_keys=True,
        separators=(",", ":"),
    )
    return CommandKey(
        pair=(camera_id, source, who or ""),
        body=body,
        transaction=command.transaction,
        repeatable=command.transaction is not None and not command.is_safety_off,
    )


class RecentCommands:
    """Results (or results to come) of the commands of the last `window` seconds, by key.

    All the entries of one pair have the same body: a command with another body drops them.
    """

    def __init__(
        self,
        window: float = WINDOW,
        max_entries: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CommandKey, tuple[float, asyncio.Future[CommandResult]]] = (
            OrderedDict()
        )
        self._by_pair: dict[Pair, set[CommandKey]] = {}
        self.repeats = 0
        """Commands answered from an earlier result instead of being executed."""

    def __len__(self) -> int:
        return len(self._entries)

    async def run(
        self, key: CommandKey, execute: Callable[[], Awaitable[CommandResult]]
    ) -> tuple[CommandResult, bool]:
        """(the result, True when it is an earlier command's): `execute` runs unless the same
        command succeeded (or is running) within the window and nothing else came in between."""
        now = self._clock()
        self._forget(now)
        self._forget_other_bodies(key)
        if not key.repeatable:
            return await execute(), False
        known = self._entries.get(key)
        if known is not None:
            first = known[1]
            try:
                result = await asyncio.shield(first)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not first.cancelled() or (task is not None and task.cancelling()):
                    raise
                return await self.run(key, execute)  # the first never finished: run this one
            if result.status is not CommandStatus.OK:
                return await self.run(key, execute)  # a failure is never an answer: run this one
            self.repeats += 1
            return result, True
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        self._add(key, now, future)
        try:
            result = await execute()
        except BaseException:
            # Nothing to answer repeats with: they (and later ones) run themselves.
            self._drop_if(key, future)
            future.cancel()
            raise
        if result.status is not CommandStatus.OK:
            self._drop_if(key, future)
        future.set_result(result)
        return result, False

    def _add(self, key: CommandKey, now: float, future: asyncio.Future[CommandResult]) -> None:
        self._entries[key] = (now, future)
        self._by_pair.setdefault(key.pair, set()).add(key)

    def _drop(self, key: CommandKey) -> None:
        del self._entries[key]
        keys = self._by_pair[key.pair]
        keys.discard(key)
        if not keys:
            del self._by_pair[key.pair]

    def _drop_if(self, key: CommandKey, future: asyncio.Future[CommandResult]) -> None:
        """Drop `key` if it still stands for `future` (not for a later run of the command)."""
        known = self._entries.get(key)
        if known is not None and known[1] is future:
            self._drop(key)

    def _forget_other_bodies(self, key: CommandKey) -> None:
        for known in list(self._by_pair.get(key.pair, ())):
            if known.body != key.body:
                self._drop(known)

    def _forget(self, now: float) -> None:
        while self._entries:
            key, (at, future) = next(iter(self._entries.items()))
            expired = now - at >= self.window
            if not expired and len(self._entries) < self.max_entries:
                return
            if not future.done() and not expired:
                return  # still running: the bound gives way rather than lose a running one
            self._drop(key)
