"""`create_app(ctx)`: the FastAPI app, built from the composition root's units. Only wiring here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bridge import __version__
from bridge.api import responses
from bridge.api.context import ApiContext
from bridge.api.deps import ApiState, authenticate
from bridge.api.errors import install_error_handlers
from bridge.api.json_depth import JsonDepthMiddleware
from bridge.api.live import LiveHub
from bridge.api.logouts import LOGOUTS_FILE, EndedSessions
from bridge.api.metrics import ApiMetrics, BodyLimitMiddleware, MetricsMiddleware
from bridge.api.openapi import install_openapi
from bridge.api.ratelimit import RateLimiter
from bridge.api.routers import (
    auth,
    camera_test,
    cameras,
    control,
    dashboard,
    events,
    instances,
    live,
    recordings,
    settings,
    streams,
    system,
)
from bridge.api.security import Authenticator, load_jwt_key
from bridge.api.signed_urls import UrlSigner
from bridge.api.stream_access import Viewers
from bridge.api.web import mount_dashboard
from bridge.media.links import MediaLinks

PREFIX = "/api/v1"

_DESCRIPTION = """The REST, WebSocket and SSE face of reolink-server: the same model as MQTT.

`GET /cameras/{id}/state` is the retained `reolink/<id>` payload, `POST /cameras/{id}/set` takes
the `reolink/<id>/set` Command and answers what `reolink/<id>/response` carries.
`WS /api/v1/ws/events`, `WS /api/v1/ws/cameras/{id}/events` and `GET /api/v1/sse/events` carry
`{"topic", "payload"}` frames identical to the MQTT messages.

Every route needs `Authorization: Bearer <token>` (a login JWT or an API token) except
`/health`, `/ready`, `/auth/login`, `/auth/refresh` and `/auth/logout`, and a token scope
(`read` < `control` < `admin`): each operation says which (`x-scope`); a narrower token gets 403.
Errors are `{"detail": …}`. The dashboard is served at `/`.
"""


def create_app(ctx: ApiContext) -> FastAPI:
    server = ctx.settings.server
    jwt_key = load_jwt_key(ctx.settings.auth, ctx.settings.data_dir)
    state = ApiState(
        ctx=ctx,
        auth=Authenticator(
            ctx.settings.auth,
            ctx.store,
            jwt_key,
            logouts=EndedSessions(ctx.settings.data_dir / LOGOUTS_FILE),
        ),
        hub=LiveHub(
            ctx.bus,
            ctx.cache,
            ctx.topics,
            queue_size=server.live_queue_size,
            links=MediaLinks.from_settings(ctx.settings),
        ),
        metrics=ApiMetrics(),
        login_limiter=RateLimiter("login", server.login_rate_per_minute),
        actuator_limiter=RateLimiter("command", server.actuator_rate_per_minute),
    )

    state.auth.on_revoke(state.hub.end_sessions)
    viewers = Viewers()
    state.auth.on_revoke(viewers.revoked)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.hub.start()
        try:
            yield
        finally:
            await state.hub.stop()

    app = FastAPI(
        title="reolink-server",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(authenticate)],
        responses={**responses.UNAUTHORIZED, **responses.BAD_REQUEST},
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.api = state
    app.state.url_signer = UrlSigner(jwt_key, state.auth)
    app.state.stream_viewers = viewers
    for router in (  # the hot paths first: routes are matched in order
        cameras.router,
        events.router,
        recordings.router,
        control.router,
        settings.router,
        live.router,
        streams.router,
        system.router,
        instances.router,
        auth.router,
        dashboard.router,
        camera_test.router,
    ):
        app.include_router(router, prefix=PREFIX)
    mount_dashboard(app, server.web_dir)
    install_error_handlers(app)
    _register_metrics(state)
    app.add_middleware(JsonDepthMiddleware)  # inside the body limit: reads bounded bodies only
    app.add_middleware(BodyLimitMiddleware, limit=server.max_request_bytes)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics, prefix=PREFIX)
    if server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_credentials="*" not in server.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    install_openapi(app)
    return app


def _register_metrics(state: ApiState) -> None:
    ctx, hub, metrics = state.ctx, state.hub, state.metrics
    metrics.gauge("reolink_cameras", "Configured devices", lambda: float(len(ctx.manager.runners)))
    metrics.gauge(
        "reolink_cameras_online",
        "Devices that answer",
        lambda: float(sum(1 for r in ctx.manager.runners if r.online)),
    )
    metrics.gauge(
        "reolink_cameras_running",
        "Devices this instance runs (with several instances: holds the lease of)",
        lambda: float(len(ctx.manager.running())),
    )
    metrics.gauge("reolink_live_clients", "WebSocket and SSE clients", hub.clients)
    metrics.counter(
        "reolink_live_dropped_clients",
        "Live clients dropped for being too slow",
        lambda: hub.dropped_clients,
    )
    metrics.counter(
        "reolink_live_frames", "Frames offered to live clients", lambda: hub.frames_offered
    )
    metrics.counter(
        "reolink_rate_limited",
        "Requests refused by the login and command rate limits",
        lambda: state.login_limiter.refused + state.actuator_limiter.refused,
    )
    metrics.gauge(
        "reolink_mqtt_connected",
        "1 when the MQTT broker is connected",
        lambda: float(ctx.mqtt.connected) if ctx.mqtt is not None else 0.0,
    )
    metrics.source("live", hub.stats)
    for component, source in ctx.stats.items():
        metrics.source(component, source)
