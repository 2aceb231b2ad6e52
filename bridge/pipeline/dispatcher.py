"""The one command dispatcher: MQTT, REST, WebSocket and the HA integration all come through here.

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

from bridge.bus.messages import Bus, CommandCompleted
from bridge.config import SafetySettings
from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.commands import Command, CommandResult
from bridge.domain.values import OnOff, PtzOp
from bridge.pipeline.dedupe import RecentCommands, command_key
from bridge.pipeline.device import CameraOffline, DeviceRunner
from bridge.pipeline.manager import CameraManager, UnknownCamera
from bridge.pipeline.snapshots import Snapshots
from bridge.reolink import NotSupportedError, ReolinkClient, ReolinkError

_LOGGER = logging.getLogger(__name__)

_NOT_ACTUATORS = frozenset({"snapshot"})
_TOGGLES = ("recording", "push", "email", "ftp")
_ZOOM_OPS = frozenset({PtzOp.ZOOM_IN, PtzOp.ZOOM_OUT, PtzOp.FOCUS_NEAR, PtzOp.FOCUS_FAR})


class CommandRefused(Exception):
    """The command is valid but may not run now (rate limit, safety rail, capability)."""


class FeatureNotSupported(CommandRefused):
    """The camera's capabilities lack what the command needs; nothing was sent."""


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
            raise CommandRefused(
                f"rate limit: at most {self.limit} commands a minute for {camera_id}; "
                f"retry in {wait:.0f} s"
            )
        window.append(now)


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
        self.recent = RecentCommands()

    async def dispatch(
        self, camera_id: str, command: Command, *, source: str, who: str | None = None
    ) -> CommandResult:
        """Run one command (or answer a repeat from the first one's result) and return the
        result every interface replies with."""
        key = command_key(camera_id, command, source, who)

        async def execute() -> CommandResult:
            return await self._execute(camera_id, command, source, who)

        result, _ = await self.recent.run(key, execute)
        return result

    async def _execute(
        self, camera_id: str, command: Command, source: str, who: str | None
    ) -> CommandResult:
        try:
            data = await self._run(camera_id, command)
            result = CommandResult.ok(camera_id, command.transaction, data or None)
        except (UnknownCamera, CameraOffline, CommandRefused, NotSupportedError) as err:
            result = CommandResult.failed(camera_id, command.transaction, str(err))
        except ReolinkError as err:
            result = CommandResult.failed(camera_id, command.transaction, f"camera error: {err}")
        except Exception:
            _LOGGER.exception("command for %s failed unexpectedly", camera_id)
            result = CommandResult.failed(camera_id, command.transaction, "internal error")
        self.bus.publish(
            CommandCompleted(
                camera_id=camera_id,
                command=command.model_dump(mode="json", exclude_none=True),
                source=source,
                result=result,
                who=who,
            )
        )
        return result

    async def _run(self, camera_id: str, command: Command) -> dict[str, Any]:
        runner, view = self.manager.resolve(camera_id)
        if view.channel is None and set(command.actions()) - {"reboot"}:
            raise CommandRefused(f"{camera_id} is an NVR: send camera commands to its channels")
        channel = command.channel if command.channel is not None else (view.channel or 0)
        caps = view.capabilities
        if caps is not None and command.channel is not None and caps.channel != command.channel:
            raise CommandRefused(f"{camera_id} is channel {caps.channel}, not {command.channel}")
        if caps is None and view.channel is not None:
            raise CameraOffline(f"camera {camera_id} has not connected yet")
        _check_supported(command, caps)
        if set(command.actions()) - _NOT_ACTUATORS and not command.is_safety_off:
            self._rate.check(runner.camera.id)
        client = runner.connected_client()
        data: dict[str, Any] = {}
        async with runner.command_lock:
            await self._apply(runner, client, camera_id, channel, command, data)
        if command.reboot is None:
            try:
                await runner.refresh()
            except ReolinkError as err:
                _LOGGER.debug("refresh after command on %s failed: %s", camera_id, err)
        return data

    async def _apply(
        self,
        runner: DeviceRunner,
        client: ReolinkClient,
        camera_id: str,
        channel: int,
        command: Command,
        data: dict[str, Any],
    ) -> None:
        if command.siren is not None:
            if command.siren.state is OnOff.ON:
                duration = command.siren.duration or self.safety.siren_max_seconds
                if duration > self.safety.siren_max_seconds:
                    raise CommandRefused(
                        f"siren duration {duration} s exceeds the maximum of "
                        f"{self.safety.siren_max_seconds} s"
                    )
                # The client silences the siren after `duration` (and at once if it closes).
                await client.set_siren(channel, True, duration)
                runner.assume(camera_id, siren=OnOff.ON)

                async def siren_stopped() -> None:
                    runner.assume(camera_id, siren=OnOff.OFF)

                # Just after the client's own stop timer, so the state follows the camera.
                self._after(runner, camera_id, "siren", duration + 0.2, siren_stopped)
                data["siren_off_in"] = duration
            else:
                self._cancel(camera_id, "siren")
                await client.set_siren(channel, False)
                runner.assume(camera_id, siren=OnOff.OFF)
        if command.floodlight is not None:
            light = command.floodlight
            await client.set_floodlight(
                channel,
                on=None if light.state is None else light.state is OnOff.ON,
                brightness=light.brightness,
                mode=light.mode,
            )
        if command.ir_lights is not None:
            await client.set_ir_lights(channel, command.ir_lights)
        if command.status_led is not None:
            await client.set_status_led(channel, command.status_led is OnOff.ON)
        if command.ptz is not None:
            ptz = command.ptz
            self._cancel(camera_id, "ptz")
            if ptz.op is PtzOp.STOP:
                await client.ptz_stop(channel)
            else:
                await client.ptz(channel, ptz.op, ptz.speed)
                if ptz.duration is not None:

                    async def ptz_stop() -> None:
                        await runner.connected_client().ptz_stop(channel)

                    self._after(runner, camera_id, "ptz", ptz.duration, ptz_stop)
        if command.ptz_preset is not None:
            await client.ptz_goto_preset(channel, command.ptz_preset)
            runner.assume(camera_id, ptz_preset=command.ptz_preset)
        if command.zoom is not None:
            view = runner.view(camera_id)
            position = command.zoom  # percent; the camera speaks its own positions
            if view is not None and view.capabilities is not None:
                position = view.capabilities.zoom_position(command.zoom)
            await client.set_zoom(channel, position)
        if command.day_night is not None:
            await client.set_day_night(channel, command.day_night)
        if command.image is not None:
            await client.set_image(channel, **command.image.model_dump(exclude_none=True))
        if command.motion_sensitivity is not None:
            await client.set_motion_sensitivity(channel, command.motion_sensitivity)
        for name in _TOGGLES:
            value = getattr(command, name)
            if value is not None:
                await getattr(client, f"set_{name}")(channel, value is OnOff.ON)
        if command.snapshot:
            jpeg = await self.snapshots.take(camera_id)
            data["snapshot_bytes"] = len(jpeg)
        if command.reboot:
            await client.reboot()
            runner.request_refresh()

    def _after(
        self,
        runner: DeviceRunner,
        camera_id: str,
        key: str,
        seconds: float,
        action: Callable[[], Awaitable[None]],
    ) -> None:
        """Run `action` after `seconds`, replacing any pending one of this key for the camera."""
        self._cancel(camera_id, key)

        async def later() -> None:
            await asyncio.sleep(seconds)
            self._timers.pop((camera_id, key), None)
            try:
                await action()
                await runner.refresh()
            except (CameraOffline, ReolinkError) as err:
                _LOGGER.warning("automatic %s stop for %s failed: %s", key, camera_id, err)

        self._timers[(camera_id, key)] = asyncio.get_running_loop().create_task(later())

    def _cancel(self, camera_id: str, key: str) -> None:
        task = self._timers.pop((camera_id, key), None)
        if task is not None:
            task.cancel()

    async def aclose(self) -> None:
        timers, self._timers = list(self._timers.values()), {}
        for task in timers:
            task.cancel()
        for task in timers:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _check_supported(command: Command, caps: ChannelCapabilities | None) -> None:
    if caps is None:
        return
    missing: list[str] = []
    checks: dict[str, bool] = {
        "siren": caps.siren,
        "floodlight": caps.floodlight,
        "ir_lights": caps.ir_lights,
        "status_led": caps.status_led,
        "ptz_preset": bool(caps.ptz_presets),
        "zoom": caps.zoom,
        "day_night": caps.day_night,
        "image": caps.image_settings,
        "motion_sensitivity": caps.md_sensitivity,
        "recording": caps.recording,
        "push": caps.push,
        "email": caps.email,
        "ftp": caps.ftp,
        "snapshot": caps.snapshot,
    }
    for action in command.actions():
        if action in checks and not checks[action]:
            missing.append(action)
    if command.ptz is not None:
        zoom_op = command.ptz.op in _ZOOM_OPS
        if (zoom_op and not caps.zoom) or (not zoom_op and not caps.pan_tilt):
            missing.append(f"ptz {command.ptz.op.value}")
    light = command.floodlight
    if light is not None and light.brightness is not None and not caps.floodlight_brightness:
        missing.append("floodlight brightness")
    if (
        command.ptz_preset is not None
        and caps.ptz_presets
        and command.ptz_preset not in caps.ptz_presets
    ):
        raise CommandRefused(
            f"unknown PTZ preset {command.ptz_preset!r}; known: {', '.join(caps.ptz_presets)}"
        )
    if missing:
        raise FeatureNotSupported(f"not supported by this camera: {', '.join(missing)}")
