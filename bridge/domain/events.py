"""Events: a detection starting or ending, a doorbell press, a camera going online or offline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import (
    Field,
)

from bridge.domain.base import DomainModel, new_event_id, utcnow
from bridge.domain.values import EventPhase, EventType


class EventFence(DomainModel):
    """Which owner raised an event, with several instances (leases): the device's lease name and
    the generation this instance got when it took that lease (`Leases.take`). The store refuses a
    detection `start` of a lower generation than the device's recorded one (a late start from a
    previous owner, docs/scale-out.md)."""

    lease: str
    generation: int = Field(ge=0)


class Event(DomainModel):
    """Something that happened: a detection starting or ending, a doorbell press, online/offline."""

    event_id: str = Field(default_factory=new_event_id)
    type: EventType
    phase: EventPhase
    camera_id: str
    camera_name: str = ""
    channel: int = 0
    timestamp: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = Field(default=None, description="For 'end': when it started")
    duration: float | None = Field(default=None, ge=0, description="For 'end': seconds active")
    data: dict[str, Any] = Field(default_factory=dict)
    fence: EventFence | None = Field(default=None, exclude=True)
    """Several instances: the owner that raised it (`EventFence`); None with one instance. Not in
    the payload (MQTT, REST): the bus and the spool carry it (`fenced_payload`)."""

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def fenced_payload(self) -> dict[str, Any]:
        """`payload()` plus the fence, when there is one (the bus's and the spool's form)."""
        payload = self.payload()
        if self.fence is not None:
            payload["fence"] = self.fence.model_dump(mode="json")
        return payload
