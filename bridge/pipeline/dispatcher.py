"""The one command dispatcher: MQTT, REST, WebSocket and the HA integration all come through here.

The faces do not call it: they publish a `CommandRequested` on the bus (`bridge.bus.commands`)
and this process's dispatcher, served the requests (`on_request`), executes those for the
cameras its manager runs and answers with a `CommandCompleted` of the same request id.

`dispatch()` validates a `Command` against the camera's capabilities, enforces the safety rails
(siren maximum duration, a per-camera rate limit for actuators that a safety-off — siren off, PTZ
stop, floodlight off — always passes, PTZ moves that stop by themselves), calls the camera client,
refreshes the state so the change shows everywhere, announces the result on the bus (the audit
trail), and returns the `CommandResult` every interface replies with. A command repeated with the
same transaction within a minute is answered from the first one's result (`bridge.pipeline.dedupe`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.bus.messages import Bus, CommandCompleted, CommandRequested
from bridge.config import SafetySettings
from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.commands import Command, CommandResult
from bridge.domain.errors import (
    CameraOffline,
    CommandRefused,
    DomainError,
    FeatureNotSupported,
    RateLimited,
    ResultCode,
)
from bridge.domain.feature import CameraControl
from bridge.pipeline.dedupe import RecentCommands, command_key
from bridge.pipeline.device import DeviceRunner
from bridge.pipeline.manager import CameraManager
from bridge.pipeline.snapshots import Snapshots
from bridge.reolink import NotSupportedError, ReolinkClient, ReolinkError

_LOGGER = logging.getLogger(__name__)


@dataclass
class _RateLimiter:
    """At most `limit` actuator commands per camera in any 60 s window."""

    limit: int
    _times: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, camera_id: str) -> None:
        now = time.monotonic()
        window = self._times.setdefault(camera_id, deque())
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.limit:
            wait = 60.0 - (now - window[0])
            raise RateLimited(
                f"rate limit: at most {self.limit} commands a minute for {camera_id}; "
                f"retry in {wait:.0f} s"
            )
        window.append(now)


def result_of(camera_id: str, transaction: str | None, err: BaseException) -> CommandResult:
    """The failed result for an error, with its code."""
    if isinstance(err, DomainError):
        return CommandResult.failed(camera_id, transaction, str(err), err.code)
    if isinstance(err, NotSupportedError):
        return CommandResult.failed(camera_id, transaction, str(err), ResultCode.NOT_SUPPORTED)
    if isinstance(err, ReolinkError):
        return CommandResult.failed(
            camera_id, transaction, f"camera error: {err}", ResultCode.CAMERA_ERROR
        )
    _LOGGER.error("command for %s failed unexpectedly", camera_id, exc_info=err)
    return CommandResult.failed(camera_id, transaction, "internal error", ResultCode.INTERNAL)


class CommandDispatcher:
    def __init__(
        self, manager: CameraManager, bus: Bus, safety: SafetySettings, snapshots: Snapshots
    ) -> None:
        self.manager = manager
        self.bus = bus
        self.safety = safety
        self.snapshots = snapshots
        self._rate = _RateLimiter(safety.actuator_rate_per_minute)
        self._timers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._requests: set[asyncio.Task[CommandResult]] = set()
        self.recent = RecentCommands()

    def on_request(self, message: CommandRequested) -> None:
        """A `CommandRequested` from the bus: run it in a task of its own when this process
        runs the camera (another instance answers for the others)."""
        if not self.manager.runs(message.camera_id):
            return
        task = asyncio.get_running_loop().create_task(
            self.dispatch(
                message.camera_id,
                message.command,
                source=message.source,
                who=message.who,
                request_id=message.request_id,
            )
        )
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def dispatch(
        self,
        camera_id: str,
        command: Command,
        *,
        source: str,
        who: str | None = None,
        request_id: str | None = None,
    ) -> CommandResult:
        """Run one command (or answer a repeat from the first one's result), announce it on
        the bus (`CommandCompleted`, with `request_id`) and return its result."""
        key = command_key(camera_id, command, source, who)

        async def execute() -> CommandResult:
            return await self._execute(camera_id, command, source, who, request_id)

        result, repeat = await self.recent.run(key, execute)
        if repeat and request_id is not None:  # the requester waits for an answer
            self._announce(camera_id, command, source, who, result, request_id, repeat=True)
        return result

    async def _execute(
        self, camera_id: str, command: Command, source: str, who: str | None, request_id: str | None
    ) -> CommandResult:
        try:
            data = await self._run(camera_id, command)
            result = CommandResult.ok(camera_id, command.transaction, data or None)
        except Exception as err:  # every failure is an answer, never a crash
            result = result_of(camera_id, command.transaction, err)
        self._announce(camera_id, command, source, who, result, request_id)
        return result

    def _announce(
        self,
        camera_id: str,
        command: Command,
        source: str,
        who: str | None,
        result: CommandResult,
        request_id: str | None,
        *,
        repeat: bool = False,
    ) -> None:
        self.bus.publish(
            CommandCompleted(
                camera_id=camera_id,
                command=command.model_dump(mode="json", exclude_none=True),
                source=source,
                result=result,
                who=who,
                request_id=request_id,
                repeat=repeat,
            )
        )

    async def _run(self, camera_id: str, command: Command) -> dict[str, Any]:
        runner, view = self.manager.resolve(camera_id)
        items = command.items()
        if view.channel is None and any(not row.device_command for row, _ in items):
            raise CommandRefused(f"{camera_id} is an NVR: send camera commands to its channels")
        channel = command.channel if command.channel is not None else (view.channel or 0)
        caps = view.capabilities
        if caps is not None and command.channel is not None and caps.channel != command.channel:
            raise CommandRefused(f"{camera_id} is channel {caps.channel}, not {command.channel}")
        if caps is None and view.channel is not None:
            raise CameraOffline(f"camera {camera_id} has not connected yet")
        check_supported(command, caps, runner.capabilities)
        if command.is_actuator and not command.is_safety_off:
            self._rate.check(runner.camera.id)
        context = _Context(self, runner, camera_id, channel, caps, runner.connected_client())
        async with runner.command_lock:
            for row, value in items:
                assert row.write is not None  # a commandable row has a writer (table test)
                await row.write(context, value)
        if not context.refresh_later:
            try:
                await runner.refresh(capabilities=context.capabilities_changed)
            except ReolinkError as err:
                _LOGGER.debug("refresh after command on %s failed: %s", camera_id, err)
        return context.data

    def _after(
        self,
        runner: DeviceRunner,
        camera_id: str,
        key: str,
        seconds: float,
        action: Callable[[CameraControl], Awaitable[None]],
    ) -> None:
        """Run `action` after `seconds`, replacing any pending one of this key for the camera."""
        self._cancel(camera_id, key)

        async def later() -> None:
            await asyncio.sleep(seconds)
            self._timers.pop((camera_id, key), None)
            try:
                await action(runner.connected_client())
                await runner.refresh()
            except (CameraOffline, ReolinkError) as err:
                _LOGGER.warning("automatic %s stop for %s failed: %s", key, camera_id, err)

        self._timers[(camera_id, key)] = asyncio.get_running_loop().create_task(later())

    def _cancel(self, camera_id: str, key: str) -> None:
        task = self._timers.pop((camera_id, key), None)
        if task is not None:
            task.cancel()

    async def aclose(self) -> None:
        timers: list[asyncio.Task[Any]] = [*self._timers.values(), *self._requests]
        self._timers, self._requests = {}, set()
        for task in timers:
            task.cancel()
        for task in timers:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _Context:
    """What a feature row's writer gets (`bridge.domain.feature.WriteContext`)."""

    def __init__(
        self,
        dispatcher: CommandDispatcher,
        runner: DeviceRunner,
        camera_id: str,
        channel: int,
        capabilities: ChannelCapabilities | None,
        client: ReolinkClient,
    ) -> None:
        self._dispatcher = dispatcher
        self._runner = runner
        self._camera_id = camera_id
        self._channel = channel
        self._capabilities = capabilities
        self._client = client
        self._data: dict[str, Any] = {}
        self.refresh_later = False
        self.capabilities_changed = False

    @property
    def client(self) -> CameraControl:
        return self._client

    @property
    def channel(self) -> int:
        return self._channel

    @property
    def camera_id(self) -> str:
        return self._camera_id

    @property
    def capabilities(self) -> ChannelCapabilities | None:
        return self._capabilities

    @property
    def siren_max_seconds(self) -> int:
        return self._dispatcher.safety.siren_max_seconds

    @property
    def data(self) -> dict[str, Any]:
        return self._data

    def assume(self, **state: Any) -> None:
        self._runner.assume(self._camera_id, **state)

    def after(
        self, key: str, seconds: float, action: Callable[[CameraControl], Awaitable[None]]
    ) -> None:
        self._dispatcher._after(self._runner, self._camera_id, key, seconds, action)

    def cancel(self, key: str) -> None:
        self._dispatcher._cancel(self._camera_id, key)

    async def take_snapshot(self) -> bytes:
        return await self._dispatcher.snapshots.take(self._camera_id)

    def request_refresh(self) -> None:
        self.refresh_later = True
        self._runner.request_refresh()

    def reread_capabilities(self) -> None:
        self.capabilities_changed = True


def check_supported(
    command: Command, caps: ChannelCapabilities | None, device: Capabilities | None = None
) -> None:
    """Refuse what the camera does not have before anything is sent (unknown capabilities: the
    camera decides)."""
    if caps is None:
        return
    missing: list[str] = []
    for row, value in command.items():
        reason = row.check(caps, value) if row.check is not None else None
        if row.scope == "channel" and device is not None and not row.available(caps, device):
            missing.append(reason or row.key)
        elif reason is not None:
            missing.append(reason)
    if missing:
        raise FeatureNotSupported(f"not supported by this camera: {', '.join(missing)}")
