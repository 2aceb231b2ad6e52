"""What every domain model shares: strict pydantic models, the clock, time-ordered ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import (
    BaseModel,
    ConfigDict,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    """Time-ordered unique id (UUIDv7 layout) so ids sort like the events they name."""
    ms = int(utcnow().timestamp() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (
        (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    )
    return str(uuid.UUID(int=value))


class DomainModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
