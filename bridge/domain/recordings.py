"""Recordings a camera keeps (its `Search` answers): naive local times from the camera, or aware
UTC once converted with the camera's clock (`bridge.reolink.clock`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bridge.domain.base import DomainModel


class Recording(DomainModel):
    name: str
    channel: int
    start: datetime
    end: datetime
    size: int
    stream: Literal["main", "sub"] = "main"
    triggers: tuple[str, ...] = ()
    """What made the camera record (`timer`, `motion`, `person`, …), when its firmware says."""
