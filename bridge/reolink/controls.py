"""Actuators: PTZ, zoom, siren, floodlight, IR lights, status LED, reboot (mixed into the client).

Every control first checks the channel's capabilities and raises `NotSupportedError` without
sending anything when the feature is missing; when the capabilities are not known it sends and
the device's -9 / "Unknown" becomes `NotSupportedError`. Bad arguments raise `ValueError`; a
request the camera's state refuses (no free preset place, an unknown preset) `CommandRefused`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bridge.domain.errors import CommandRefused
from bridge.domain.values import FloodlightMode, IrMode, PtzOp
from bridge.reolink._base import ClientBase
from bridge.reolink.const import BRIGHTNESS_RANGE, DEFAULT_PTZ_SPEED, PTZ_SPEED_RANGE
from bridge.reolink.errors import NotSupportedError, ReolinkError
from bridge.reolink.mapping.ptz import patrol
from bridge.reolink.vocab import (
    FLOODLIGHT_MODES,
    LENS_OPS,
    PAN_TILT_OPS,
    PATROL_OPS,
    PTZ_OPS,
    SPEEDLESS_OPS,
)
from bridge.reolink.wire import Request

_LOGGER = logging.getLogger(__name__)


class Controls(ClientBase):
    """The actuator commands of `ReolinkClient`."""

    _siren_stops: dict[int, asyncio.Task[None]]

    # -- PTZ ---------------------------------------------------------------------------------

    async def ptz(self, channel: int, op: PtzOp, speed: int = DEFAULT_PTZ_SPEED) -> None:
        """Start a PTZ move (it continues until `ptz_stop`), zoom/focus step, or patrol."""
        op = PtzOp(op)
        if op in PAN_TILT_OPS:
            self._require(channel, "pan/tilt", lambda c: c.has("pan_tilt"))
        elif op in LENS_OPS:
            self._require(channel, "zoom/focus", lambda c: c.has("zoom"))
        elif op in PATROL_OPS:
            self._require(channel, "PTZ patrol", lambda c: c.has("ptz_patrol"))
            await patrol(self, channel, op is PtzOp.START_PATROL)  # the switch's wire call
            return
        else:
            self._require(channel, "PTZ", lambda c: c.ptz)
        param: dict[str, object] = {"channel": channel, "op": PTZ_OPS[op]}
        if op not in SPEEDLESS_OPS:
            param["speed"] = _in_range("PTZ speed", speed, PTZ_SPEED_RANGE)
        await self._run(Request("PtzCtrl", param))

    async def ptz_stop(self, channel: int) -> None:
        await self.ptz(channel, PtzOp.STOP)

    async def ptz_goto_preset(
        self, channel: int, preset: str | int, speed: int | None = None
    ) -> None:
        """Move to a preset, by name (looked up in the capabilities, else asked) or by id."""
        found = self._require(
            channel, "PTZ presets", lambda c: c.has("pan_tilt") or bool(c.ptz_presets)
        )
        if isinstance(preset, str):
            ids = found.ptz_preset_ids if found is not None else {}
            if preset not in ids:
                ids = await self.ptz_presets(channel)
            if preset not in ids:
                raise ValueError(f"channel {channel} has no PTZ preset {preset!r}")
            preset = ids[preset]
        param: dict[str, object] = {"channel": channel, "op": "ToPos", "id": preset}
        if speed is not None:
            param["speed"] = _in_range("PTZ speed", speed, PTZ_SPEED_RANGE)
        await self._run(Request("PtzCtrl", param))

    async def ptz_presets(self, channel: int) -> dict[str, int]:
        """The channel's enabled presets, name → id, read from the device now."""
        answer = await self._run(Request("GetPtzPreset", {"channel": channel}))
        presets = answer.value.get("PtzPreset")
        return {
            str(p["name"]): p["id"]
            for p in (presets if isinstance(presets, list) else [])
            if isinstance(p, dict) and p.get("enable") == 1 and isinstance(p.get("id"), int)
        }

    async def ptz_save_preset(self, channel: int, name: str) -> int:
        """Save the current position as the preset `name`: over the preset of that name, else
        in the first free place. Returns the preset's id."""
        self._require(channel, "PTZ presets", lambda c: c.has("pan_tilt"))
        answer = await self._run(Request("GetPtzPreset", {"channel": channel}))
        listed = answer.value.get("PtzPreset")
        presets = [
            p
            for p in (listed if isinstance(listed, list) else [])
            if isinstance(p, dict) and isinstance(p.get("id"), int)
        ]
        same = [p["id"] for p in presets if p.get("enable") == 1 and p.get("name") == name]
        free = [p["id"] for p in presets if p.get("enable") != 1]
        if not same and not free:
            raise CommandRefused(f"channel {channel} has no free preset place: delete one first")
        preset_id: int = (same or free)[0]
        preset = {"channel": channel, "enable": 1, "id": preset_id, "name": name}
        await self._run(Request("SetPtzPreset", {"PtzPreset": preset}))
        return preset_id

    async def ptz_delete_preset(self, channel: int, name: str) -> None:
        """Delete the preset `name` (its place becomes free)."""
        self._require(channel, "PTZ presets", lambda c: c.has("pan_tilt"))
        ids = await self.ptz_presets(channel)
        if name not in ids:
            raise CommandRefused(f"unknown PTZ preset {name!r} on channel {channel}")
        preset = {"channel": channel, "enable": 0, "id": ids[name], "name": ""}
        await self._run(Request("SetPtzPreset", {"PtzPreset": preset}))

    async def set_zoom(self, channel: int, position: int) -> None:
        """Move the optical zoom to an absolute position (the device's own scale)."""
        found = self._require(channel, "zoom", lambda c: c.has("zoom"))
        if found is not None and found.zoom_range is not None:
            _in_range("zoom position", position, found.zoom_range)
        zoom = {"channel": channel, "op": "ZoomPos", "pos": position}
        await self._run(Request("StartZoomFocus", {"ZoomFocus": zoom}))

    # -- siren -------------------------------------------------------------------------------

    async def set_siren(
        self, channel: int, on: bool, duration: float | None = None, *, times: int | None = None
    ) -> None:
        """Sound (`on`) or silence the siren.

        `duration` (s): silence it again after that long — the client owns the timer, cancels it
        on the next `set_siren` for the channel and, on `aclose()`, silences at once. `times`:
        play the alarm sound that many times instead (the device stops by itself). Maximum
        durations are the caller's policy.
        """
        self._require(channel, "siren", lambda c: c.has("siren"))
        self._cancel_siren_stop(channel)
        if on and times is not None:
            if times < 1:
                raise ValueError(f"times must be >= 1, not {times}")
            param: dict[str, object] = {"channel": channel, "alarm_mode": "times", "times": times}
        else:
            param = {"channel": channel, "alarm_mode": "manul", "manual_switch": 1 if on else 0}
        if on and duration is not None and duration <= 0:
            raise ValueError(f"siren duration must be > 0, not {duration}")
        await self._run(Request("AudioAlarmPlay", param))
        if on and duration is not None and times is None:
            self._siren_stops[channel] = asyncio.create_task(
                self._siren_stop_later(channel, duration), name=f"siren-stop-{channel}"
            )

    async def _siren_stop_later(self, channel: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._siren_stops.pop(channel, None)
        try:
            await self._silence(channel)
        except ReolinkError as err:
            _LOGGER.warning("siren timer: could not silence channel %d: %s", channel, err)

    async def _silence(self, channel: int) -> None:
        param = {"channel": channel, "alarm_mode": "manul", "manual_switch": 0}
        await self._run(Request("AudioAlarmPlay", param))

    def _cancel_siren_stop(self, channel: int) -> None:
        task = self._siren_stops.pop(channel, None)
        if task is not None:
            task.cancel()

    async def _flush_siren_stops(self) -> None:
        """On close: every siren that has a pending stop is silenced now."""
        for channel in list(self._siren_stops):
            self._cancel_siren_stop(channel)
            with contextlib.suppress(ReolinkError):
                await self._silence(channel)

    # -- lights and LEDs ---------------------------------------------------------------------

    async def set_floodlight(
        self,
        channel: int,
        on: bool | None = None,
        brightness: int | None = None,
        mode: FloodlightMode | None = None,
    ) -> None:
        """Switch the floodlight (spotlight, `WhiteLed`) and/or set its brightness (0..100)/mode."""
        found = self._require(channel, "floodlight", lambda c: c.has("floodlight"))
        if on is None and brightness is None and mode is None:
            raise ValueError("set_floodlight needs at least one of on, brightness, mode")
        led: dict[str, object] = {"channel": channel}
        if on is not None:
            led["state"] = 1 if on else 0
        if brightness is not None:
            if found is not None and not found.has("floodlight_brightness"):
                raise NotSupportedError(f"channel {channel} has no floodlight brightness")
            led["bright"] = _in_range("floodlight brightness", brightness, BRIGHTNESS_RANGE)
        if mode is not None:
            led["mode"] = FLOODLIGHT_MODES[FloodlightMode(mode)]
        await self._run(Request("SetWhiteLed", {"WhiteLed": led}))

    async def set_ir_lights(self, channel: int, mode: IrMode) -> None:
        self._require(channel, "IR lights", lambda c: c.has("ir_lights"))
        lights = {"channel": channel, "state": IrMode(mode).value}
        await self._run(Request("SetIrLights", {"IrLights": lights}))

    async def set_status_led(self, channel: int, on: bool) -> None:
        """The status LED (`PowerLed.state`), or a doorbell's light (`eDoorbellLightState`)."""
        found = self._require(channel, "status LED", lambda c: c.has("status_led"))
        if found is not None and found.status_led_doorbell:
            # Doorbell light values (reolink_aio's StatusLedEnum): "KeepOff" stays off, "Off" is
            # automatic, "On" lights at night, "KeepOn" always.
            led = {"channel": channel, "eDoorbellLightState": "On" if on else "KeepOff"}
        else:
            led = {"channel": channel, "state": "On" if on else "Off"}
        await self._run(Request("SetPowerLed", {"PowerLed": led}))

    # -- device ------------------------------------------------------------------------------

    async def reboot(self) -> None:
        """Reboot the whole device (an NVR reboots with all its channels)."""
        if self.capabilities is not None and not self.capabilities.reboot:
            raise NotSupportedError("the device cannot be rebooted over HTTP")
        await self._run(Request("Reboot"))


def _in_range(what: str, value: int, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} must be an integer {low}..{high}, not {value!r}")
    return value
