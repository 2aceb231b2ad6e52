"""The events page: acknowledging one or several persists (a reload shows them acknowledged);
the filters, the day's timeline and snapshot previews."""

from __future__ import annotations

import re
import time

import httpx
from browsing import Watched
from playwright.sync_api import expect
from web_rig import Bridge


def make_events(bridge: Bridge, camera_id: str, kind: str, count: int) -> list[str]:
    """`count` new detections of `kind` on the camera, each started and ended; their ids."""
    headers = {"Authorization": f"Bearer {bridge.token()}"}
    params = {"type": kind, "limit": 500}

    def ids() -> list[str]:
        answer = httpx.get(
            f"{bridge.api}/cameras/{camera_id}/events", params=params, headers=headers
        )
        answer.raise_for_status()
        return [e["event_id"] for e in answer.json()["events"] if e["phase"] == "end"]

    before = set(ids())
    for _ in range(count):
        seen = len(ids())
        bridge.sim_event(camera_id, kind, active=True)
        time.sleep(0.8)
        bridge.sim_event(camera_id, kind, active=False)
        deadline = time.monotonic() + 10
        while len(ids()) <= seen and time.monotonic() < deadline:
            time.sleep(0.1)
    made = [i for i in ids() if i not in before]
    assert len(made) == count, made
    return made


def test_acknowledging_one_and_several_persists(signed_in: Watched) -> None:
    page = signed_in.page
    first, second, third = make_events(signed_in.bridge, "ptz", "motion", 3)
    route = "/events?camera=ptz&type=motion"
    signed_in.open(route)
    rows = page.locator("[data-testid=event-list] > li")
    expect(rows.first).to_be_visible()

    page.locator(f"[data-event='{first}']").get_by_role("button", name="Acknowledge").click()
    expect(page.locator(f"[data-event='{first}']")).to_have_attribute("data-acknowledged", "yes")
    for event_id in (second, third):
        page.locator(f"[data-event='{event_id}'] input[type=checkbox]").check()
    page.locator("[data-testid=acknowledge-selected]").click()
    for event_id in (second, third):
        expect(page.locator(f"[data-event='{event_id}']")).to_have_attribute(
            "data-acknowledged", "yes"
        )

    page.reload()  # tokens live in memory: sign in again
    signed_in.login()
    signed_in.open(route)
    for event_id in (first, second, third):
        row = page.locator(f"[data-event='{event_id}']")
        expect(row).to_have_attribute("data-acknowledged", "yes")
        expect(row).to_contain_text("Acknowledged")

    page.get_by_label("Not acknowledged only").check()
    expect(page.locator(f"[data-event='{first}']")).to_have_count(0)


def test_filters_timeline_and_previews(signed_in: Watched) -> None:
    page = signed_in.page
    (event_id,) = make_events(signed_in.bridge, "floodlight", "person", 1)
    signed_in.open("/events")
    page.locator("[data-testid=filter-camera]").select_option("floodlight")
    page.locator("[data-testid=filter-type]").select_option("person")
    rows = page.locator("[data-testid=event-list] > li")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert "Person · Driveway" in text
    # the picture taken when it started
    expect(page.locator(f"[data-event='{event_id}'] img")).to_be_visible()

    page.get_by_role("button", name="Today").click()
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline.locator("figure")).to_have_count(1)
    expect(timeline.locator("figcaption")).to_contain_text("Driveway")
    counted = [
        t for t in timeline.locator("figure [title]").evaluate_all(TITLES) if ": 0 " not in t
    ]
    assert counted, "no hour of the day has an event"
    assert all(re.fullmatch(r"\d\d:00–\d\d:00: \d+ events?", t) for t in counted), counted


TITLES = "bars => bars.map(b => b.title)"
