"""Every page, at a desk's width and a phone's: it loads with no console error and no failed
request, axe-core finds no serious or critical accessibility violation, and a screenshot is
written to the artefacts folder (README.md shows two of them: `make screenshots`)."""

from __future__ import annotations

import json

import pytest
from browsing import ARTEFACTS, WIDTHS, Watched, axe_violations
from playwright.sync_api import Page, expect


def settle(page: Page) -> None:
    """Until the page has what it loads (no request in flight for a moment)."""
    page.wait_for_load_state("networkidle")


def check(watched: Watched, name: str, width_name: str) -> None:
    page = watched.page
    settle(page)
    violations = axe_violations(page)
    assert violations == [], f"{name}: " + json.dumps(violations, indent=1)
    ARTEFACTS.joinpath("screenshots").mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")  # the sticky header at the top
    page.screenshot(path=ARTEFACTS / "screenshots" / f"{name}-{width_name}.png", full_page=True)


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_every_page_loads_clean_accessible_and_is_pictured(
    watched: Watched, width_name: str
) -> None:
    width, height = WIDTHS[width_name]
    page = watched.page
    page.set_viewport_size({"width": width, "height": height})

    watched.goto("/")
    expect(page.locator("#login-password")).to_be_visible()
    check(watched, "login", width_name)

    watched.login()
    grid = page.locator("[data-testid=camera-grid] > li")
    expect(grid).to_have_count(len(watched.bridge.devices) + 2)  # the NVR's 3 channels, not itself
    expect(page.locator("[data-camera=floodlight] img")).to_be_visible()  # its picture came
    expect(page.locator("[data-testid=health]")).to_contain_text("connected")
    check(watched, "dashboard", width_name)
    page.emulate_media(color_scheme="dark")  # dark follows the system's choice
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(241, 245, 249)"  # the light background (slate-100)
    )
    check(watched, "dashboard-dark", width_name)
    page.emulate_media(color_scheme="light")

    watched.open("/camera/floodlight")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("RLC-811A")
    expect(page.locator("[data-testid=live-badge]")).to_have_text("Live", timeout=20_000)
    expect(page.locator("[data-testid=camera-state]")).to_contain_text("Status LED")
    check(watched, "camera", width_name)

    watched.open("/events")
    expect(page.locator("[data-testid=event-list] > li").first).to_be_visible()
    check(watched, "events", width_name)

    watched.open("/recordings?camera=legacy")
    expect(page.get_by_test_id("rec-camera")).to_have_value("legacy")
    expect(page.locator("[data-testid=rec-list]")).to_be_attached()
    check(watched, "recordings", width_name)

    watched.open("/settings")
    expect(page.locator("[data-testid=device-list] > li")).to_have_count(
        len(watched.bridge.devices)
    )
    expect(page.locator("[data-testid=storage]")).to_contain_text("Database")
    check(watched, "settings", width_name)


def test_a_page_of_the_dashboard_fits_a_phone(watched: Watched) -> None:
    """At 390 px nothing is wider than the screen (no sideways scrolling)."""
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    watched.goto("/")
    watched.login()
    for route in ("/", "/camera/nvr_ch2", "/camera/ptz", "/events", "/recordings", "/settings"):
        watched.open(route)
        settle(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 390, f"{route} is {overflow} px wide"


def test_keyboard_alone_reaches_a_camera(watched: Watched) -> None:
    """Tab through the dashboard to a camera tile and open it with Enter."""
    page = watched.page
    watched.goto("/")
    page.locator("#login-password").focus()
    page.keyboard.type("dashboard-admin-pw")
    page.keyboard.press("Enter")
    expect(page.locator("[data-camera=floodlight]")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.closest('[data-camera]')?.dataset.camera || ''"
        )
        if focused == "floodlight":
            break
    else:
        pytest.fail("Tab never reached the Driveway tile")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Driveway")
