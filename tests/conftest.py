"""Shared test setup. Fixture modules live in tests/fixtures/ and are registered here."""

pytest_plugins = [
    "fixtures.mosquitto",
    "fixtures.redis",
    "fixtures.postgres",
    "fixtures.simulator",
    "fixtures.bridge_rig",
]

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

_LAST = Path(__file__).parent / "web"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The dashboard's tests run last: Playwright's sync API keeps an event loop running in this
    thread while its browser is open (a session fixture), which no asyncio test after it could
    start beside."""
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(_LAST))
