"""Shared test setup. Fixture modules live in tests/fixtures/ and are registered here."""

pytest_plugins = [
    "fixtures.mosquitto",
    "fixtures.redis",
    "fixtures.leases",
    "fixtures.postgres",
    "fixtures.stores",
    "fixtures.simulator",
    "fixtures.bridge_rig",
]

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

_LAST = Path(__file__).parent / "web"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The dashboard's tests run last: Playwright's sync API keeps an event loop running in this
    thread while its browser is open (a session fixture), which no asyncio test after it could
    start beside.

    With pytest-xdist (`make test`: `-n 2 --dist loadgroup`) each worker gets its tests in this
    order, so a worker that has started the browser is given only dashboard tests afterwards
    (each worker then has a bridge and a Chromium of its own). That holds while no dashboard
    test is in an `xdist_group`: the scheduler sends groups first (largest first), so it would
    start a browser before the asyncio tests. Groups are for tests that share an expensive
    module fixture or must not run beside each other (the real Home Assistant ones)."""
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(_LAST))
    for item in items:
        if Path(str(item.path)).is_relative_to(_LAST) and item.get_closest_marker("xdist_group"):
            raise pytest.UsageError(f"{item.nodeid}: a dashboard test cannot be in an xdist_group")
