"""Reading a device: its capabilities, its detections and its settings (a client mixin).

The work is done by `capabilities` (the probe) and `state` (the polls); this mixin hands them the
client's `execute` and the capabilities it knows.
"""

from __future__ import annotations

from bridge.domain.capabilities import Capabilities
from bridge.domain.state import ChannelState
from bridge.reolink import capabilities, state
from bridge.reolink._base import ClientBase


class Reads(ClientBase):
    """The reads of `ReolinkClient`."""

    username: str

    async def get_capabilities(self) -> Capabilities:
        """Read device info and probe every channel's features (see `capabilities`)."""
        self.capabilities = await capabilities.read(self.execute, self.username)
        return self.capabilities

    async def poll_detections(self, caps: Capabilities | None = None) -> dict[int, ChannelState]:
        """Motion / AI / visitor of every online channel, in one request."""
        return await state.poll_detections(self.execute, self._caps(caps))

    async def read_settings(self, caps: Capabilities | None = None) -> dict[int, ChannelState]:
        """Lights, LEDs, image, day/night, sensitivity, toggles and zoom of every online channel."""
        return await state.read_settings(self.execute, self._caps(caps))

    def _caps(self, caps: Capabilities | None) -> Capabilities:
        found = caps or self.capabilities
        if found is None:
            raise RuntimeError("capabilities unknown: call get_capabilities() first")
        return found
