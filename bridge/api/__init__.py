"""The REST + WebSocket + SSE API: a third face of the bridge's model, beside MQTT.

    ctx = ApiContext(settings=…, store=…, bus=…, …)   # built by the composition root
    app = create_app(ctx)
    api = await serve(app, settings.server.host, settings.server.port)
    …
    await api.stop()

`LIVE_OWNER` is the live hub's bus owner (a broadcast kind on the Redis Streams bus).
"""

from __future__ import annotations

from bridge.api.app import PREFIX, create_app
from bridge.api.context import ApiContext, MqttStatus
from bridge.api.live import LIVE_OWNER
from bridge.api.server import ApiServer, serve

__all__ = ["LIVE_OWNER", "PREFIX", "ApiContext", "ApiServer", "MqttStatus", "create_app", "serve"]
