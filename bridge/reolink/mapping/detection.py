"""Motion detection on/off (`MdAlarm.enable`, legacy `Alarm.enable`) and the AI sensitivity per
detection type (`GetAiAlarm`/`SetAiAlarm` `sensitivity` 0..100 per `ai_type`)."""

from __future__ import annotations

from typing import Any

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.domain.values import AI_TYPES, DetectionType, OnOff
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj
from bridge.reolink.abilities import Abilities
from bridge.reolink.vocab import AI_KEYS
from bridge.reolink.wire import Request
from bridge.reolink.wiring import Parser, Probe, Reader, WireWriter, ok

AI_WIRE = {kind: key for key, kind in AI_KEYS.items()}
"""Our AI detection types → Reolink's `ai_type`."""
_AI_ABILITY = {
    "people": "supportAiPeople",
    "vehicle": "supportAiVehicle",
    "dog_cat": "supportAiDogCat",
    "face": "supportAiFace",
    "package": "supportAiPackage",
}


def _enabled(stem: str) -> Parser:
    def parse(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
        flag = int_or_none(obj(value, stem).get("enable"))
        return {"motion_detection": None if flag is None else flag == 1}

    return parse


def _md_reader(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
    if ch.md_sensitivity_legacy:
        return Request("GetAlarm", {"Alarm": {"channel": ch.channel, "type": "md"}}), _enabled(
            "Alarm"
        )
    return Request("GetMdAlarm", {"channel": ch.channel}), _enabled("MdAlarm")


async def _set_motion_detection(
    client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
) -> None:
    flag = 1 if OnOff(value) is OnOff.ON else 0
    if ch is not None and ch.md_sensitivity_legacy:
        alarm = {"channel": channel, "type": "md", "enable": flag}
        await client._run(Request("SetAlarm", {"Alarm": alarm}))
        return
    await client._run(Request("SetMdAlarm", {"MdAlarm": {"channel": channel, "enable": flag}}))


def _ai_reader(kind: DetectionType) -> Reader:
    field = f"ai_sensitivity_{kind.value}"

    def parse(ch: ChannelCapabilities, value: JsonObject) -> dict[str, Any]:
        return {field: int_or_none(obj(value, "AiAlarm").get("sensitivity"))}

    def reader(ch: ChannelCapabilities, caps: Capabilities) -> tuple[Request, Parser]:
        return Request("GetAiAlarm", {"channel": ch.channel, "ai_type": AI_WIRE[kind]}), parse

    return reader


def _ai_writer(kind: DetectionType) -> WireWriter:
    async def write(
        client: ClientBase, channel: int, ch: ChannelCapabilities | None, value: Any
    ) -> None:
        alarm = {"channel": channel, "ai_type": AI_WIRE[kind], "sensitivity": int(value)}
        await client._run(Request("SetAiAlarm", {"AiAlarm": alarm}))

    return write


def _ai_probe(ch: int, ab: Abilities, v20: bool) -> list[Request]:
    if ab.ver("supportAiSensitivity", ch) <= 0:
        return []
    kinds = [key for key, ability in _AI_ABILITY.items() if ab.ver(ability, ch) > 0]
    return [Request("GetAiAlarm", {"channel": ch, "ai_type": kinds[0]})] if kinds else []


READERS: dict[str, Reader] = {
    "md_enable": _md_reader,
    **{f"ai_alarm_{kind.value}": _ai_reader(kind) for kind in AI_TYPES},
}
WRITERS: dict[str, WireWriter] = {
    "motion_detection": _set_motion_detection,
    **{f"ai_sensitivity_{kind.value}": _ai_writer(kind) for kind in AI_TYPES},
}
PROBES: dict[str, Probe] = {
    "md_enable": Probe(
        requests=lambda ch, ab, v20: [],  # GetMdAlarm / GetAlarm are asked anyway
        supported=lambda got, ab, ch: (
            "enable" in obj(ok(got, "GetMdAlarm"), "MdAlarm")
            or "enable" in obj(ok(got, "GetAlarm"), "Alarm")
        ),
    ),
    "ai_sensitivity": Probe(
        requests=_ai_probe,
        supported=lambda got, ab, ch: "sensitivity" in obj(ok(got, "GetAiAlarm"), "AiAlarm"),
    ),
}
