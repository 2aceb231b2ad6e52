"""Settings: image, day/night, motion sensitivity, recording/e-mail/push/FTP (a client mixin).

Same rules as `controls`: capabilities are checked first (`NotSupportedError`, nothing sent);
without capabilities the device decides, and for the commands that exist in two dialects the
modern one (`SetMdAlarm`, `Set*V20`) is tried first and the legacy one on -9.
"""

from __future__ import annotations

from bridge.domain.capabilities import ChannelCapabilities
from bridge.domain.values import DayNight
from bridge.reolink._base import ClientBase
from bridge.reolink._json import obj, objects
from bridge.reolink.capabilities import TOGGLES
from bridge.reolink.const import IMAGE_RANGE
from bridge.reolink.errors import NotSupportedError
from bridge.reolink.vocab import DAY_NIGHT_WIRE, sensitivity_to_wire
from bridge.reolink.wire import Request

_IMAGE_KEYS = {
    "brightness": "bright",
    "contrast": "contrast",
    "saturation": "saturation",
    "sharpness": "sharpen",
    "hue": "hue",
}


class Settings(ClientBase):
    """The settings commands of `ReolinkClient`."""

    async def set_image(
        self,
        channel: int,
        *,
        brightness: int | None = None,
        contrast: int | None = None,
        saturation: int | None = None,
        sharpness: int | None = None,
        hue: int | None = None,
    ) -> None:
        """Image adjustments (`SetImage`), each 0..255; only the given ones change."""
        self._require(channel, "image settings", lambda c: c.has("image_settings"))
        given = {
            "brightness": brightness,
            "contrast": contrast,
            "saturation": saturation,
            "sharpness": sharpness,
            "hue": hue,
        }
        image: dict[str, object] = {"channel": channel}
        for ours, value in given.items():
            if value is None:
                continue
            low, high = IMAGE_RANGE
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{ours} must be an integer {low}..{high}, not {value!r}")
            image[_IMAGE_KEYS[ours]] = value
        if len(image) == 1:
            raise ValueError("set_image needs at least one value")
        await self._run(Request("SetImage", {"Image": image}))

    async def set_day_night(self, channel: int, mode: DayNight) -> None:
        """Colour / black & white / automatic (`SetIsp` `dayNight`)."""
        self._require(channel, "day/night mode", lambda c: c.has("day_night"))
        isp = {"channel": channel, "dayNight": DAY_NIGHT_WIRE[DayNight(mode)]}
        await self._run(Request("SetIsp", {"Isp": isp}))

    async def set_motion_sensitivity(self, channel: int, value: int) -> None:
        """Motion sensitivity as the Reolink app shows it: 1 (least) .. 50 (most sensitive).

        The device stores `51 - value` (see `vocab.sensitivity_to_wire`); `read_settings`
        converts back, so what is set is what is read.
        """
        wire = sensitivity_to_wire(value)
        found = self._require(channel, "motion sensitivity", lambda c: c.has("md_sensitivity"))
        if found is not None and found.md_sensitivity_legacy:
            await self._set_legacy_sensitivity(channel, wire)
            return
        new = {"channel": channel, "useNewSens": 1, "newSens": {"sensDef": wire}}
        try:
            await self._run(Request("SetMdAlarm", {"MdAlarm": new}))
        except NotSupportedError:
            if found is not None:
                raise
            await self._set_legacy_sensitivity(channel, wire)

    async def _set_legacy_sensitivity(self, channel: int, wire: int) -> None:
        """Old firmware: read `GetAlarm` and write every period's sensitivity back (`SetAlarm`)."""
        current = await self._run(
            Request("GetAlarm", {"Alarm": {"channel": channel, "type": "md"}})
        )
        alarm = obj(current.value, "Alarm")
        periods = objects(alarm, "sens") or [{"id": 0}]
        sens = [{**period, "sensitivity": wire} for period in periods]
        param = {"Alarm": {"channel": channel, "type": "md", "sens": sens}}
        await self._run(Request("SetAlarm", param))

    async def set_recording(self, channel: int, on: bool) -> None:
        await self._set_toggle(channel, "recording", on)

    async def set_email(self, channel: int, on: bool) -> None:
        await self._set_toggle(channel, "email", on)

    async def set_push(self, channel: int, on: bool) -> None:
        await self._set_toggle(channel, "push", on)

    async def set_ftp(self, channel: int, on: bool) -> None:
        await self._set_toggle(channel, "ftp", on)

    async def _set_toggle(self, channel: int, name: str, on: bool) -> None:
        """`Set<X>V20 {X: {scheduleEnable, schedule{channel}}}` or legacy
        `Set<X> {X: {schedule{enable, channel}}}` (the switch reolink_aio uses per channel)."""

        def has(c: ChannelCapabilities) -> bool:
            return bool(getattr(c, name))

        self._require(channel, name, has)
        stem, flag = TOGGLES[name], 1 if on else 0
        v20 = Request(
            f"Set{stem}V20", {stem: {"scheduleEnable": flag, "schedule": {"channel": channel}}}
        )
        legacy = Request(f"Set{stem}", {stem: {"schedule": {"enable": flag, "channel": channel}}})
        caps = self.capabilities
        if caps is not None:
            await self._run(v20 if caps.schedule_v20 else legacy)
            return
        try:
            await self._run(v20)
        except NotSupportedError:
            await self._run(legacy)
