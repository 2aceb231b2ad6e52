"""Commands seen twice are answered once: the dispatcher's memory of recent transactions.

A client that resends a command (an MQTT QoS 1 redelivery, a REST retry after a lost response)
must not make the camera act twice. A command is a repeat of an earlier one when all four are the
same within `WINDOW` seconds of the first: its `transaction`, its camera, its client (the source —
`mqtt`, `rest`, `ws`, … — and who sent it: the API principal; MQTT has no client identity, so the
source alone) and its body. Clients reuse ids like "1", so the transaction alone never decides.

A repeat waits for the first one's result if it is still running and gets that result; it is not
executed and leaves no second audit record. Commands without a transaction are never repeats, and
neither is a safety-off (`Command.is_safety_off`): stopping twice is harmless, and an owner
silencing a siren that was sounded again in between must never be answered from the past.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bridge.domain.commands import Command, CommandResult

WINDOW = 60.0
"""Seconds after a command during which the same one is answered from its result."""
MAX_REMEMBERED = 10_000
"""Transactions kept at most (oldest forgotten first): far above any real command rate."""

Key = tuple[str, str, str, str, str]


def command_key(camera_id: str, command: Command, source: str, who: str | None) -> Key | None:
    """What makes two commands the same one; None for a command that is never de-duplicated."""
    if command.transaction is None or command.is_safety_off:
        return None
    body = json.dumps(
        command.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":")
    )
    return (command.transaction, camera_id, source, who or "", body)


class RecentCommands:
    """Results (or results to come) of the commands of the last `window` seconds, by key."""

    def __init__(
        self,
        window: float = WINDOW,
        max_entries: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Key, tuple[float, asyncio.Future[CommandResult]]] = OrderedDict()
        self.repeats = 0
        """Commands answered from an earlier result instead of being executed."""

    def __len__(self) -> int:
        return len(self._entries)

    async def run(
        self, key: Key | None, execute: Callable[[], Awaitable[CommandResult]]
    ) -> tuple[CommandResult, bool]:
        """(the result, True when it is an earlier command's): `execute` runs unless `key` was
        seen within the window."""
        if key is None:
            return await execute(), False
        now = self._clock()
        self._forget(now)
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
            self.repeats += 1
            return result, True
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        self._entries[key] = (now, future)
        try:
            result = await execute()
        except BaseException:
            # Nothing to answer repeats with: they (and later ones) run themselves.
            if self._entries.get(key, (0.0, None))[1] is future:
                del self._entries[key]
            future.cancel()
            raise
        future.set_result(result)
        return result, False

    def _forget(self, now: float) -> None:
        while self._entries:
            key, (at, future) = next(iter(self._entries.items()))
            expired = now - at >= self.window
            if not expired and len(self._entries) < self.max_entries:
                return
            if not future.done() and not expired:
                return  # still running: the bound gives way rather than lose a running one
            del self._entries[key]
