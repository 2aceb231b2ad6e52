"""The siren, the siren sounding on detections (audio alarm) and the speaker volume."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bridge.domain.command_values import (
    SIREN_MAX_SECONDS,
    SirenCommand,
    SirenValue,
)
from bridge.domain.errors import CommandRefused
from bridge.domain.feature import CameraControl, Feature, Ha, Kind, WriteContext
from bridge.domain.ha import field_template
from bridge.domain.rows.common import (
    setting_switch,
)
from bridge.domain.values import (
    OnOff,
)

Volume = Annotated[int, Field(ge=0, le=100)]


async def _siren(ctx: WriteContext, value: SirenCommand) -> None:
    if value.state is OnOff.OFF:
        ctx.cancel("siren")
        await ctx.client.set_siren(ctx.channel, False)
        ctx.assume(siren=OnOff.OFF)
        return
    limit = ctx.siren_max_seconds
    duration = value.duration or limit
    if duration > limit:
        raise CommandRefused(f"siren duration {duration} s exceeds the maximum of {limit} s")
    # The client silences the siren after `duration` (and at once if it closes).
    await ctx.client.set_siren(ctx.channel, True, duration)
    ctx.assume(siren=OnOff.ON)

    async def stopped(client: CameraControl) -> None:
        ctx.assume(siren=OnOff.OFF)

    # Just after the client's own stop timer, so the state follows the camera.
    ctx.after("siren", duration + 0.2, stopped)
    ctx.data["siren_off_in"] = duration


def _siren_config(b: Any) -> dict[str, Any]:
    # A duration needs the JSON command: {"siren": {"state": "ON", "duration": N}}.
    return {
        "command_topic": b.set_topic(),
        "command_template": (
            '{"siren": {"state": "{{ value }}"'
            "{% if duration is defined and duration %}"
            ', "duration": {{ [duration | int, ' + str(SIREN_MAX_SECONDS) + "] | min }}"
            "{% endif %}}}"
        ),
        "state_value_template": field_template("siren"),
        "support_duration": True,
        "support_volume_set": False,
    }


SIREN: tuple[Feature, ...] = (
    Feature(
        key="siren",
        kind=Kind.SIREN,
        name="Siren",
        needs="siren",
        field="siren",
        state=OnOff,
        command=SirenValue,
        short="state",
        write=_siren,
        safety_off=lambda v: v.state is OnOff.OFF,
        ha=Ha(icon="mdi:alarm-light", config=_siren_config),
    ),
)
"""The siren (sounded for a while, or silenced)."""


AUDIO: tuple[Feature, ...] = (
    setting_switch(
        "audio_alarm",
        "Siren on motion",
        "mdi:alarm-bell",
        needs="audio_alarm",
        read="audio_alarm",
        config_group="audio",
    ),
    Feature(
        key="volume",
        kind=Kind.NUMBER,
        name="Volume",
        needs="volume",
        field="volume",
        state=int,
        read="audio_cfg",
        command=Volume,
        minimum=0,
        maximum=100,
        step=1,
        category="config",
        config_group="audio",
        ha=Ha(icon="mdi:volume-high"),
    ),
)
"""Audio: the siren sounding on detections (audio alarm) and the speaker volume."""
