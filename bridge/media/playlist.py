"""HLS playlists: reading the one ffmpeg writes, writing the one viewers get.

ffmpeg writes a playlist per run (each restart starts a new run in a new folder). The session
keeps its own window of segments across runs, with sequence numbers that only grow and an
`#EXT-X-DISCONTINUITY` where a run begins, so a viewer's playlist just continues after a restart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

SEGMENT_SUFFIX = ".ts"
SEGMENT_MEDIA_TYPE = "video/mp2t"
PLAYLIST_MEDIA_TYPE = "application/vnd.apple.mpegurl"


@dataclass(frozen=True, slots=True)
class Segment:
    sequence: int
    path: Path
    duration: float
    discontinuity: bool
    """The first segment of a run after a restart."""


def read_entries(text: str) -> list[tuple[str, float]]:
    """(file name, duration) of every segment in an ffmpeg playlist, in order."""
    entries: list[tuple[str, float]] = []
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            try:
                duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line and not line.startswith("#") and duration is not None:
            if "/" not in line and line.endswith(SEGMENT_SUFFIX):
                entries.append((line, duration))
            duration = None
    return entries


def render(segments: list[Segment], discontinuity_sequence: int, query: str = "") -> str:
    """The viewers' playlist: segment URIs are `<sequence>.ts` (+ `query`, e.g. `?token=…`)."""
    target = max((math.ceil(s.duration) for s in segments), default=1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{max(target, 1)}",
        f"#EXT-X-MEDIA-SEQUENCE:{segments[0].sequence if segments else 0}",
    ]
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    for segment in segments:
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(f"{segment.sequence}{SEGMENT_SUFFIX}{query}")
    return "\n".join(lines) + "\n"
