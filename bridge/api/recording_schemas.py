"""The shapes of the recordings routes (`bridge.api.routers.recordings`; docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "camera_id": "nvr_ch1",
    "device_id": "nvr",
    "channel": 1,
    "stream": "main",
    "name": "Mp4Record/2026-12-02/RecM02_20261202_101500_101530_6D28808_4B000.mp4",
    "start": "2026-12-02T09:15:00Z",
    "end": "2026-12-02T09:15:30Z",
    "duration": 30.0,
    "size": 307200,
    "triggers": ["person"],
    "gone": False,
    "download_url": "/api/v1/recordings/42/download?token=rms_…",
    "play_url": "/api/v1/recordings/42/play.mp4?token=rms_…",
}


class RecordingRecord(BaseModel):
    """One file of a camera's recordings index."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})
    id: int
    camera_id: str = Field(description="The camera as the API names it (`<nvr>_ch<N>`)")
    device_id: str
    channel: int
    stream: Literal["main", "sub"]
    name: str = Field(description="The camera's file name")
    start: datetime
    end: datetime
    duration: float
    size: int
    triggers: list[str]
    gone: bool = Field(description="The camera has overwritten the file")
    download_url: str = Field(description="Signed (`media.url_ttl` s); a bearer token works too")
    play_url: str = Field(description="Fragmented MP4 for a `<video>`, signed like the download")


class RecordingPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"recordings": [_EXAMPLE], "next_cursor": None}]}
    )
    recordings: list[RecordingRecord]
    next_cursor: str | None = None


class RecordingSearch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "front_door",
                    "start": "2026-12-01T00:00:00Z",
                    "end": "2026-12-02T00:00:00Z",
                }
            ]
        },
    )
    camera_id: str = Field(min_length=1, max_length=80)
    start: datetime
    end: datetime
    stream: Literal["main", "sub"] = "main"
