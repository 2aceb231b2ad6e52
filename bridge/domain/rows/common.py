"""What several row modules share: the switch writer, the detection icons, row builders."""

from __future__ import annotations

from typing import Any

from bridge.domain.command_values import (
    OnOffValue,
)
from bridge.domain.feature import Feature, Ha, Kind, WriteContext
from bridge.domain.ha import bool_template
from bridge.domain.values import (
    DetectionType,
    OnOff,
)


def switch_writer(call: str) -> Any:
    async def write(ctx: WriteContext, value: OnOff) -> None:
        await getattr(ctx.client, call)(ctx.channel, value is OnOff.ON)

    return write


DETECTION_ICONS: dict[DetectionType, str | None] = {
    DetectionType.MOTION: None,
    DetectionType.PERSON: "mdi:account",
    DetectionType.VEHICLE: "mdi:car",
    DetectionType.PET: "mdi:dog-side",
    DetectionType.FACE: "mdi:face-recognition",
    DetectionType.PACKAGE: "mdi:package-variant-closed",
    DetectionType.VISITOR: "mdi:doorbell",
}


def has_ai(kind: DetectionType) -> Any:
    return lambda ch: kind in ch.ai_types


def bool_config(field: str) -> Any:
    return lambda b: {"value_template": bool_template(field)}


def setting_switch(key: str, name: str, icon: str, *, needs: str, read: str, **kw: Any) -> Feature:
    """A switch written through the camera client's wire mapping of `key`."""
    return Feature(
        key=key,
        kind=Kind.SWITCH,
        name=name,
        needs=needs,
        field=key,
        state=OnOff,
        read=read,
        command=OnOffValue,
        category="config",
        ha=Ha(icon=icon),
        **kw,
    )


def binary_sensor(key: str, name: str, *, needs: str, read: str, ha: Ha, **kw: Any) -> Feature:
    return Feature(
        key=key,
        kind=Kind.BINARY_SENSOR,
        name=name,
        needs=needs,
        field=key,
        state=bool,
        read=read,
        actuator=False,
        category="diagnostic",
        ha=Ha(
            device_class=ha.device_class,
            icon=ha.icon,
            logbook=ha.logbook,
            config=bool_config(key),
        ),
        **kw,
    )
