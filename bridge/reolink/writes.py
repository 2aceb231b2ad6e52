"""`write_feature`: a feature row's command value → the wire (a client mixin).

The rows of the feature table that have no writer of their own are written here, through the
wire mapping of their key (`bridge.reolink.mapping.WRITERS`). As with the other controls, a
channel known to lack the feature raises `NotSupportedError` before anything is sent.
"""

from __future__ import annotations

from typing import Any

from bridge.domain.features import FEATURES
from bridge.reolink._base import ClientBase
from bridge.reolink.errors import NotSupportedError
from bridge.reolink.mapping import WRITERS


class Writes(ClientBase):
    """The table-driven writes of `ReolinkClient`."""

    async def write_feature(self, channel: int, key: str, value: Any) -> None:
        writer = WRITERS.get(key)
        if writer is None:
            raise NotSupportedError(f"the camera client cannot write {key!r}")
        row = FEATURES.by_key.get(key)
        found = self._channel(channel)
        device = self.capabilities
        if found is not None and device is not None and row is not None:
            self._check(row.available(found, device), f"channel {channel} has no {row.name}")
        await writer(self, channel, found, value)

    @staticmethod
    def _check(available: bool, reason: str) -> None:
        if not available:
            raise NotSupportedError(reason)
