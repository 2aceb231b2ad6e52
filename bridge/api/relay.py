"""Media from any instance: a request that needs a camera's session, made to an instance that
does not run the camera, is relayed to the instance that does (docs/scale-out.md, "Media").

Live video, recording downloads and playback, live recording searches, event clips and
snapshots taken now use the camera's own session, which only the holder of the device's lease
has (one session per camera: many cameras allow few). A route that needs it lists a relay
dependency after its scope check (`RelayCamera`, `RelayRecording`, `RelayEvent`,
`RelaySearch`): when another live instance holds the lease, the dependency raises `Relay` and
`relay_response` forwards the request to the holder's `internal_url` (the instance directory in
Redis) and streams its answer back — status, headers (`Content-Range` …) and body, one chunk at
a time, never buffered whole. A kept file (an event's snapshot or clip under `/media/…`) that
is not in this instance's data dir is asked of every other live instance in turn
(`relay_to_peers`): the instance whose `event-media` consumer took it has it.

The request goes as the client made it: method, path, query (a signed media token), body and
headers (its `Authorization`, `Range`, `Host`, …), so the owner checks the caller exactly as the
first instance did (every instance shares the JWT secret and the token store), and the links it
builds name the address the client used. `X-Reolink-Relayed-By` marks a relayed request: it is
never relayed again (a lease that moved meanwhile gets the offline answer, not a loop).
Without leases (one instance), when nobody or this instance holds the lease, or when the
holder has not announced its address yet, the request is served here as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.requests import Request as StarletteRequest
from starlette.types import Message, Receive, Scope, Send

from bridge.api.context import ApiContext
from bridge.domain.errors import UnknownCamera

_LOGGER = logging.getLogger(__name__)

RELAYED_BY = "x-reolink-relayed-by"
"""Set on a relayed request: the instance that relayed it."""

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
"""Seconds the owner may stay silent (an HLS session's first segment, a slow camera)."""

MAX_EVENT_ID = 64
"""As the routes' `EventIdPath`: a longer id is the route's 422, never a store query."""

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = _HOP_BY_HOP | {"content-length"}


class Relay(Exception):
    """Serve this request from `targets` ((instance, API base URL), in order); `body` as read
    here. With `missing` (a kept file another instance may hold), a target's 404 passes to the
    next one, and `missing` is the answer when none has it."""

    def __init__(
        self, targets: list[tuple[str, str]], body: bytes = b"", missing: str | None = None
    ) -> None:
        super().__init__("relayed to " + ", ".join(name for name, _ in targets))
        self.targets = [(name, url.rstrip("/")) for name, url in targets]
        self.body = body
        self.missing = missing


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.api.ctx
    return ctx


async def relay_if_elsewhere(request: Request, camera_id: str) -> None:
    """Raise `Relay` when another live instance holds the lease of `camera_id`'s device."""
    ctx = _ctx(request)
    if ctx.owner is None or request.headers.get(RELAYED_BY):
        return
    try:
        runner, _ = ctx.manager.resolve(camera_id)
    except UnknownCamera:
        return  # the route answers 404
    device = runner.camera.id
    if ctx.manager.runs(device):
        return
    found = await ctx.owner(device)
    if found is None:
        return
    raise Relay([found], await request.body())


async def relay_to_peers(request: Request, missing: str) -> None:
    """A kept file (an event's snapshot) that is not here may be in another instance's data dir
    (the instance whose `event-media` consumer took it): raise `Relay` to ask every other live
    instance in turn; `missing` is the 404's detail when none has it."""
    ctx = _ctx(request)
    if ctx.peers is None or request.headers.get(RELAYED_BY):
        return
    peers = await ctx.peers()
    if peers:
        raise Relay(peers, missing=missing)


# The path parameters are read from the request, not declared: the route declares (and
# validates, and documents) them once.


async def _by_camera(request: Request) -> None:
    await relay_if_elsewhere(request, str(request.path_params["camera_id"]))


async def _by_recording(request: Request) -> None:
    ctx = _ctx(request)
    if ctx.owner is None or request.headers.get(RELAYED_BY):
        return
    try:
        recording_id = int(request.path_params["recording_id"])
    except ValueError:
        return  # the route's 422
    if not 1 <= recording_id < 2**63:
        return
    found = await ctx.store.get_recording(recording_id)
    if found is not None:
        await relay_if_elsewhere(request, found.camera_id)


async def _by_event(request: Request) -> None:
    ctx = _ctx(request)
    if ctx.owner is None or request.headers.get(RELAYED_BY):
        return
    event_id = str(request.path_params["event_id"])
    if not 0 < len(event_id) <= MAX_EVENT_ID:
        return  # the route's 422
    found = await ctx.store.get_event(event_id)
    if found is not None:
        await relay_if_elsewhere(request, found.camera_id)


async def _by_body(request: Request) -> None:
    """A JSON body's `camera_id` (a recording search); a bad body is the route's 422."""
    ctx = _ctx(request)
    if ctx.owner is None or request.headers.get(RELAYED_BY):
        return
    try:
        camera_id = json.loads(await request.body()).get("camera_id")
    except (ValueError, AttributeError):
        return
    if isinstance(camera_id, str):
        await relay_if_elsewhere(request, camera_id)


RelayCamera = Depends(_by_camera)
"""For routes with a `camera_id` path parameter."""
RelayRecording = Depends(_by_recording)
"""For routes with a `recording_id` path parameter."""
RelayEvent = Depends(_by_event)
"""For routes with an `event_id` path parameter."""
RelaySearch = Depends(_by_body)
"""For routes whose JSON body names the `camera_id`."""


async def relay_response(request: StarletteRequest, exc: Exception) -> Response:
    """Forward the request to the owner (or the peers in turn) and stream its answer back."""
    assert isinstance(exc, Relay)
    ctx: ApiContext = request.app.state.api.ctx
    headers = [
        (key, value)
        for key, value in request.headers.items()
        if key.lower() not in _NOT_FORWARDED and key.lower() != RELAYED_BY
    ]
    headers.append((RELAYED_BY, ctx.instance or "?"))
    if request.client is not None:
        forwarded = request.headers.get("x-forwarded-for")
        chain = f"{forwarded}, {request.client.host}" if forwarded else request.client.host
        headers = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
        headers.append(("x-forwarded-for", chain))
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT), follow_redirects=False
    )
    for instance, base_url in exc.targets:
        try:
            upstream = await http.send(
                http.build_request(
                    request.method, base_url + path, headers=headers, content=exc.body
                ),
                stream=True,
            )
        except BaseException as err:
            if not isinstance(err, httpx.HTTPError):
                await http.aclose()
                raise
            _LOGGER.warning("relay to %s failed: %s", instance, describe(err))
            if exc.missing is not None:
                continue
            await http.aclose()
            return _failed(instance, err)
        if exc.missing is not None and upstream.status_code == 404:
            await upstream.aclose()
            continue
        return _Relayed(upstream, http, instance)
    await http.aclose()
    return JSONResponse({"detail": exc.missing}, status_code=404)


