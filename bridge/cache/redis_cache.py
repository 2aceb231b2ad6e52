"""`RedisCache`: the `StateCache` in Redis, shared by every bridge instance and API worker.

Keys, under the configured prefix (`reolink` by default):

| key | type | content |
|---|---|---|
| `<prefix>:state` | hash | camera id -> `CameraState` JSON (the MQTT `reolink/<id>` payload) |
| `<prefix>:state_at` | hash | camera id -> `updated_at` of that state, µs since the epoch |
| `<prefix>:availability` | hash | camera id -> `online` / `offline` |
| `<prefix>:snapshot:<camera id>` | string, PX TTL | latest snapshot JPEG |

A state is written by a Lua script that compares `updated_at` first, so concurrent writers and
redelivered bus messages never roll a camera back. Connection failures become
`CacheUnavailable`; nothing here retries (the caller, usually a bus consumer, does).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bridge.cache.base import DEFAULT_SNAPSHOT_TTL, CacheError, CacheUnavailable
from bridge.domain.state import CameraState

_LOGGER = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: state hash, state_at hash. ARGV: camera id, updated_at (µs), state JSON.
_SET_STATE = """
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


def _bytes(value: bytes | str) -> bytes:
    """redis-py's types allow str; this client never decodes, so it is always bytes."""
    return value if isinstance(value, bytes) else value.encode()


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


class RedisCache:
    """The cache in Redis hashes under `key_prefix`; see the module docstring for the keys."""

    def __init__(
        self,
        url: str,
        key_prefix: str = "reolink",
        *,
        snapshot_ttl: float = DEFAULT_SNAPSHOT_TTL,
        socket_timeout: float = 5.0,
    ) -> None:
        self.snapshot_ttl = snapshot_ttl
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )
        self._state_key = f"{key_prefix}:state"
        self._state_at_key = f"{key_prefix}:state_at"
        self._availability_key = f"{key_prefix}:availability"
        self._snapshot_prefix = f"{key_prefix}:snapshot:"
        self._set_state = self._redis.register_script(_SET_STATE)

    @asynccontextmanager
    async def _errors(self, what: str) -> AsyncIterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError, OSError) as err:
            raise CacheUnavailable(f"Redis cache unreachable ({what}): {err}") from err
        except RedisError as err:
            raise CacheError(f"Redis cache failed ({what}): {err}") from err

    async def set_state(self, state: CameraState) -> bool:
        payload = state.model_dump_json()
        async with self._errors("set_state"):
            kept = await self._set_state(
                keys=[self._state_key, self._state_at_key],
                args=[state.camera_id, _micros(state.updated_at), payload],
            )
        return bool(kept)

    @staticmethod
    def _parse_state(camera_id: str, raw: bytes) -> CameraState | None:
        try:
            return CameraState.model_validate_json(raw)
        except ValidationError as err:
            _LOGGER.warning("cached state of %s is not a CameraState: %s", camera_id, err)
            return None

    async def get_state(self, camera_id: str) -> CameraState | None:
        async with self._errors("get_state"):
            raw = await self._redis.hget(self._state_key, camera_id)
        return None if raw is None else self._parse_state(camera_id, _bytes(raw))

    async def all_states(self) -> dict[str, CameraState]:
        async with self._errors("all_states"):
            raw = await self._redis.hgetall(self._state_key)
        states: dict[str, CameraState] = {}
        for key, value in raw.items():
            camera_id = _bytes(key).decode()
            state = self._parse_state(camera_id, _bytes(value))
            if state is not None:
                states[camera_id] = state
        return states

    async def set_availability(self, camera_id: str, online: bool) -> None:
        value = "online" if online else "offline"
        async with self._errors("set_availability"):
            await self._redis.hset(self._availability_key, camera_id, value)

    async def get_availability(self, camera_id: str) -> bool | None:
        async with self._errors("get_availability"):
            raw = await self._redis.hget(self._availability_key, camera_id)
        return None if raw is None else _bytes(raw) == b"online"

    async def all_availability(self) -> dict[str, bool]:
        async with self._errors("all_availability"):
            raw = await self._redis.hgetall(self._availability_key)
        return {_bytes(k).decode(): _bytes(v) == b"online" for k, v in raw.items()}

    async def set_snapshot(self, camera_id: str, jpeg: bytes, *, ttl: float | None = None) -> None:
        seconds = self.snapshot_ttl if ttl is None else ttl
        async with self._errors("set_snapshot"):
            await self._redis.set(
                self._snapshot_prefix + camera_id, jpeg, px=max(1, round(seconds * 1000))
            )

    async def get_snapshot(self, camera_id: str) -> bytes | None:
        async with self._errors("get_snapshot"):
            raw = await self._redis.get(self._snapshot_prefix + camera_id)
        return None if raw is None else _bytes(raw)

    async def remove(self, camera_id: str) -> None:
        async with self._errors("remove"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self._state_key, camera_id)
            pipe.hdel(self._state_at_key, camera_id)
            pipe.hdel(self._availability_key, camera_id)
            pipe.delete(self._snapshot_prefix + camera_id)
            await pipe.execute()

    async def aclose(self) -> None:
        await self._redis.aclose()
