"""The dashboard: the files `web/` builds (`npm run build` → `web/dist`), served at `/`.

`/` needs no token (the page holds no data; it logs in through `/api/v1/auth/login` and keeps
its tokens in memory), the API stays behind its own authentication. The page routes by the
URL's fragment (`/#/events`), so `/` and `/assets/…` are all there is.

The HTML goes out with a strict Content-Security-Policy: scripts and styles only from this
origin (the dashboard uses Alpine's CSP build, which needs no `eval`), no inline code, no
framing. Assets have content-hashed names and are cached for a year; the HTML is revalidated.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from bridge.api.deps import public

INDEX = "index.html"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",
}


def default_web_dir() -> Path:
    """`web/dist` of the source tree the bridge runs from (an editable install, `make demo`)."""
    return Path(__file__).resolve().parents[2] / "web" / "dist"


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers.update(ASSET_HEADERS)
        return response


def mount_dashboard(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the built dashboard from `web_dir` (default `default_web_dir()`) at `/`."""
    root = web_dir or default_web_dir()

    @app.get("/", include_in_schema=False)
    @public
    async def dashboard() -> Response:
        try:
            page = (root / INDEX).read_text(encoding="utf-8")
        except OSError:
            return PlainTextResponse(
                f"The dashboard is not built: {root / INDEX} is missing. Run `make setup` (it "
                "runs `npm ci && npm run build` in web/), or set server.web_dir.",
                status_code=503,
                headers={"Cache-Control": "no-store"},
            )
        return HTMLResponse(page, headers=PAGE_HEADERS)

    app.mount("/assets", _Assets(directory=root / "assets", check_dir=False), name="assets")
