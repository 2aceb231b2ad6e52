"""Events: a detection starting or ending, a doorbell press, a camera going online or offline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import (
    Field,
)

from bridge.domain.base import DomainModel, new_event_id, utcnow
from bridge.domain.values import EventPhase, EventType


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

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
