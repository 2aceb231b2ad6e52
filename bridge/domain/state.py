"""State: one poll of one channel (`ChannelState`) and the retained state of a camera view."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, model_validator

from bridge.domain.base import DomainModel, utcnow
from bridge.domain.dynamic import DynamicFields, FieldSpec
from bridge.domain.features import FEATURES
from bridge.domain.values import (
    DetectionType,
)

DEVICE_CHANNEL = -1
"""The key of the device-wide fields (`scope="device"` rows) among one read's channel states."""


class ChannelState(DomainModel):
    """What one poll of one channel returned: feature fields → values as the camera client read
    them (booleans for switches and detections); a field not read is absent."""

    model_config = ConfigDict(extra="allow")

    channel: int = 0

    @model_validator(mode="before")
    @classmethod
    def _every_field(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**dict.fromkeys(FEATURES.fields), **data}
        return data

    @model_validator(mode="after")
    def _known_fields(self) -> ChannelState:
        unknown = set(self.__pydantic_extra__ or {}) - set(FEATURES.fields)
        if unknown:
            raise ValueError(f"not a feature field: {', '.join(sorted(unknown))}")
        return self

    @property
    def values(self) -> dict[str, Any]:
        return {k: v for k, v in (self.__pydantic_extra__ or {}).items() if v is not None}

    def get(self, name: str) -> Any:
        return (self.__pydantic_extra__ or {}).get(name)

    def detection(self, kind: DetectionType) -> bool | None:
        value = self.get(kind.value)
        return None if value is None else bool(value)

    def merged(self, other: ChannelState) -> ChannelState:
        """This poll with `other`'s values on top (the same channel)."""
        return ChannelState(channel=self.channel, **{**self.values, **other.values})


class CameraState(DynamicFields):
    """The full retained state of one camera (or NVR channel): the `reolink/<camera_id>` payload.

    Beside `camera_id`, `online` and `updated_at`, one field per feature row that has one
    (`motion`, `siren`, `floodlight`, …, `storage`, `last_event`), null while unknown."""

    table_version: ClassVar[Any] = staticmethod(lambda: FEATURES.version)

    camera_id: str
    online: bool = False
    updated_at: datetime = Field(default_factory=utcnow)

    @classmethod
    def table_fields(cls) -> FieldSpec:
        return {
            row.field: (row.state | None, None)
            for row in FEATURES.rows
            if row.field is not None and row.state is not None
        }

    def payload(self) -> dict[str, Any]:
        """JSON-ready dict, identical on MQTT, REST and WebSocket."""
        return self.model_dump(mode="json")
