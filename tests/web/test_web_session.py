"""Signing in and out: a wrong password is refused with a message, the access token is renewed
before it expires (also on the open WebSocket), signing out ends the session at the bridge."""

from __future__ import annotations

import json
from typing import Any

import httpx
from browsing import Watched
from playwright.sync_api import WebSocket, expect
from web_rig import ADMIN_PASSWORD


def frames(texts: list[str]) -> list[dict[str, Any]]:
    return [frame for frame in map(json.loads, texts) if isinstance(frame, dict)]


def test_a_wrong_password_shows_an_error(watched: Watched) -> None:
    watched.allow(r"/api/v1/auth/login$", 401)
    page = watched.page
    watched.goto("/")
    page.fill("#login-password", "not-the-password")
    page.click("form button[type=submit]")
    expect(page.locator("[data-testid=login-error]")).to_have_text("wrong username or password")
    expect(page.locator("header nav")).to_have_count(0)
    # and the right one then works
    watched.login(ADMIN_PASSWORD)
    expect(page.locator("[data-camera]").first).to_be_visible()


def test_the_token_is_renewed_before_it_expires_also_on_the_websocket(watched: Watched) -> None:
    page = watched.page
    page.clock.install()
    sent: list[str] = []
    received: list[str] = []

    def on_socket(socket: WebSocket) -> None:
        socket.on("framesent", lambda frame: sent.append(str(frame)))
        socket.on("framereceived", lambda frame: received.append(str(frame)))

    page.on("websocket", on_socket)
    pairs: list[dict[str, Any]] = []
    page.on(
        "response",
        lambda r: (
            pairs.append(r.json()) if r.url.endswith(("/auth/login", "/auth/refresh")) else None
        ),
    )
    watched.goto("/")
    watched.login()
    expect(page.locator("[data-testid=live-status]")).to_contain_text("Live")
    first = pairs[0]["access_token"]

    # 80 % of the access token's 15 minutes later, the page renews it
    with page.expect_response(lambda r: r.url.endswith("/auth/refresh")) as refreshed:
        page.clock.fast_forward("12:01")
    assert refreshed.value.status == 200
    renewed = pairs[-1]["access_token"]
    assert renewed != first
    # the open WebSocket was handed the new token, and took it
    for _ in range(50):
        if any(frame.get("auth") == "ok" for frame in frames(received)):
            break
        page.wait_for_timeout(100)
    assert {"auth": renewed} in frames(sent)
    assert any(frame.get("auth") == "ok" for frame in frames(received))
    # and the page goes on with it
    watched.open("/settings")
    expect(page.locator("[data-testid=device-list] > li").first).to_be_visible()


def test_signing_out_ends_the_session_at_the_bridge(watched: Watched) -> None:
    page = watched.page
    pairs: list[dict[str, Any]] = []
    page.on("response", lambda r: pairs.append(r.json()) if r.url.endswith("/auth/login") else None)
    watched.goto("/")
    watched.login()
    expect(page.locator("[data-camera]").first).to_be_visible()
    tokens = pairs[0]

    with page.expect_response(lambda r: r.url.endswith("/auth/logout")) as logout:
        page.get_by_role("button", name="Sign out").click()
    assert logout.value.status == 204
    expect(page.locator("#login-password")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")

    api = watched.bridge.api
    refresh = httpx.post(api + "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert "logged out" in refresh.json()["detail"]
    me = httpx.get(api + "/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 401


def test_a_session_ended_elsewhere_brings_back_the_login_page_saying_why(
    watched: Watched,
) -> None:
    watched.allow(r"/api/v1/", 401)
    page = watched.page
    pairs: list[dict[str, Any]] = []
    page.on("response", lambda r: pairs.append(r.json()) if r.url.endswith("/auth/login") else None)
    watched.goto("/")
    watched.login()
    expect(page.locator("[data-camera]").first).to_be_visible()
    ended = httpx.post(
        watched.bridge.api + "/auth/logout", json={"refresh_token": pairs[0]["refresh_token"]}
    )
    assert ended.status_code == 204
    watched.open("/settings")  # its first request is refused, and so is the renewal
    expect(page.locator("#login-password")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "Your session has ended: the session has ended (logged out)."
    )
