"""Fixtures of the dashboard tests: one running bridge (with the simulator and Mosquitto) and one
Chromium for the whole session; a fresh browser context per test that fails the test on any
console error, uncaught exception or failed request it did not expect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import Watched
from playwright.sync_api import Browser, sync_playwright
from web_rig import CHROMIUM, ROOT, Bridge, launch_chromium, running_bridge

PROFILES = ["floodlight", "ptz", "doorbell", "legacy", "nvr", "battery"]
DIST = ROOT / "web" / "dist" / "index.html"


@pytest.fixture(scope="session")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    if not DIST.exists():
        pytest.fail(f"the dashboard is not built ({DIST} is missing): run scripts/setup")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed ({CHROMIUM}): run scripts/setup")
    with running_bridge(tmp_path_factory.mktemp("web"), PROFILES) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser: Browser, bridge: Bridge) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    session = Watched(page, bridge)
    page.on("response", session.on_response)
    page.on("console", lambda message: session.on_console(message.type, message.text))
    page.on("pageerror", lambda error: session.problems.append(f"uncaught: {error}"))
    page.on(
        "requestfailed",
        lambda request: session.on_failed(request.url, request.failure),
    )
    yield session
    context.close()
    assert session.problems == [], "\n".join(session.problems)


@pytest.fixture
def signed_in(watched: Watched) -> Watched:
    watched.goto("/")
    watched.login()
    watched.page.wait_for_selector("[data-camera]")
    return watched
