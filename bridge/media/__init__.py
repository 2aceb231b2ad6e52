"""Live video: the stream catalogue, the HTTP-FLV relay and HLS sessions (ffmpeg).

`StreamService` is the unit the composition root builds (`bridge.app`); the API's stream routes
(`bridge.api.routers.streams`) use it through `ApiContext.streams`.
"""

from bridge.media.errors import StreamError
from bridge.media.service import StreamService

__all__ = ["StreamError", "StreamService"]
