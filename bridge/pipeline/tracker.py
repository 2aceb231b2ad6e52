"""Folds each poll of one camera view into its `CameraState` and turns changes into `Event`s.

Pure: no I/O, no clock of its own (the caller passes the poll's time). A detection produces a
`start` event when it goes active and an `end` event, with the same `event_id` and its duration,
when it clears; a doorbell press is one `instant` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridge.domain.base import new_event_id
from bridge.domain.events import Event
from bridge.domain.feature import Feature
from bridge.domain.features import FEATURES
from bridge.domain.state import CameraState, ChannelState
from bridge.domain.values import (
    DetectionType,
    EventPhase,
    EventType,
    LastEvent,
    OnOff,
    StorageState,
)


@dataclass(frozen=True)
class OpenEvent:
    """A detection event another instance opened and did not end, for its camera's new owner
    to continue (`StateTracker.adopt`)."""

    camera_id: str
    kind: DetectionType
    event_id: str
    started_at: datetime
    last_seen: datetime
    """Its camera's latest heartbeat (or its start): when it was last known active."""
    camera_name: str
    channel: int
    """As stored with its start: what its end says when no view of the camera is known yet (an
    NVR channel of a device that never answered, `DeviceRunner`)."""


@dataclass
class _Active:
    event_id: str
    started_at: datetime
    last_seen: datetime | None = None
    """An adopted event (opened by the camera's previous owner): when it was last seen active."""


@dataclass
class StateTracker:
    """The state of one camera view (a camera or an NVR channel) as polls reveal it."""

    camera_id: str
    camera_name: str
    channel: int = 0
    state: CameraState = field(init=False)
    _active: dict[DetectionType, _Active] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.state = CameraState(camera_id=self.camera_id)

    @property
    def active(self) -> bool:
        """A detection has started and not ended (its event is open)."""
        return bool(self._active)

    @property
    def open_ids(self) -> set[str]:
        """The ids of the events open here (started, not ended)."""
        return {active.event_id for active in self._active.values()}

    def adopt(self, event: OpenEvent) -> None:
        """Continue an event another instance opened (a take-over): the next poll that still
        sees the detection raises nothing, one that does not ends it under its own id."""
        self._active[event.kind] = _Active(event.event_id, event.started_at, event.last_seen)
        self.state = self.state.model_copy(update={event.kind.value: True})

    def apply(self, poll: ChannelState, now: datetime) -> tuple[bool, list[Event]]:
        """Fold one poll in. Returns (state changed, events raised)."""
        changes: dict[str, Any] = {}
        events: list[Event] = []
        for row in FEATURES.rows:
            if row.field is None:
                continue
            raw = poll.get(row.field)
            if raw is None:
                continue
            if row.events is not None:
                self._detection(row.key, bool(raw), row.events, now, changes, events)
                continue
            value = state_value(row, raw)
            if value != self.state.get(row.field):
                changes[row.field] = value
        started = [e for e in events if e.phase is not EventPhase.END]
        if started:  # the newest event that began: an earlier one ending does not replace it
            last = started[-1]
            changes["last_event"] = LastEvent(
                type=last.type, phase=last.phase, timestamp=last.timestamp, event_id=last.event_id
            )
        return self._update(changes, now), events

    def _detection(
        self,
        key: str,
        active: bool,
        events_kind: str,
        now: datetime,
        changes: dict[str, Any],
        events: list[Event],
    ) -> None:
        if active == self.state.get(key):
            return
        changes[key] = active
        kind = DetectionType(key)
        if events_kind == "instant":
            if active:
                events.append(self._event(EventType(key), EventPhase.INSTANT, now))
        elif active or kind in self._active:  # unknown -> clear is no event
            events.append(self._edge(kind, active, now))

    def set_online(self, online: bool, now: datetime) -> tuple[bool, list[Event]]:
        """Availability: an offline camera ends its active detections; online/offline are events."""
        if online == self.state.online:
            if online or not self._active:
                return False, []
            # Adopted events of a camera that never answered: they end when last seen active.
            ends = [
                self._edge(kind, False, self._active[kind].last_seen or now)
                for kind in list(self._active)
            ]
            self._update({end.type.value: False for end in ends}, now)
            return True, ends
        events: list[Event] = []
        changes: dict[str, Any] = {"online": online}
        if not online:
            for kind in list(self._active):
                events.append(self._edge(kind, False, now))
                changes[kind.value] = False
        events.append(
            self._event(EventType.ONLINE if online else EventType.OFFLINE, EventPhase.INSTANT, now)
        )
        self._update(changes, now)
        return True, events

    def set_storage(self, storage: StorageState | None, now: datetime) -> bool:
        if storage == self.state.get("storage"):
            return False
        return self._update({"storage": storage}, now)

    def update(self, now: datetime, **changes: Any) -> bool:
        """Apply changes known without a poll (e.g. a command's confirmed result)."""
        changes = {k: v for k, v in changes.items() if self.state.get(k) != v}
        return self._update(changes, now)

    def _update(self, changes: dict[str, Any], now: datetime) -> bool:
        if not changes:
            return False
        self.state = self.state.model_copy(update={**changes, "updated_at": now})
        return True

    def _edge(self, kind: DetectionType, active: bool, now: datetime) -> Event:
        event_type = EventType(kind.value)
        if active:
            event = self._event(event_type, EventPhase.START, now)
            self._active[kind] = _Active(event.event_id, now)
            return event
        started = self._active.pop(kind, None)
        if started is None:
            return self._event(event_type, EventPhase.END, now)
        duration = max(0.0, (now - started.started_at).total_seconds())
        return self._event(
            event_type,
            EventPhase.END,
            now,
            event_id=started.event_id,
            started_at=started.started_at,
            duration=round(duration, 3),
        )

    def _event(
        self,
        event_type: EventType,
        phase: EventPhase,
        now: datetime,
        *,
        event_id: str | None = None,
        started_at: datetime | None = None,
        duration: float | None = None,
    ) -> Event:
        return Event(
            event_id=event_id or new_event_id(),
            type=event_type,
            phase=phase,
            camera_id=self.camera_id,
            camera_name=self.camera_name,
            channel=self.channel,
            timestamp=now,
            started_at=started_at,
            duration=duration,
        )


def state_value(row: Feature, raw: Any) -> Any:
    """A value as the camera client read it, as the state field holds it (a switch's boolean is
    `ON`/`OFF`)."""
    if row.state is OnOff and isinstance(raw, bool):
        return OnOff.ON if raw else OnOff.OFF
    return raw
