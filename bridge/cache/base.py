"""The `StateCache` interface: what the bridge knows now about each camera, for any reader.

Three things per camera id: the latest `CameraState`, its availability (online/offline) and the
latest snapshot JPEG (kept for a TTL; snapshots are large and go stale). `MemoryCache` keeps
them in this process; `RedisCache` in Redis, shared by every bridge instance and API worker.
Both pass one contract suite (tests/cache/).

"Latest" means by `CameraState.updated_at`: a state older than the one cached is ignored, so a
bus message delivered again (at-least-once) or late never rolls the cache back. A state with the
same `updated_at` replaces the cached one (redelivery is idempotent).
"""

from __future__ import annotations

from typing import Protocol

from bridge.domain.state import CameraState


class CacheError(Exception):
    """The cache failed; the message says why."""


class CacheUnavailable(CacheError):
    """The cache's server cannot be reached now; retry later (a bus consumer leaves the message
    unacknowledged so it is delivered again)."""


DEFAULT_SNAPSHOT_TTL = 3600.0
"""Seconds a snapshot is kept: an hour-old 'latest' picture is not worth the memory (~100-500 kB
per camera; the event's own snapshot is on disk)."""


class StateCache(Protocol):
    async def set_state(self, state: CameraState) -> bool:
        """Keep `state` unless a newer one is cached; True when it was kept."""
        ...

    async def get_state(self, camera_id: str) -> CameraState | None: ...

    async def all_states(self) -> dict[str, CameraState]: ...

    async def set_availability(self, camera_id: str, online: bool) -> None: ...

    async def get_availability(self, camera_id: str) -> bool | None: ...

    async def all_availability(self) -> dict[str, bool]: ...

    async def set_snapshot(self, camera_id: str, jpeg: bytes, *, ttl: float | None = None) -> None:
        """Keep the JPEG for `ttl` seconds (default: the cache's snapshot TTL)."""
        ...

    async def get_snapshot(self, camera_id: str) -> bytes | None: ...

    async def remove(self, camera_id: str) -> None:
        """Forget everything about one camera id."""
        ...

    async def aclose(self) -> None: ...
