"""Recordings a camera keeps (its `Search` answers)."""

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
