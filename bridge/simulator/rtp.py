"""Test-pattern clips for the simulator's RTSP server, and their RTP packets.

A clip is rendered once per (codec, size, frame rate, GOP, audio) by ffmpeg — H.265 with libx265
or H.264 with libx264, keyframes every GOP, an access-unit delimiter before each frame — as a raw
Annex B stream, plus a 440 Hz AAC tone (ADTS). The server loops it with continuous timestamps.
Packets follow RFC 6184 (H.264), RFC 7798 (H.265) and RFC 3640 (AAC, `AAC-hbr`).
"""

from __future__ import annotations

import asyncio
import base64
import re
import struct
from dataclasses import dataclass
from typing import ClassVar

from .media import run_ffmpeg

CLIP_GOPS = 2
"""GOPs per clip (the loop starts on a keyframe)."""
MTU = 1400
"""Bytes of RTP payload per packet, at most (fragments beyond)."""
VIDEO_CLOCK = 90_000
AUDIO_RATE = 16_000
AAC_SAMPLES = 1024
_START_CODE = re.compile(b"\x00\x00\x01")
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


@dataclass(frozen=True, slots=True)
class ClipKey:
    codec: str
    """`h264` or `h265`."""
    width: int
    height: int
    fps: int
    gop: int
    """Seconds between keyframes."""
    audio: bool


@dataclass(frozen=True, slots=True)
class Clip:
    key: ClipKey
    frames: list[list[bytes]]
    """NAL units (no start code) of each frame, parameter sets in front of every keyframe."""
    parameter_sets: list[bytes]
    """H.265: VPS, SPS, PPS; H.264: SPS, PPS."""
    audio: list[bytes]
    """Raw AAC frames (ADTS headers removed), 1024 samples each."""
    audio_config: str
    """The AudioSpecificConfig in hex (SDP `config=`)."""

    def video_fmtp(self) -> str:
        b64 = [base64.b64encode(p).decode() for p in self.parameter_sets]
        if self.key.codec == "h265":
            return f"sprop-vps={b64[0]}; sprop-sps={b64[1]}; sprop-pps={b64[2]}"
        profile = self.parameter_sets[0][1:4].hex().upper()
        sets = ",".join(b64)
        return f"packetization-mode=1; profile-level-id={profile}; sprop-parameter-sets={sets}"


