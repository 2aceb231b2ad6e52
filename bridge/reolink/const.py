"""Named tunables of the camera client, each with the reason for its value."""

from __future__ import annotations

from typing import Final

API_PATH: Final = "/cgi-bin/api.cgi"
"""The one CGI endpoint; devices also answer `/api.cgi`, reolink_aio always uses this one."""

MAX_BATCH: Final = 35
"""Commands per POST. reolink_aio's MAX_CHUNK_ITEMS: larger bodies answer -16 'send failed'."""

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds per HTTP request. Cameras answer in well under a second; 10 s covers a busy NVR."""

MAX_JSON_REPLY_BYTES: Final = 4 * 1024 * 1024
"""Largest JSON API reply read: a batch of 35 answers, an NVR's abilities or a day's `Search` stay
well under 1 MiB; past it the device is not a camera (a `ProtocolError`, nothing more is read)."""

MAX_SNAPSHOT_BYTES: Final = 16 * 1024 * 1024
"""Largest snapshot read: a 4K JPEG is 1–3 MB."""

MAX_DOWNLOAD_BYTES: Final = 16 * 1024**3
"""Largest recording streamed (never held in memory): hour-long 4K files are a few GB."""

MAX_CONNECTIONS: Final = 4
"""Connections per camera. Their web servers are small; a poller needs one, a snapshot another."""

RENEW_BEFORE: Final = 300.0
"""Renew the token when fewer seconds than this are left on its lease (what reolink_aio does)."""

RENEW_FRACTION: Final = 0.2
"""...or, for short leases (tests, odd firmware), when less than this fraction of it is left."""

LOGIN_BUSY_RETRIES: Final = 2
"""Extra login attempts after -5 'max session' before giving up with BusyError."""

LOGIN_BACKOFF_START: Final = 0.5
"""First pause (s) after -5 at login; doubled per attempt, capped by LOGIN_BACKOFF_CAP."""

LOGIN_BACKOFF_CAP: Final = 8.0
"""Longest pause (s) between login attempts: the caller's own backoff takes over after that."""

RETRY_AFTER_MAX_SESSION: Final = 60.0
"""Hint (s) for the caller after -5: leaked sessions free themselves only when their lease ends."""

RETRY_AFTER_FREQUENT_LOGINS: Final = 30.0
"""Hint (s) after -105 'frequent logins': the firmware's throttle window is tens of seconds."""

RETRY_AFTER_BUSY: Final = 10.0
"""Hint (s) after -31 'busy' (an upgrade or another exclusive task is running)."""

DEFAULT_PTZ_SPEED: Final = 32
"""Middle of Reolink's 1..64 speed range; what the Reolink app uses."""

PTZ_SPEED_RANGE: Final = (1, 64)
IMAGE_RANGE: Final = (0, 255)
BRIGHTNESS_RANGE: Final = (0, 100)
SENSITIVITY_RANGE: Final = (1, 50)

SENSITIVITY_INVERT: Final = 51
"""Motion sensitivity: the UI shows `51 - wire value` (reolink_aio does the same)."""

DEFAULT_PORTS: Final = {"rtsp": 554, "rtmp": 1935}
"""Used by the stream URL builders when GetNetPort was not read."""
