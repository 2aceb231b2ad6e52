"""Login sessions ended by a logout, kept until their refresh token would have expired anyway.

A login (`POST /auth/login`) starts a session: its access and refresh JWTs carry the same `sid`,
and so do the pairs `POST /auth/refresh` gives for it. `POST /auth/logout` ends the session: its
`sid` is kept here with the refresh token's expiry, and every JWT carrying it is refused from
then on (a live WebSocket or SSE stream opened with one ends at its next check).

The list lives in memory and in `<data_dir>/logouts.json` (written atomically, mode 0600), so
it survives a restart and reaches every process sharing the data dir (the file is read again
when it changes). Expired entries are dropped whenever the file is written.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

LOGOUTS_FILE = "logouts.json"


class EndedSessions:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._ended: dict[str, float] = {}
        self._seen: tuple[int, int] | None = None
        self._reload()

    def end(self, sid: str, until: float) -> None:
        """End session `sid`; it is remembered until `until` (Unix seconds)."""
        self._reload()
        now = self._clock()
        self._ended = {s: t for s, t in self._ended.items() if t > now}
        self._ended[sid] = until
        self._write()

    def ended(self, sid: str) -> bool:
        self._reload()
        until = self._ended.get(sid)
        return until is not None and until > self._clock()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _reload(self) -> None:
        stamp = self._stamp()
        if stamp == self._seen:
            return
        self._seen = stamp
        if stamp is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            _LOGGER.warning("cannot read %s (%s): keeping the logouts known so far", self.path, err)
            return
        if isinstance(data, dict):
            loaded = {
                str(sid): float(until)
                for sid, until in data.items()
                if isinstance(until, int | float) and not isinstance(until, bool)
            }
            self._ended.update(loaded)

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".logouts-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._ended, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._seen = self._stamp()
