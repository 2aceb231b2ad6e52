"""What the control mixins need from the client: `execute`, the capabilities, and the checks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from bridge.domain.capabilities import Capabilities, ChannelCapabilities
from bridge.reolink.errors import NotSupportedError
from bridge.reolink.wire import Reply, Request


class ClientBase(ABC):
    """The seam between the transport (`ReolinkClient`) and the command mixins."""

    capabilities: Capabilities | None
    """What `get_capabilities()` read (or what the caller passed in); None = not known yet."""

    @abstractmethod
    async def execute(self, commands: Sequence[Request]) -> list[Reply]:
        """Send the commands (batched) and return one `Reply` per command."""

    def _channel(self, channel: int) -> ChannelCapabilities | None:
        """The channel's capabilities, or None when they are not known (then just send).

        Raises `NotSupportedError` for a channel the device does not have.
        """
        if channel < 0:
            raise ValueError(f"channel must be >= 0, not {channel}")
        caps = self.capabilities
        if caps is None:
            return None
        found = caps.channel(channel)
        if found is None:
            raise NotSupportedError(f"the device has no channel {channel}")
        # An offline NVR channel was not probed: its flags say nothing, let the device answer.
        return found if found.online else None

    def _require(
        self, channel: int, feature: str, supported: Callable[[ChannelCapabilities], bool]
    ) -> ChannelCapabilities | None:
        """Raise `NotSupportedError` (before sending anything) if the channel lacks `feature`."""
        found = self._channel(channel)
        if found is not None and not supported(found):
            raise NotSupportedError(f"channel {channel} has no {feature}")
        return found

    async def _run(self, request: Request) -> Reply:
        """Send one command; raise its typed error if the device refused it."""
        answer = (await self.execute([request]))[0]
        answer.raise_for_error()
        return answer
