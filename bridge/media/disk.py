"""The media dir on disk: atomic writes, the disk budget (oldest files first) and retention.

Everything here is blocking file-system work: callers run it in a thread (`asyncio.to_thread`).
The budget keeps an inventory of the files (walked once at start, then kept up to date by the
writes), so enforcing it costs nothing until it is exceeded.
"""

from __future__ import annotations

import heapq
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bridge.domain.media_paths import CLIPS, MEDIA_PATH, SNAPSHOTS


@dataclass(order=True, slots=True)
class _Entry:
    mtime: float
    rel: str = field(compare=True)
    size: int = field(compare=False, default=0)


class MediaDir:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.used = 0
        self._heap: list[_Entry] = []
        self._sizes: dict[str, int] = {}
        self._lock = threading.Lock()

    def resolve(self, rel: str) -> Path | None:
        """`root/rel` for a path the bridge writes (`MEDIA_PATH`), never outside the root."""
        if MEDIA_PATH.match(rel) is None:
            return None
        path = (self.root / rel).resolve()
        return path if path.is_relative_to(self.root) else None

    def scan(self) -> None:
        """Take stock of what is on disk (at start)."""
        heap: list[_Entry] = []
        sizes: dict[str, int] = {}
        for kind in (SNAPSHOTS, CLIPS):
            base = self.root / kind
            if not base.is_dir():
                continue
            for dirpath, _, files in os.walk(base):
                for name in files:
                    path = Path(dirpath) / name
                    rel = path.relative_to(self.root).as_posix()
                    if MEDIA_PATH.match(rel) is None:
                        continue
                    try:
                        stat = path.stat()
                    except OSError:
                        continue
                    heap.append(_Entry(stat.st_mtime, rel, stat.st_size))
                    sizes[rel] = stat.st_size
        heapq.heapify(heap)
        with self._lock:
            self._heap, self._sizes, self.used = heap, sizes, sum(sizes.values())

    def write(self, rel: str, data: bytes) -> Path:
        """Write atomically (a temporary file renamed into place); `OSError` when it cannot."""
        path = self.resolve(rel)
        if path is None:
            raise ValueError(f"not a media path: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.added(rel, len(data))
        return path

    def added(self, rel: str, size: int) -> None:
        """A file the bridge has written (or replaced)."""
        with self._lock:
            self.used += size - self._sizes.get(rel, 0)
            self._sizes[rel] = size
            heapq.heappush(self._heap, _Entry(datetime.now().timestamp(), rel, size))

    def over_budget(self) -> bool:
        return self.used > self.max_bytes

    def enforce(self) -> list[str]:
        """Delete the oldest files until the budget holds; the relative paths deleted."""
        deleted: list[str] = []
        while True:
            with self._lock:
                if self.used <= self.max_bytes or not self._heap:
                    return deleted
                entry = heapq.heappop(self._heap)
                size = self._sizes.get(entry.rel)
                if size is None:
                    continue  # deleted already (retention)
                if entry.size != size:
                    continue  # an older entry of a file written again
                del self._sizes[entry.rel]
                self.used -= size
            path = self.root / entry.rel
            try:
                path.unlink(missing_ok=True)
            except OSError:
                continue
            deleted.append(entry.rel)

    def delete(self, rel: str) -> bool:
        path = self.resolve(rel)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        with self._lock:
            self.used -= self._sizes.pop(rel, 0)
        return True

    def purge_before(self, cutoff: datetime) -> int:
        """Retention: the files of days before `cutoff`'s (UTC) day, and of that day those
        written before it. The number of files deleted."""
        day = cutoff.strftime("%Y-%m-%d")
        limit = cutoff.timestamp()
        removed = 0
        for kind in (SNAPSHOTS, CLIPS):
            base = self.root / kind
            if not base.is_dir():
                continue
            for camera in base.iterdir():
                if not camera.is_dir():
                    continue
                for folder in camera.iterdir():
                    if not folder.is_dir() or folder.name > day:
                        continue
                    for path in list(folder.iterdir()):
                        if folder.name == day and path.stat().st_mtime >= limit:
                            continue
                        rel = path.relative_to(self.root).as_posix()
                        with self._lock:
                            self.used -= self._sizes.pop(rel, 0)
                        path.unlink(missing_ok=True)
                        removed += 1
                    if folder.name < day:
                        shutil.rmtree(folder, ignore_errors=True)
        return removed
