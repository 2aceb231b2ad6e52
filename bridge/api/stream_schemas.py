"""The stream catalogue as the API shows it (`GET /cameras/{id}/streams`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _example(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


_PROXY = "http://127.0.0.1:8080/api/v1/cameras/front_door/streams/sub"
_LINKS = {
    "flv": f"{_PROXY}.flv?token=rms_…",
    "hls": f"{_PROXY}/index.m3u8?token=rms_…",
}
_STREAM = {
    "name": "sub",
    "codec": "h264",
    "width": 640,
    "height": 360,
    "frame_rate": 10,
    "bit_rate_kbps": 256,
    "gop_seconds": 4,
    "audio": True,
    "browser_playable": True,
    "flv": True,
    "hls": True,
    "urls": _LINKS,
}


class StreamLinks(BaseModel):
    """Where to watch one stream. The proxied URLs carry no camera credential (a signed token
    of this camera and stream instead); the camera's own URLs carry its password and are only
    shown to the admin scope."""

    model_config = _example(_LINKS)

    flv: str | None = Field(default=None, description="HTTP-FLV through the bridge")
    hls: str | None = Field(default=None, description="HLS through the bridge (ffmpeg)")
    rtsp: str | None = Field(default=None, description="The camera's RTSP (admin only)")
    rtmp: str | None = Field(default=None, description="The camera's RTMP (admin only)")
    camera_flv: str | None = Field(default=None, description="The camera's HTTP-FLV (admin only)")


class StreamInfo(BaseModel):
    """One stream as the camera reports it (`GetEnc`) and how the bridge serves it."""

    model_config = _example(_STREAM)

    name: Literal["main", "sub", "ext"]
    codec: str = Field(description="`h264` or `h265`")
    width: int | None = None
    height: int | None = None
    frame_rate: int | None = None
    bit_rate_kbps: int | None = None
    gop_seconds: int | None = Field(default=None, description="Keyframe interval")
    audio: bool = False
    browser_playable: bool = Field(description="H.264: plays in browsers without transcoding")
    flv: bool = Field(description="The FLV proxy serves it")
    hls: bool = Field(description="The HLS proxy serves it")
    transcoded: bool = Field(
        default=False,
        description="HLS re-encoded from H.265 to H.264 by the bridge (streams.transcode_h265)",
    )
    note: str | None = Field(default=None, description="Why it is not served, or how it is")
    urls: StreamLinks


class ChannelStreamList(BaseModel):
    """The streams of one camera or NVR channel."""

    model_config = _example(
        {
            "camera_id": "front_door",
            "channel": 0,
            "online": True,
            "default_stream": "sub",
            "streams": [_STREAM],
            "urls_expire_at": "2025-06-01T12:00:00Z",
        }
    )

    camera_id: str
    channel: int
    online: bool
    default_stream: str | None = Field(
        description="What `/stream/hls` and `/stream/flv` serve: main when it is H.264, else "
        "the H.264 sub stream"
    )
    streams: list[StreamInfo]
    urls_expire_at: datetime | None = Field(description="When the signed URLs stop opening")


class StreamCatalogue(BaseModel):
    """`GET /cameras/{id}/streams`: one entry for a camera, one per channel for an NVR."""

    model_config = _example({"camera_id": "front_door", "cameras": []})

    camera_id: str
    cameras: list[ChannelStreamList]


class DirectStreamUrl(BaseModel):
    """`GET /cameras/{id}/stream/rtsp|rtmp`: the camera's own URL, password included."""

    model_config = _example(
        {"camera_id": "front_door", "stream": "sub", "url": "rtsp://admin:…@192.0.2.10:554/…"}
    )

    camera_id: str
    stream: str
    url: str
