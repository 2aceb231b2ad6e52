"""The camera view plays the camera live (the bridge's signed HLS through hls.js and Chromium's
Media Source Extensions) and moves a PTZ camera from a pad drawn from its entity descriptions."""

from __future__ import annotations

import time

from browsing import ARTEFACTS, Watched, axe_violations
from playwright.sync_api import Page, expect

SHED = "<i>Shed</i>"
"""A preset name as markup: it must show as these characters."""
PLAYS_FOR = 3.0
"""Seconds the video's clock must advance (the issue's bound)."""


def current_time(page: Page) -> float:
    value: float = page.evaluate(
        "() => document.querySelector('[data-testid=live-video]').currentTime"
    )
    return value


def test_the_live_player_plays_the_camera(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/doorbell")
    video = page.locator("[data-testid=live-video]")
    expect(video).to_be_visible()
    expect(page.locator("[data-testid=live-badge]")).to_have_text("Live", timeout=20_000)
    first = current_time(page)
    started = time.monotonic()
    page.wait_for_function(
        "until => document.querySelector('[data-testid=live-video]').currentTime >= until",
        arg=first + PLAYS_FOR,
        timeout=(PLAYS_FOR + 10) * 1000,
    )
    assert time.monotonic() - started >= PLAYS_FOR - 0.5  # played in real time, not skipped
    sizes = page.evaluate(
        "() => { const v = document.querySelector('[data-testid=live-video]');"
        " return [v.videoWidth, v.videoHeight] }"
    )
    assert min(sizes) > 0, sizes  # a decoded picture

    page.get_by_test_id("stop-live").click()
    expect(video).to_be_hidden()
    expect(page.locator("[data-testid=watch-live]")).to_be_visible()


def test_a_battery_camera_is_not_woken_by_its_page(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/battery_ch0")
    expect(page.locator("[data-testid=watch-live]")).to_be_visible()
    expect(page.locator("[data-testid=live-video]")).to_be_hidden()


def test_the_ptz_pad_moves_the_camera_and_stops_it(signed_in: Watched) -> None:
    page = signed_in.page
    bridge = signed_in.bridge
    signed_in.open("/camera/ptz")
    pad = page.locator("[data-testid=ptz]")
    expect(pad).to_be_visible()
    before = len(bridge.sim_state("ptz")["commands"])

    left = pad.get_by_role("button", name="PTZ left", exact=True)
    box = left.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    expect(pad.get_by_test_id("ptz-result")).to_have_text("Done")
    page.mouse.up()

    def sent() -> list[str]:
        commands = bridge.sim_state("ptz")["commands"][before:]
        return [c["param"].get("op", "") for c in commands if c["cmd"] == "PtzCtrl"]

    deadline = time.monotonic() + 5
    while sent()[-2:] != ["Left", "Stop"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sent()[-2:] == ["Left", "Stop"], sent()  # held, then let go: the stop comes after

    # by keyboard: Enter held on "up", then let go
    up = pad.get_by_role("button", name="PTZ up", exact=True)
    up.focus()
    page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    deadline = time.monotonic() + 5
    while sent()[-2:] != ["Up", "Stop"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sent()[-2:] == ["Up", "Stop"], sent()

    # the patrol is a switch (its state read back from the camera's GetPtzPatrol)
    patrol = pad.get_by_role("switch", name="Patrol")
    expect(patrol).to_have_attribute("aria-checked", "false")
    patrol.click()
    deadline = time.monotonic() + 5
    while not bridge.sim_state("ptz")["channel_states"][0]["ptz"]["patrol_running"]:
        assert time.monotonic() < deadline, "the patrol did not start"
        time.sleep(0.1)
    expect(patrol).to_have_attribute("aria-checked", "true")

    presets = pad.get_by_test_id("ptz-presets")
    presets.get_by_label("Preset").select_option("Porch")
    presets.get_by_role("button", name="Go").click()
    expect(presets.get_by_label("Preset")).to_contain_text("Porch (here now)")

    # a preset saved here appears in the list (the entities follow the camera), as text (the
    # camera's names are never markup), and goes again
    save = pad.locator("[data-entity=ptz_preset_save]")
    save.get_by_label("Save preset: name").fill(SHED)
    save.get_by_role("button", name="Save preset").click()
    expect(presets.locator("option", has_text=SHED)).to_have_count(1)
    expect(pad.locator("i")).to_have_count(0)
    assert SHED in bridge.sim_state("ptz")["channel_states"][0]["ptz"]["presets"].values()
    assert axe_violations(page) == []
    delete = pad.locator("[data-entity=ptz_preset_delete]")
    delete.get_by_label("Delete preset: which").select_option(SHED)
    delete.get_by_role("button", name="Delete preset").click()
    expect(presets.locator("option", has_text=SHED)).to_have_count(0)
    expect(page.get_by_test_id("camera-state")).not_to_contain_text(SHED)  # at no preset now
    assert SHED not in bridge.sim_state("ptz")["channel_states"][0]["ptz"]["presets"].values()
    ARTEFACTS.joinpath("screenshots").mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")  # the sticky header at the top
    page.screenshot(path=ARTEFACTS / "screenshots" / "camera-ptz-wide.png", full_page=True)


def test_a_camera_without_ptz_shows_no_pad(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/floodlight")
    expect(page.locator("[data-testid=controls]")).to_be_visible()
    expect(page.locator("[data-testid=ptz]")).to_be_hidden()
    expect(page.locator("[data-testid=ptz-pad] button")).to_have_count(0)
