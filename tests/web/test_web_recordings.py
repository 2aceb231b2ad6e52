"""Recordings through the dashboard: a simulated event leaves a file on the camera's card; the
recordings page finds it (asking the camera), plays it in the page and downloads it byte for
byte; the event's clip plays from the events page."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from browsing import ARTEFACTS, Watched, axe_violations
from playwright.sync_api import Page, Route, expect
from web_rig import Bridge

from bridge.simulator.recordings import NAME_RE


def card_files(bridge: Bridge, camera: str) -> list[str]:
    device = bridge.devices[camera]
    answer = httpx.post(f"http://{device['host']}:{device['port']}/sim/recordings", json={})
    answer.raise_for_status()
    files: list[str] = answer.json()["files"]
    return files


def main_stream(name: str) -> bool:
    match = NAME_RE.match(name)
    assert match is not None, name
    return match["stream"] == "M"


def record_an_event(bridge: Bridge, camera: str) -> str:
    """A motion event on `camera`, until its file is on the card: the main stream's file's name.

    The card has the take twice, main and sub stream. The main stream's is the one to wait for:
    "Ask the camera" searches the main stream (the API's default), so the page lists the sub
    stream's file only once the indexer has run (`media.index_after_event`, 15 s after the end)."""
    before = set(card_files(bridge, camera))
    bridge.sim_event(camera, "motion", active=True)
    time.sleep(1.0)  # the event lasts a moment: the file is its pre-record, this and its post
    bridge.sim_event(camera, "motion", active=False)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        new = [f for f in card_files(bridge, camera) if f not in before and main_stream(f)]
        if new:
            return new[0]
        time.sleep(0.2)
    raise TimeoutError("no new recording on the card")


def played(page: Page, selector: str, seconds: float) -> None:
    page.wait_for_function(
        "([selector, seconds]) => document.querySelector(selector).currentTime >= seconds",
        arg=[selector, seconds],
        timeout=15_000,
    )


def direct(bridge: Bridge, camera: str, name: str) -> bytes:
    device: dict[str, Any] = bridge.devices[camera]
    params = {
        "cmd": "Download",
        "source": name,
        "user": device["username"],
        "password": device["password"],
    }
    answer = httpx.get(
        f"http://{device['host']}:{device['port']}/cgi-bin/api.cgi", params=params, timeout=30
    )
    answer.raise_for_status()
    return answer.content


def test_a_recording_is_found_played_and_downloaded_and_its_event_clip_plays(
    signed_in: Watched,
) -> None:
    page = signed_in.page
    bridge = signed_in.bridge
    name = record_an_event(bridge, "legacy")

    signed_in.open("/recordings?camera=legacy")
    expect(page.get_by_test_id("rec-camera")).to_have_value("legacy")
    page.get_by_test_id("ask-camera").click()
    row = page.locator("[data-testid=rec-list] > li", has_text=name.split("/")[-1])
    expect(row).to_have_count(1)
    expect(page.locator("[data-testid=rec-timeline] button").first).to_be_attached()
    assert axe_violations(page) == []

    row.get_by_role("button", name="Play").click()
    expect(page.get_by_test_id("rec-player")).to_be_visible()
    played(page, "[data-testid=rec-player]", 1.5)

    ARTEFACTS.joinpath("screenshots").mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=ARTEFACTS / "screenshots" / "recordings-playing-wide.png", full_page=True)

    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == name.split("/")[-1]
    assert download.path().read_bytes() == direct(bridge, "legacy", name)

    # the event's clip, cut from that recording
    signed_in.open("/events?camera=legacy&type=motion")
    clip = page.locator("[data-testid=event-list] > li [data-testid=play-clip]").first
    expect(clip).to_be_visible()
    clip.click()
    played(page, "[data-testid=clip-player]", 1.0)


def test_asking_the_camera_while_the_first_page_is_on_its_way_lists_what_it_found(
    signed_in: Watched,
) -> None:
    """The index's first page is held back until "Ask the camera" has answered: the page asks
    for the list again (the late first page is dropped), it does not keep waiting for it."""
    page = signed_in.page
    name = record_an_event(signed_in.bridge, "legacy")
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/api/v1/recordings\?"), hold_the_first)
    with page.expect_request(re.compile(r"/api/v1/recordings\?")):
        signed_in.open("/recordings?camera=legacy")
    expect(page.get_by_test_id("rec-camera")).to_have_value("legacy")
    page.get_by_test_id("ask-camera").click()
    row = page.locator("[data-testid=rec-list] > li", has_text=name.split("/")[-1])
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("rec-loading")).to_be_hidden()

    late = held[0].request
    with page.expect_response(lambda r: r.request == late):
        held[0].continue_()  # it comes at last: dropped, the list stays
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("rec-loading")).to_be_hidden()
