"""`BroadcastConsumer`: every process gets every entry, from where the stream was at
`subscribe()`; a plain `XREAD`, no group, no acknowledgement, no redelivery (a failure is
logged and counted, as in the in-process bus). For per-process consumers: a WebSocket hub, an
in-memory cache, anything that must see all messages in each bridge instance."""

from __future__ import annotations

from collections import OrderedDict

from bridge.bus._common import _LOGGER, UNREACHABLE, id_key
from bridge.bus._subscription import RedisSubscription, _b, _BlobMissing, _entries
from bridge.bus.codec import CodecError


class BroadcastConsumer(RedisSubscription):
    """Every process gets every entry from where the stream was at `subscribe()`."""

    _last: bytes = b"0-0"

    async def _loop(self) -> None:
        self._last = _b(self._ready.result())
        config = self._config
        while not self.stopping():
            try:
                response = await self._redis.xread(
                    {config.stream: self._last}, count=config.batch, block=config.block_ms
                )
            except UNREACHABLE as err:
                await self._pause(err)
                continue
            self._ok()
            entries = _entries(response)
            if not entries:
                continue
            self._held = OrderedDict.fromkeys(entry_id for entry_id, _ in entries)
            try:
                for entry_id, fields in entries:
                    if self.stopping():
                        return
                    await self._deliver(entry_id, fields or {})
                    self._last = entry_id
                    self._held.pop(entry_id, None)
            except UNREACHABLE as err:  # a large message's body could not be read: again
                await self._pause(err)
            finally:
                self._held.clear()

    async def _deliver(self, entry_id: bytes, fields: dict[bytes, bytes]) -> None:
        try:
            message = await self._decode(fields)
        except (CodecError, _BlobMissing) as err:
            self.poisoned += 1
            _LOGGER.error("bus subscriber %s: entry %s skipped: %s", self.owner, entry_id, err)
            return
        if await self._call(message, entry_id, 1):
            self.handled += 1

    async def settled(self, target: bytes | None) -> bool:
        if self._held or self._handling or not self._started.is_set():
            return False
        return target is None or id_key(self._last) >= id_key(target)
