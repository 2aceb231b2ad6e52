"""`MemoryCache`: the default `StateCache`, plain dicts in this process."""

from __future__ import annotations

import time

from bridge.cache.base import DEFAULT_SNAPSHOT_TTL
from bridge.domain.state import CameraState


class MemoryCache:
    """Dicts keyed by camera id. Expired snapshots are dropped when read or overwritten, and on
    every `set_snapshot` (so at most one snapshot per known camera is ever held)."""

    def __init__(self, *, snapshot_ttl: float = DEFAULT_SNAPSHOT_TTL) -> None:
        self.snapshot_ttl = snapshot_ttl
        self._states: dict[str, CameraState] = {}
        self._availability: dict[str, bool] = {}
        self._snapshots: dict[str, tuple[bytes, float]] = {}

    async def set_state(self, state: CameraState) -> bool:
        current = self._states.get(state.camera_id)
        if current is not None and current.updated_at > state.updated_at:
            return False
        self._states[state.camera_id] = state
        return True

    async def get_state(self, camera_id: str) -> CameraState | None:
        return self._states.get(camera_id)

    async def all_states(self) -> dict[str, CameraState]:
        return dict(self._states)

    async def set_availability(self, camera_id: str, online: bool) -> None:
        self._availability[camera_id] = online

    async def get_availability(self, camera_id: str) -> bool | None:
        return self._availability.get(camera_id)

    async def all_availability(self) -> dict[str, bool]:
        return dict(self._availability)

    async def set_snapshot(self, camera_id: str, jpeg: bytes, *, ttl: float | None = None) -> None:
        now = time.monotonic()
        self._snapshots = {k: v for k, v in self._snapshots.items() if v[1] > now}
        self._snapshots[camera_id] = (jpeg, now + (self.snapshot_ttl if ttl is None else ttl))

    async def get_snapshot(self, camera_id: str) -> bytes | None:
        entry = self._snapshots.get(camera_id)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._snapshots[camera_id]
            return None
        return entry[0]

    async def remove(self, camera_id: str) -> None:
        self._states.pop(camera_id, None)
        self._availability.pop(camera_id, None)
        self._snapshots.pop(camera_id, None)

    async def aclose(self) -> None:
        return None
