"""A page under watch: it collects every console error, uncaught exception and failed request
(a test fails on any it did not expect), and knows how to sign in and move around."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Response
from web_rig import ADMIN_PASSWORD, ROOT, Bridge

ARTEFACTS = Path(os.environ.get("REOLINK_ARTEFACTS", ROOT / "artefacts"))
"""Where the test run writes screenshots (`make screenshots` copies the README's from here)."""
WIDTHS = {"wide": (1440, 900), "phone": (390, 844)}
LIVE_MEDIA = re.compile(r"/api/v1/cameras/[^/]+/streams/[^/]+/(index\.m3u8|\d+\.ts)\?")


@dataclass
class Watched:
    """A page and everything that went wrong on it."""

    page: Page
    bridge: Bridge
    problems: list[str] = field(default_factory=list)
    allowed: list[tuple[str, int]] = field(default_factory=list)
    """(URL pattern, HTTP status) the test expects, e.g. a wrong password's 401."""

    def allow(self, pattern: str, status: int) -> None:
        self.allowed.append((pattern, status))

    def _expected(self, url: str, status: int) -> bool:
        return any(re.search(p, url) and s == status for p, s in self.allowed)

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and not self._expected(response.url, response.status):
            self.problems.append(f"HTTP {response.status} {response.request.method} {response.url}")

    def on_failed(self, url: str, failure: str | None) -> None:
        # Leaving a camera page stops its live video: the player aborts the playlist or segment
        # it was loading. That is the page working, not a failed request.
        if failure == "net::ERR_ABORTED" and LIVE_MEDIA.search(url):
            return
        self.problems.append(f"failed: {url} ({failure})")

    def on_console(self, kind: str, text: str) -> None:
        if kind not in ("error", "warning"):
            return
        # Chromium logs every 4xx/5xx answer as a console error too; those are judged above.
        if text.startswith("Failed to load resource: the server responded with a status of"):
            return
        self.problems.append(f"console {kind}: {text}")

    def goto(self, route: str = "/") -> None:
        self.page.goto(f"{self.bridge.url}/#{route}")

    def login(self, password: str = ADMIN_PASSWORD) -> None:
        if "#/login" not in self.page.url:
            self.goto("/login")
        self.page.fill("#login-password", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_selector("header nav")

    def open(self, route: str) -> None:
        """Navigate inside the signed-in page (a reload would ask for the password again)."""
        self.page.evaluate("route => { location.hash = route }", route)


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']})
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary),
            }))
        }"""
    )
    return [v for v in found if v["impact"] in BLOCKING]
