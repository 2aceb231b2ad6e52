"""Pushed alarms (message 33, `AlarmEventList`) ↔ typed detection events per channel.

A push carries the *state* of one or more channels, not a change:

```xml
<AlarmEventList version="1.1">
<AlarmEvent version="1.1">
<channelId>0</channelId>
<status>MD,visitor</status>        MD: motion, visitor: doorbell pressed, none: neither
<AItype>people,vehicle</AItype>    the AI classes seen now (none: nothing); absent on old firmware
<recording>0</recording>
<timeStamp>0</timeStamp>
</AlarmEvent>
</AlarmEventList>
```

`AlarmTracker` turns those states into `DetectionEvent`s: one per detection whose state changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bridge.domain.values import DetectionType
from bridge.reolink.baichuan.errors import BaichuanProtocolError
from bridge.reolink.baichuan.xmlbody import Field, document, element, int_of, parse, text_of
from bridge.reolink.vocab import AI_KEYS

MOTION_STATUS: Final = "MD"
VISITOR_STATUS: Final = "visitor"
NOTHING: Final = "none"
PIR_MOTION: Final = "other"
"""An AItype of battery cameras: their PIR saw something (reported as motion)."""

AI_WIRE_NAMES: Final = {ours: wire for wire, ours in AI_KEYS.items()}
_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class DetectionEvent:
    """A detection started (`active`) or ended on a channel."""

    channel: int
    detection: DetectionType
    active: bool


@dataclass(frozen=True, slots=True)
class ChannelAlarm:
    """The alarm state of one channel as one push reports it (None: the push does not say)."""

    channel: int
    motion: bool | None = None
    visitor: bool | None = None
    ai: frozenset[DetectionType] | None = None

    def states(self) -> dict[DetectionType, bool]:
        """Every detection this push states, active or not."""
        out: dict[DetectionType, bool] = {}
        if self.motion is not None:
            out[DetectionType.MOTION] = self.motion
        if self.ai is not None:
            for kind in AI_KEYS.values():
                out[kind] = kind in self.ai
        if self.visitor is not None:
            out[DetectionType.VISITOR] = self.visitor
        return out


def _tokens(value: str | None) -> set[str]:
    return {t for t in _SPLIT.split(value or "") if t}


def parse_alarm_events(text: str) -> list[ChannelAlarm]:
    """The `AlarmEvent`s of a pushed `AlarmEventList` (other event kinds are skipped)."""
    root = parse(text)
    alarms: list[ChannelAlarm] = []
    for event in root.iter("AlarmEvent"):
        channel = int_of(event, "channelId")
        if channel is None or channel < 0:
            raise BaichuanProtocolError("Baichuan AlarmEvent without a channel")
        status = text_of(event, "status")
        ai_text = text_of(event, "AItype")
        status_tokens = _tokens(status)
        ai_tokens = _tokens(ai_text)
        motion = None if status is None else MOTION_STATUS in status_tokens
        if ai_text is not None and PIR_MOTION in ai_tokens:
            motion = True
        alarms.append(
            ChannelAlarm(
                channel=channel,
                motion=motion,
                visitor=None if status is None else VISITOR_STATUS in status_tokens,
                ai=None
                if ai_text is None
                else frozenset(AI_KEYS[t] for t in ai_tokens if t in AI_KEYS),
            )
        )
    return alarms


def _event_fields(alarm: ChannelAlarm) -> list[Field]:
    status = [MOTION_STATUS] if alarm.motion else []
    if alarm.visitor:
        status.append(VISITOR_STATUS)
    fields: list[Field] = [("channelId", alarm.channel), ("status", ",".join(status) or NOTHING)]
    if alarm.ai is not None:
        names = [AI_WIRE_NAMES[k] for k in AI_KEYS.values() if k in alarm.ai]
        fields.append(("AItype", ",".join(names) or NOTHING))
    return [*fields, ("recording", 0), ("timeStamp", 0)]


def alarm_event_document(alarms: Sequence[ChannelAlarm]) -> str:
    """The body of a message 33 push reporting `alarms`."""
    lines = ['<AlarmEventList version="1.1">']
    for alarm in alarms:
        lines += element("AlarmEvent", _event_fields(alarm))
    lines.append("</AlarmEventList>")
    return document(lines)


class AlarmTracker:
    """Remembers each channel's detections and reports what a push changes.

    Every detection starts inactive, so the device's first push after the subscription (the
    current state) yields the detections active at that moment.
    """

    def __init__(self) -> None:
        self._active: dict[int, set[DetectionType]] = {}

    def update(self, alarms: Iterable[ChannelAlarm]) -> list[DetectionEvent]:
        events: list[DetectionEvent] = []
        for alarm in alarms:
            active = self._active.setdefault(alarm.channel, set())
            for kind, now in alarm.states().items():
                if now != (kind in active):
                    (active.add if now else active.discard)(kind)
                    events.append(DetectionEvent(alarm.channel, kind, now))
        return events

    def active(self, channel: int) -> frozenset[DetectionType]:
        """The detections active on `channel` now."""
        return frozenset(self._active.get(channel, ()))