def _nal_type(codec: str, nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F if codec == "h265" else nal[0] & 0x1F


def split_annex_b(data: bytes, codec: str) -> tuple[list[list[bytes]], list[bytes]]:
    """(frames, parameter sets) of an Annex B stream with an access-unit delimiter per frame."""
    aud, params = (35, (32, 33, 34)) if codec == "h265" else (9, (7, 8))
    frames: list[list[bytes]] = []
    found: dict[int, bytes] = {}
    for raw in _START_CODE.split(data)[1:]:
        nal = raw.rstrip(b"\x00")
        if not nal:
            continue
        kind = _nal_type(codec, nal)
        if kind == aud:
            frames.append([])
            continue
        if not frames:
            frames.append([])
        if kind in params:
            found.setdefault(kind, nal)
        frames[-1].append(nal)
    return [f for f in frames if f], [found[k] for k in params if k in found]


def split_adts(data: bytes) -> tuple[list[bytes], str]:
    """(raw AAC frames, AudioSpecificConfig hex) of an ADTS stream."""
    frames, config, pos = [], "", 0
    while pos + 7 <= len(data) and data[pos] == 0xFF and data[pos + 1] & 0xF0 == 0xF0:
        header = 7 if data[pos + 1] & 1 else 9
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length <= header:
            break
        if not config:
            profile = (data[pos + 2] >> 6) + 1
            rate = (data[pos + 2] >> 2) & 0xF
            channels = ((data[pos + 2] & 1) << 2) | (data[pos + 3] >> 6)
            config = f"{(profile << 11) | (rate << 7) | (channels << 3):04x}"
        frames.append(data[pos + header : pos + length])
        pos += length
    return frames, config


async def render(key: ClipKey) -> Clip:
    seconds = str(key.gop * CLIP_GOPS)
    keyint = key.fps * key.gop
    source = ["-f", "lavfi", "-i", f"testsrc2=size={key.width}x{key.height}:rate={key.fps}"]
    if key.codec == "h265":
        x265 = f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes=0:aud=1:repeat-headers=1"
        encode = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", x265 + ":log-level=0"]
        form = "hevc"
    else:
        x264 = f"keyint={keyint}:min-keyint={keyint}:scenecut=0:aud=1"
        encode = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"]
        encode += ["-x264-params", x264]
        form = "h264"
    video = run_ffmpeg(
        [*source, "-t", seconds, *encode, "-pix_fmt", "yuv420p", "-f", form, "pipe:1"], None
    )
    tone = f"sine=frequency=440:sample_rate={AUDIO_RATE}"
    aac = ["-c:a", "aac", "-b:a", "32k", "-ac", "1", "-f", "adts", "pipe:1"]
    sound = run_ffmpeg(["-f", "lavfi", "-i", tone, "-t", seconds, *aac], None)
    if key.audio:
        raw_video, raw_audio = await asyncio.gather(video, sound)
    else:
        sound.close()
        raw_video, raw_audio = await video, b""
    frames, params = split_annex_b(raw_video, key.codec)
    if not frames or len(params) != (3 if key.codec == "h265" else 2):
        raise RuntimeError(f"ffmpeg's {key.codec} stream has no frames or parameter sets")
    audio, config = split_adts(raw_audio)
    return Clip(key, frames, params, audio, config)


class ClipCache:
    """Each clip rendered once per process (shared by every device and viewer)."""

    _done: ClassVar[dict[ClipKey, Clip]] = {}

    def __init__(self) -> None:
        self._pending: dict[ClipKey, asyncio.Task[Clip]] = {}

    async def get(self, key: ClipKey) -> Clip:
        done = ClipCache._done.get(key)
        if done is not None:
            return done
        task = self._pending.get(key)
        if task is None or task.done():
            task = self._pending[key] = asyncio.ensure_future(render(key))
        clip = await asyncio.shield(task)
        ClipCache._done[key] = clip
        return clip

    async def close(self) -> None:
        for task in self._pending.values():
            task.cancel()
        await asyncio.gather(*self._pending.values(), return_exceptions=True)
        self._pending.clear()


# -- RTP --------------------------------------------------------------------------------------


@dataclass(slots=True)
class RtpTrack:
    """Sequence numbers and packet/octet counts of one RTP stream."""

    payload_type: int
    ssrc: int
    sequence: int
    packets: int = 0
    octets: int = 0

    def packet(self, timestamp: int, payload: bytes, *, marker: bool) -> bytes:
        header = struct.pack(
            "!BBHII",
            0x80,
            (0x80 if marker else 0) | self.payload_type,
            self.sequence & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            self.ssrc,
        )
        self.sequence += 1
        self.packets += 1
        self.octets += len(payload)
        return header + payload

    def sender_report(self, ntp: float, timestamp: int) -> bytes:
        seconds = int(ntp)
        fraction = int((ntp - seconds) * (1 << 32)) & 0xFFFFFFFF
        return struct.pack(
            "!BBHIIIIII",
            0x80,
            200,
            6,
            self.ssrc,
            seconds & 0xFFFFFFFF,
            fraction,
            timestamp & 0xFFFFFFFF,
            self.packets,
            self.octets & 0xFFFFFFFF,
        )


def video_packets(codec: str, track: RtpTrack, timestamp: int, nals: list[bytes]) -> list[bytes]:
    """One frame as RTP packets: single NAL units, or fragmentation units past the MTU; the
    marker bit on the frame's last packet."""
    out: list[bytes] = []
    header_size = 2 if codec == "h265" else 1
    for index, nal in enumerate(nals):
        last_nal = index == len(nals) - 1
        if len(nal) <= MTU:
            out.append(track.packet(timestamp, nal, marker=last_nal))
            continue
        kind = _nal_type(codec, nal)
        if codec == "h265":
            indicator = bytes(((nal[0] & 0x81) | (49 << 1), nal[1]))
        else:
            indicator = bytes(((nal[0] & 0xE0) | 28,))
        body = nal[header_size:]
        chunks = [body[i : i + MTU] for i in range(0, len(body), MTU)]
        for number, chunk in enumerate(chunks):
            start, end = number == 0, number == len(chunks) - 1
            fu = (0x80 if start else 0) | (0x40 if end else 0) | kind
            out.append(
                track.packet(timestamp, indicator + bytes((fu,)) + chunk, marker=last_nal and end)
            )
    return out


def aac_packet(track: RtpTrack, timestamp: int, frame: bytes) -> bytes:
    """One AAC frame (RFC 3640 AAC-hbr: a 16-bit AU header of 13 bits size, 3 bits index)."""
    au_header = struct.pack("!HH", 16, len(frame) << 3)
    return track.packet(timestamp, au_header + frame, marker=True)
