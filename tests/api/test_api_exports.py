"""The API package's public surface stays small and deliberate."""

from __future__ import annotations

import bridge.api


def test_exported_names() -> None:
    assert set(bridge.api.__all__) == {
        "LIVE_OWNER",
        "PREFIX",
        "ApiContext",
        "ApiServer",
        "MqttStatus",
        "create_app",
        "serve",
    }
    assert bridge.api.LIVE_OWNER == "api"
    assert bridge.api.PREFIX == "/api/v1"
