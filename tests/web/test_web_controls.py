"""The camera view's controls are drawn from entity descriptions, never per model.

The bridge does not describe a camera's entities yet (`GET /cameras/{id}/entities` comes with the
feature table), so the page shows no controls section; here the renderer is handed a list in the
described shape, and each widget must drive the real simulated camera through
`POST /cameras/{id}/set/{key}` and show the command's result."""

from __future__ import annotations

from typing import Any

from browsing import Watched
from playwright.sync_api import expect

ENTITIES: list[dict[str, Any]] = [
    {"key": "status_led", "kind": "switch", "name": "Status LED", "category": "settings",
     "writable": True, "state_field": "status_led"},
    {"key": "motion_sensitivity", "kind": "number", "name": "Motion sensitivity", "min": 1,
     "max": 50, "step": 1, "category": "settings", "writable": True,
     "state_field": "motion_sensitivity"},
    {"key": "ir_lights", "kind": "select", "name": "IR lights", "options": ["Auto", "On", "Off"],
     "category": "settings", "writable": True, "state_field": "ir_lights"},
    {"key": "floodlight_brightness", "kind": "number", "name": "Floodlight brightness",
     "unit": "%", "category": "diagnostic", "writable": False,
     "state_field": "floodlight_brightness"},
    {"key": "siren", "kind": "switch", "name": "Siren", "category": "controls", "writable": True,
     "state_field": "siren"},
]  # fmt: skip

GIVE = """entities => {
    Alpine.$data(document.querySelector('[data-testid=controls]')).entities = entities
}"""


def commands(signed_in: Watched) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = signed_in.bridge.sim_state("floodlight")["commands"]
    return log


def test_controls_render_from_entities_and_reach_the_camera(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/doorbell")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("Doorbell")
    expect(page.locator("[data-testid=controls]")).to_be_hidden()  # nothing describes any yet

    signed_in.open("/camera/floodlight")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("RLC-811A")
    page.evaluate(GIVE, ENTITIES)
    controls = page.locator("[data-testid=controls]")
    expect(controls).to_be_visible()
    expect(controls.locator("h3")).to_have_text(["Settings", "Diagnostic", "Controls"])
    expect(controls.locator("[data-entity=floodlight_brightness]")).to_contain_text("85 %")
    before = len(commands(signed_in))

    led = controls.get_by_role("switch", name="Status LED")
    expect(led).to_have_attribute("aria-checked", "true")
    led.click()
    expect(controls.locator("[data-entity=status_led] [role=status]")).to_have_text("Done")
    expect(led).to_have_attribute("aria-checked", "false")  # the state came back OFF

    slider = controls.get_by_label("Motion sensitivity")
    slider.fill("33")
    expect(controls.locator("[data-entity=motion_sensitivity] [role=status]")).to_have_text("Done")
    expect(controls.locator("[data-entity=motion_sensitivity] label")).to_contain_text("33")

    controls.get_by_label("IR lights").select_option("Off")
    expect(controls.locator("[data-entity=ir_lights] [role=status]")).to_have_text("Done")

    siren = controls.get_by_role("switch", name="Siren")
    siren.click()
    expect(siren).to_have_attribute("aria-checked", "true")
    siren.click()
    expect(siren).to_have_attribute("aria-checked", "false")

    sent = [c["cmd"] for c in commands(signed_in)[before:]]
    for cmd in ("SetPowerLed", "SetMdAlarm", "SetIrLights", "AudioAlarmPlay"):
        assert cmd in sent, sent


def test_a_refused_control_shows_the_error(signed_in: Watched) -> None:
    page = signed_in.page
    signed_in.open("/camera/doorbell")
    expect(page.locator("[data-testid=camera-status]")).to_contain_text("Doorbell")
    page.evaluate(GIVE, [{**ENTITIES[4], "name": "Siren"}])  # a doorbell has no siren
    page.locator("[data-testid=controls]").get_by_role("switch", name="Siren").click()
    expect(page.locator("[data-entity=siren] [role=status]")).to_contain_text("siren")
    expect(page.locator("[data-entity=siren] [role=status]")).to_have_class(
        "mt-1 text-xs text-red-800 dark:text-red-300"
    )
