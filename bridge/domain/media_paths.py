"""Where event media live under the media dir (relative paths, one scheme for every layer).

A snapshot is `snapshots/<camera>/<YYYY-MM-DD>/<id>.jpg` (the UTC day of the event's start, or of
the picture for one taken on command; `<id>` is the event id, or `m<UTC time>`); an event clip is
`clips/<camera>/<day>/<event id>.mp4`. Nothing else is ever opened from a request (`MEDIA_PATH`).
"""

from __future__ import annotations

import re
from datetime import datetime

SNAPSHOTS = "snapshots"
CLIPS = "clips"
MEDIA_PATH = re.compile(
    r"^(?P<kind>snapshots|clips)/(?P<camera>[a-z0-9][a-z0-9_-]{0,63})/"
    r"(?P<day>\d{4}-\d{2}-\d{2})/(?P<id>[A-Za-z0-9][A-Za-z0-9_-]{0,63})\.(?P<ext>jpg|mp4)$"
)


def media_path(kind: str, camera_id: str, when: datetime, ident: str) -> str:
    ext = "jpg" if kind == SNAPSHOTS else "mp4"
    return f"{kind}/{camera_id}/{when:%Y-%m-%d}/{ident}.{ext}"


def snapshot_path(camera_id: str, when: datetime, ident: str | None = None) -> str:
    """An event's snapshot (`ident` = its id) or one taken on command at `when`."""
    return media_path(SNAPSHOTS, camera_id, when, ident or f"m{when:%Y%m%d%H%M%S%f}")


def clip_path(camera_id: str, started: datetime, event_id: str) -> str:
    return media_path(CLIPS, camera_id, started, event_id)
