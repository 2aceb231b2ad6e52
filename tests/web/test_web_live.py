"""What happens at a camera reaches the dashboard at once, over the WebSocket."""

from __future__ import annotations

import time

import pytest
from browsing import Watched
from playwright.sync_api import expect

WITHIN = 1.0
"""Seconds from the simulator's event to the feed and the tile (the issue's bound)."""


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
def test_a_simulated_event_reaches_the_feed_and_the_badge_within_a_second(
    signed_in: Watched,
) -> None:
    page = signed_in.page
    bridge = signed_in.bridge
    expect(page.locator("[data-testid=live-status]")).to_contain_text("Live")
    tile = page.locator("[data-camera=doorbell]")
    badge = tile.locator("[data-testid=detection-badge][data-kind=person]")
    expect(badge).to_have_count(0)
    feed = page.locator("[data-testid=event-feed] > li", has_text="Person · Front door")
    before = feed.count()

    started = time.monotonic()
    bridge.sim_event("doorbell", "person", active=True)
    try:
        expect(badge).to_be_visible(timeout=WITHIN * 1000)
        expect(feed).to_have_count(before + 1, timeout=WITHIN * 1000)
        elapsed = time.monotonic() - started
        assert elapsed <= WITHIN, f"{elapsed:.2f} s"
        expect(feed.first.locator(".badge")).to_have_text("Now")
    finally:
        bridge.sim_event("doorbell", "person", active=False)
    expect(badge).to_have_count(0)
    expect(feed.first.locator(".badge")).to_have_text("Ended")  # the same row, now ended
    expect(feed).to_have_count(before + 1)


def test_the_camera_view_follows_its_camera_live(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/floodlight")
    vehicle = page.locator("[data-kind=vehicle]")
    expect(vehicle).to_have_attribute("data-active", "no")
    signed_in.bridge.sim_event("floodlight", "vehicle", active=True)
    try:
        expect(vehicle).to_have_attribute("data-active", "yes")
        expect(page.locator("[data-testid=camera-events] > li").first).to_contain_text("Vehicle")
    finally:
        signed_in.bridge.sim_event("floodlight", "vehicle", active=False)
    expect(vehicle).to_have_attribute("data-active", "no")
