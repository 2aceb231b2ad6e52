"""Cameras through the settings page: one added appears on MQTT and in the grid, removing it
clears both; whatever a camera (or its owner) calls itself is shown as text, never as markup."""

from __future__ import annotations

import json

import httpx
from browsing import ARTEFACTS, Watched
from mqtt_watch import MqttWatch
from playwright.sync_api import expect
from web_rig import SIM_PASSWORD


def test_a_camera_added_through_the_form_reaches_mqtt_and_the_grid_and_removing_clears_it(
    signed_in: Watched,
) -> None:
    page = signed_in.page
    bridge = signed_in.bridge
    made = httpx.post(
        f"{bridge.control_url}/sim/devices",
        json={"profile": "floodlight", "id": "porch-sim", "password": SIM_PASSWORD},
    )
    made.raise_for_status()
    device = made.json()
    try:
        with MqttWatch(bridge.broker.host, bridge.broker.port, "reolink/#") as mqtt:
            signed_in.open("/settings")
            page.get_by_role("button", name="Add a camera").click()
            form = page.locator("[data-testid=camera-form]")
            form.locator("#cam-id").fill("porch")
            form.locator("#cam-name").fill("Porch")
            form.locator("#cam-host").fill(device["host"])
            form.locator("#cam-port").fill(str(device["port"]))
            form.locator("#cam-password").fill("not-the-password")
            form.get_by_role("button", name="Test the connection").click()
            expect(form.get_by_test_id("test-result")).to_contain_text("Login refused")
            form.locator("#cam-password").fill(SIM_PASSWORD)
            form.get_by_role("button", name="Test the connection").click()
            expect(form.get_by_test_id("test-result")).to_contain_text("Found RLC-811A")
            ARTEFACTS.joinpath("screenshots").mkdir(parents=True, exist_ok=True)
            form.screenshot(path=ARTEFACTS / "screenshots" / "camera-form-tested-wide.png")
            assert not mqtt.seen(lambda t, p: t.startswith("reolink/porch/"))  # a dry run
            form.get_by_role("button", name="Add", exact=True).click()
            expect(page.locator("[data-device=porch]")).to_contain_text("Porch")
            expect(page.locator("[data-device=porch] .badge")).to_have_text("Online")

            mqtt.wait(lambda t, p: t == "reolink/porch/availability" and p == b"online")
            mqtt.wait(
                lambda t, p: (
                    t == "reolink/bridge/cameras" and any(c["id"] == "porch" for c in json.loads(p))
                )
            )
            signed_in.open("/")
            expect(page.locator("[data-camera=porch]")).to_contain_text("Porch")
            expect(page.locator("[data-camera=porch] [data-testid=online-badge]")).to_have_text(
                "Online"
            )

            signed_in.open("/settings")
            page.get_by_role("button", name="Remove porch").click()
            page.locator("[data-testid=confirm-remove]").click()
            expect(page.locator("[data-device=porch]")).to_have_count(0)
            mqtt.wait(lambda t, p: t == "reolink/porch/availability" and p == b"")
            mqtt.wait(
                lambda t, p: (
                    t == "reolink/bridge/cameras"
                    and not any(c["id"] == "porch" for c in json.loads(p))
                )
            )
            signed_in.open("/")
            expect(page.locator("[data-camera]").first).to_be_visible()
            expect(page.locator("[data-camera=porch]")).to_have_count(0)
    finally:
        httpx.delete(f"{bridge.control_url}/sim/devices/porch-sim")


def test_a_refused_camera_shows_why(signed_in: Watched) -> None:
    signed_in.allow(r"/api/v1/cameras$", 422)
    page = signed_in.page
    signed_in.open("/settings")
    page.get_by_role("button", name="Add a camera").click()
    form = page.locator("[data-testid=camera-form]")
    form.locator("#cam-id").fill("Not A Slug!")
    form.locator("#cam-host").fill("127.0.0.1")
    form.get_by_role("button", name="Add").click()
    expect(form.get_by_role("alert")).to_contain_text("id")


def test_names_are_shown_as_text_never_as_markup(signed_in: Watched) -> None:
    """A name full of HTML is shown as it is written; nothing of it becomes an element."""
    page = signed_in.page
    bridge = signed_in.bridge
    hostile = '<img src=x onerror="document.title=1">Shed</b>'
    headers = {"Authorization": f"Bearer {bridge.token()}"}
    renamed = httpx.put(f"{bridge.api}/cameras/legacy", json={"name": hostile}, headers=headers)
    renamed.raise_for_status()
    try:
        signed_in.open("/settings")
        signed_in.open("/")
        tile = page.locator("[data-camera=legacy]")
        expect(tile).to_contain_text(hostile)
        assert tile.locator("img[src=x], b").count() == 0
        signed_in.open("/camera/legacy")
        expect(page.locator("h1")).to_have_text(hostile)
        assert page.title() == "reolink-server"
    finally:
        httpx.put(f"{bridge.api}/cameras/legacy", json={"name": "Garage"}, headers=headers)
