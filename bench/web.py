"""The dashboard: what it ships, and how soon the grid shows 100 cameras.

- Size: every JS and CSS file of `web/dist` (and the HTML), raw and gzipped (level 9, as a proxy
  or the browser cache would see it). What every page loads (the files `index.html` names) and
  what only a camera view loads (the live player, hls.js, imported on demand) are counted apart.
  Budgets: JS + CSS loaded by every page ≤ 60 kB gzipped; the player's chunk ≤ 130 kB gzipped.
- Grid: the simulator with N floodlight cameras, the bridge (`reolink-bridge run`, 1 s poll) and
  Debian's Chromium (Playwright), in separate processes. Timed from the sign-in click to N tiles
  in the grid, and to the first picture; the most thumbnail requests in flight at once is
  counted (the page asks for at most 3 at a time, for tiles on screen only). Baseline, same run:
  the API reads the grid needs (`/auth/login`, `/views`, `/bridge/info`, `/events`) made
  directly with httpx. Budget: the grid within 2 s of the click.

    .venv/bin/python bench/web.py [--cameras 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "web"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Request, sync_playwright  # noqa: E402
from web_rig import ADMIN_PASSWORD, launch_chromium, running_bridge  # noqa: E402

DIST = ROOT / "web" / "dist"
SIZE_BUDGET = 60_000
PLAYER_BUDGET = 130_000
GRID_BUDGET = 2.0


def sizes() -> dict[str, Any]:
    entry = (DIST / "index.html").read_text(encoding="utf-8")
    rows = []
    for path in sorted(DIST.rglob("*")):
        if path.suffix not in (".js", ".css", ".html") or not path.is_file():
            continue
        data = path.read_bytes()
        name = str(path.relative_to(DIST))
        eager = name == "index.html" or f"/{name}" in entry
        rows.append((name, len(data), len(gzip.compress(data, 9)), eager))
    print("\n## What the dashboard ships (web/dist)\n")
    print("| file | loaded | bytes | gzipped |\n|---|---|---:|---:|")
    for name, raw, packed, eager in rows:
        print(f"| {name} | {'every page' if eager else 'on demand'} | {raw:,} | {packed:,} |")
    code = sum(p for n, _, p, eager in rows if eager and n.endswith((".js", ".css")))
    lazy = sum(p for n, _, p, eager in rows if not eager and n.endswith((".js", ".css")))
    print(f"\nJS + CSS every page loads, gzipped: {code:,} bytes (budget {SIZE_BUDGET:,}: ", end="")
    print("within)" if code <= SIZE_BUDGET else "OVER)")
    print(f"Loaded on demand (the live player), gzipped: {lazy:,} bytes ", end="")
    print(f"(budget {PLAYER_BUDGET:,}: {'within' if lazy <= PLAYER_BUDGET else 'OVER'})")
    return {"code_gzipped": code, "on_demand_gzipped": lazy}


def baseline(api: str) -> float:
    """The API reads behind a first grid, made directly."""
    started = time.perf_counter()
    with httpx.Client(base_url=api) as http:
        login = http.post("/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for path in ("/views", "/bridge/info", "/events?limit=20"):
            http.get(path, headers=headers).raise_for_status()
    return time.perf_counter() - started


def grid(cameras: int, rounds: int) -> None:
    ids = [f"cam{n:03d}" for n in range(cameras)]
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_bridge(
            Path(workdir), ["floodlight"] * cameras, ids=ids, timeout=120 + cameras, interval=1.0
        ) as bridge,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        to_grid: list[float] = []
        to_picture: list[float] = []
        bases: list[float] = []
        most_in_flight = 0
        for _ in range(rounds):
            bases.append(baseline(bridge.api))
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            in_flight: set[Request] = set()

            def started(request: Request, flights: set[Request] = in_flight) -> None:
                if request.url.endswith("/thumbnail"):
                    flights.add(request)

            page.on("request", started)
            page.on("requestfinished", lambda r, flights=in_flight: flights.discard(r))
            page.on("requestfailed", lambda r, flights=in_flight: flights.discard(r))
            page.goto(bridge.url + "/")
            page.fill("#login-password", ADMIN_PASSWORD)
            peak = 0
            clicked = time.perf_counter()
            page.click("form button[type=submit]")
            page.wait_for_function(
                f"() => document.querySelectorAll('[data-camera]').length === {cameras}",
                polling="raf",
                timeout=30_000,
            )
            to_grid.append(time.perf_counter() - clicked)
            page.wait_for_selector("[data-camera] img[src^=blob]", timeout=30_000)
            to_picture.append(time.perf_counter() - clicked)
            deadline = time.perf_counter() + 5
            while time.perf_counter() < deadline:
                peak = max(peak, len(in_flight))
                page.wait_for_timeout(20)
            most_in_flight = max(most_in_flight, peak)
            page.close()
        browser.close()
    print(f"\n## The grid with {cameras} cameras ({rounds} rounds, median)\n")
    print("| measure | seconds |\n|---|---:|")
    print(f"| baseline: the API reads behind it, direct | {statistics.median(bases):.3f} |")
    print(f"| sign-in click → {cameras} tiles | {statistics.median(to_grid):.3f} |")
    print(f"| sign-in click → first picture | {statistics.median(to_picture):.3f} |")
    print(
        f"\nThumbnail requests in flight at once, at most: {most_in_flight} (the page's limit: 3)"
    )
    verdict = "within" if statistics.median(to_grid) <= GRID_BUDGET else "OVER"
    print(f"Budget: the grid within {GRID_BUDGET} s of the click: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (DIST / "index.html").exists():
        sys.exit("the dashboard is not built: run scripts/setup")
    sizes()
    grid(args.cameras, args.rounds)


if __name__ == "__main__":
    main()
