"""Links to event media: where a snapshot or clip lives under the media dir, and its URL.

Paths: `bridge.domain.media_paths`. URLs are absolute (`server.public_url`, else
`http://<host>:<port>`) and signed per file: the `sig` is an HMAC of the relative path (or of
`clip:<event id>`) with the media key, and holds as long as the file exists — Home Assistant's
`image` entity and MQTT clients need no token.

The key is `auth.jwt_secret` when set (every instance shares it), else `<data_dir>/media.key`
(made once, mode 0600).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.domain.events import Event
from bridge.domain.media_paths import MEDIA_PATH, snapshot_path
from bridge.domain.values import EventPhase, EventType

KEY_FILE = "media.key"
_LABEL = b"reolink-server media links v1"
NOT_DETECTIONS = frozenset({EventType.ONLINE, EventType.OFFLINE})


def _load_key(settings: Settings) -> bytes:
    secret = settings.auth.jwt_secret
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value().encode("utf-8")
    path = settings.data_dir / KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another instance made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def base_url(settings: Settings) -> str:
    server = settings.server
    if server.public_url:
        return server.public_url.rstrip("/")
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server.port}"


class MediaLinks:
    def __init__(
        self,
        key: bytes,
        base: str | Callable[[], str],
        *,
        snapshots_on_event: bool = True,
        jpeg_topic: bool = False,
    ) -> None:
        """`base`: the URL prefix, or what gives it when asked (the settings may learn the
        bound port of `server.port: 0` only once the API listens)."""
        self._key = hmac.new(key, _LABEL, hashlib.sha256).digest()
        self._base = base
        self.snapshots_on_event = snapshots_on_event
        self.jpeg_topic = jpeg_topic
        """Also publish the raw JPEG on `<base>/<camera>/snapshot` (`media.snapshot_jpeg_topic`)."""

    @property
    def base(self) -> str:
        base = self._base() if callable(self._base) else self._base
        return base.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLinks:
        return cls(
            _load_key(settings),
            lambda: base_url(settings),
            snapshots_on_event=settings.events.snapshot_on_event,
            jpeg_topic=settings.media.snapshot_jpeg_topic,
        )

    def sign(self, subject: str) -> str:
        mac = hmac.new(self._key, subject.encode("utf-8"), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode("ascii")

    def verify(self, subject: str, sig: str | None) -> bool:
        return bool(sig) and hmac.compare_digest(self.sign(subject), sig or "")

    def file_url(self, rel: str) -> str:
        return f"{self.base}/api/v1/media/{rel}?sig={self.sign(rel)}"

    def clip_url(self, event_id: str) -> str:
        return f"{self.base}/api/v1/events/{event_id}/clip?sig={self.sign('clip:' + event_id)}"

    def event_payload(self, event: Event) -> dict[str, Any]:
        """The event's MQTT/WebSocket/SSE payload with `snapshot_url` and `clip_url`."""
        payload = event.payload()
        if event.type in NOT_DETECTIONS:
            return payload
        started = event.started_at or event.timestamp
        if self.snapshots_on_event:
            rel = snapshot_path(event.camera_id, started, event.event_id)
            payload["snapshot_url"] = self.file_url(rel)
        if event.phase is not EventPhase.START:
            payload["clip_url"] = self.clip_url(event.event_id)
        return payload


def resolve_under(root: Path, rel: str) -> Path | None:
    """`root/rel` for a path the bridge writes (`MEDIA_PATH`), never outside `root`."""
    if MEDIA_PATH.match(rel) is None:
        return None
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        return None
    return path
