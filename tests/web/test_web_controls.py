"""The camera view's controls are drawn from the bridge's entity descriptions
(`GET /cameras/{id}/entities`, the feature table), never per model: each widget drives the real
simulated camera through `POST /cameras/{id}/set/{attribute}` and shows the command's result."""

from __future__ import annotations

from typing import Any

from browsing import Watched
from playwright.sync_api import expect


def commands(signed_in: Watched, camera: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = signed_in.bridge.sim_state(camera)["commands"]
    return log


def test_controls_render_from_entities_and_reach_the_camera(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/floodlight")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("RLC-811A")
    controls = page.locator("[data-testid=controls]")
    expect(controls).to_be_visible()
    expect(controls.locator("h3")).to_have_text(["Controls", "Diagnostic", "Config"])
    before = len(commands(signed_in, "floodlight"))

    led = controls.get_by_role("switch", name="Status LED")
    expect(led).to_have_attribute("aria-checked", "true")
    led.click()
    expect(controls.locator("[data-entity=status_led] [role=status]")).to_have_text("Done")
    expect(led).to_have_attribute("aria-checked", "false")  # the state came back OFF

    ir = controls.get_by_role("switch", name="Infrared lights")  # Reolink's Auto/Off
    expect(ir).to_have_attribute("aria-checked", "true")
    ir.click()
    expect(controls.locator("[data-entity=ir_lights] [role=status]")).to_have_text("Done")
    expect(ir).to_have_attribute("aria-checked", "false")

    slider = controls.get_by_label("Motion sensitivity")
    slider.fill("33")
    expect(controls.locator("[data-entity=motion_sensitivity] [role=status]")).to_have_text("Done")
    expect(controls.locator("[data-entity=motion_sensitivity] label")).to_contain_text("33")

    siren = controls.get_by_role("switch", name="Siren", exact=True)  # not "Siren on motion"
    siren.click()
    expect(siren).to_have_attribute("aria-checked", "true")
    siren.click()
    expect(siren).to_have_attribute("aria-checked", "false")

    # A control added through the feature table alone renders like the others.
    hdr = controls.locator("[data-entity=hdr] select")
    expect(hdr).to_have_value("off")
    hdr.select_option("auto")
    expect(controls.locator("[data-entity=hdr] [role=status]")).to_have_text("Done")

    sent = [c["cmd"] for c in commands(signed_in, "floodlight")[before:]]
    for cmd in ("SetPowerLed", "SetIrLights", "SetMdAlarm", "AudioAlarmPlay", "SetIsp"):
        assert cmd in sent, sent


def test_a_camera_without_a_feature_shows_no_control_for_it(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/doorbell")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("Doorbell")
    controls = page.locator("[data-testid=controls]")
    expect(controls.get_by_role("switch", name="Status LED")).to_be_visible()
    expect(controls.locator("[data-entity=siren]")).to_have_count(0)  # a doorbell has none
    expect(controls.locator("[data-entity=ptz_left]")).to_have_count(0)