def _failed(instance: str, err: httpx.HTTPError) -> JSONResponse:
    """The answer when the owner gave none: 503 when it cannot be reached (it is gone; another
    instance takes its cameras within a lease TTL), 504 when it stayed silent, 502 when what it
    sent was no HTTP answer (garbage, cut off, the connection reset)."""
    who = f"the instance that runs this camera ({instance})"
    if isinstance(err, httpx.ConnectError | httpx.ConnectTimeout):
        return JSONResponse(
            {"detail": f"{who} is unreachable"}, status_code=503, headers={"Retry-After": "5"}
        )
    if isinstance(err, httpx.TimeoutException):
        return JSONResponse(
            {"detail": f"{who} did not answer within {READ_TIMEOUT:g} s"}, status_code=504
        )
    return JSONResponse(
        {"detail": f"{who} gave an invalid answer: {describe(err)}"}, status_code=502
    )


def describe(err: BaseException) -> str:
    """An exception as a log line or a detail (some of httpx's have an empty message)."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class _Relayed(StreamingResponse):
    """The upstream answer, chunk by chunk as the client takes it (never buffered whole); its
    connection to the owner is released however the response ends (a client that hung up
    before the body started included). An answer that breaks off after its status went out is
    never completed: the server then breaks the client's connection off, so that the client
    sees the body is incomplete (a chunked answer, a live stream, would look whole)."""

    def __init__(self, upstream: httpx.Response, http: httpx.AsyncClient, instance: str) -> None:
        self._upstream = upstream
        self._http = http
        self._instance = instance
        self._broken = False
        # The raw body is the bytes as sent (still content-encoded), so Content-Length holds.
        headers = {
            key: value for key, value in upstream.headers.items() if key.lower() not in _HOP_BY_HOP
        }
        super().__init__(self._body(), status_code=upstream.status_code, headers=headers)

    async def _body(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._upstream.aiter_raw():
                yield chunk
        except httpx.HTTPError as err:
            self._broken = True
            _LOGGER.warning(
                "relay from %s broke off: %s; so does the answer to the client",
                self._instance,
                describe(err),
            )
        finally:
            await self._release()

    async def _release(self) -> None:
        await self._upstream.aclose()
        await self._http.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def unless_broken(message: Message) -> None:
            last = message["type"] == "http.response.body" and not message.get("more_body")
            if not (last and self._broken):
                await send(message)

        try:
            await super().__call__(scope, receive, unless_broken)
        finally:
            await self._release()


def install(app: FastAPI) -> None:
    app.add_exception_handler(Relay, relay_response)
