"""Constants of the Reolink Server integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "reolink_server"
MANUFACTURER: Final = "Reolink"

CONF_CAMERAS: Final = "cameras"
"""Option: the bridge's camera ids to add (empty: every one)."""
CONF_POLL_INTERVAL: Final = "poll_interval"
"""Option: seconds between REST polls while the WebSocket is down."""
DEFAULT_POLL_INTERVAL: Final = 30
MIN_POLL_INTERVAL: Final = 5
MAX_POLL_INTERVAL: Final = 3600

API_PATH: Final = "/api/v1"
REQUEST_TIMEOUT: Final = 10.0
"""Seconds one REST call may take."""
RECONNECT_DELAYS: Final = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds before each reconnect attempt of the WebSocket (the last repeats)."""
WS_HEARTBEAT: Final = 30.0

STREAM_URL_TTL: Final = 86_400
"""Seconds a signed stream URL asked of the bridge lives (one day)."""
STREAM_URL_REFRESH: Final = timedelta(hours=1)
"""A signed stream URL is fetched again this long before it expires."""

ISSUE_MQTT_DISCOVERY: Final = "mqtt_discovery_on"
