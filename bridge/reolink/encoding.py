"""What a channel's streams are, as the device reports them (`GetEnc`).

`GetEnc` answers `Enc {audio, channel, mainStream {vType, width, height, frameRate, bitRate,
gop, profile}, subStream {…}, extStream {…}}`; `extStream` only on devices that have a third
("clear"/"fluent"/"balanced") stream. Old firmware omits `vType`: such devices encode H.264 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from bridge.reolink._json import JsonObject, int_or_none, obj, text_or_none

StreamName = Literal["main", "sub", "ext"]
STREAM_NAMES: tuple[StreamName, ...] = get_args(StreamName)


@dataclass(frozen=True, slots=True)
class StreamEncoding:
    """One stream of one channel, as `GetEnc` reports it (None: the device did not say)."""

    name: StreamName
    codec: str
    """`h264` or `h265` (lower case); `h264` when the firmware does not say (it predates H.265)."""
    codec_reported: bool
    width: int | None
    height: int | None
    frame_rate: int | None
    bit_rate: int | None
    """kbit/s."""
    gop: int | None
    """Keyframe interval in seconds (Reolink's `gop`: 1–4 × the frame rate)."""
    profile: str | None
    audio: bool

    @property
    def browser_playable(self) -> bool:
        """H.264: what browsers, hls.js and Home Assistant's stream play without transcoding."""
        return self.codec == "h264"


def parse_enc(value: JsonObject) -> list[StreamEncoding]:
    """The streams in a `GetEnc` value (`{"Enc": {…}}`), main first; garbage is skipped."""
    enc = obj(value, "Enc")
    audio = enc.get("audio") == 1
    found = []
    for name in STREAM_NAMES:
        stream = obj(enc, f"{name}Stream")
        if not stream:
            continue
        codec = (text_or_none(stream.get("vType")) or "").lower()
        width, height = int_or_none(stream.get("width")), int_or_none(stream.get("height"))
        size = text_or_none(stream.get("size"))
        if (width is None or height is None) and size and "*" in size:
            w, _, h = size.partition("*")
            width, height = (int(w), int(h)) if w.isdigit() and h.isdigit() else (width, height)
        found.append(
            StreamEncoding(
                name=name,
                codec=codec if codec in ("h264", "h265") else "h264",
                codec_reported=bool(codec),
                width=width,
                height=height,
                frame_rate=int_or_none(stream.get("frameRate")),
                bit_rate=int_or_none(stream.get("bitRate")),
                gop=int_or_none(stream.get("gop")),
                profile=text_or_none(stream.get("profile")),
                audio=audio,
            )
        )
    return found
