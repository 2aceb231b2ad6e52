"""Live video: `/cameras/{id}/streams[/{stream}[.flv|/index.m3u8]]`, and the seed's
`/cameras/{id}/stream/{rtsp|rtmp|flv|hls}` as an alias.

- `GET /cameras/{id}/streams`: the catalogue (GetEnc), with signed proxy URLs; the camera's own
  URLs (password included) only for the admin scope.
- `GET /cameras/{id}/streams/{stream}.flv`: HTTP-FLV relayed from the camera with backpressure.
- `GET /cameras/{id}/streams/{stream}/index.m3u8` and `…/{n}.ts`: HLS (`bridge.media.hls`).

Each needs the camera's session: an instance that does not run the camera relays the request to
the one that does (`bridge.api.relay`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from bridge.api import responses
from bridge.api.context import ApiContext
from bridge.api.deps import Ctx, CurrentPrincipal, signed_url
from bridge.api.relay import RelayCamera
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.scopes import Read, ScopeRule, allows, enforce, scoped
from bridge.api.security import Principal
from bridge.api.stream_access import Viewer, signer, stream_access
from bridge.api.stream_schemas import (
    ChannelStreamList,
    DirectStreamUrl,
    StreamCatalogue,
    StreamInfo,
    StreamLinks,
)
from bridge.media.catalogue import ChannelStreams
from bridge.media.errors import StreamError
from bridge.media.playlist import PLAYLIST_MEDIA_TYPE, SEGMENT_MEDIA_TYPE
from bridge.media.service import StreamService

router = APIRouter(
    prefix="/cameras",
    tags=["streams"],
    responses={**responses.NOT_FOUND, **responses.BAD_GATEWAY, **responses.UNAVAILABLE},
)

StreamPath = Annotated[
    Literal["main", "sub", "ext"], Path(description="The camera's stream", examples=["sub"])
]
StreamAccess = stream_access
FLV_MEDIA_TYPE = "video/x-flv"
NO_CACHE = {"Cache-Control": "no-cache, no-store"}


def _service(ctx: ApiContext) -> StreamService:
    if ctx.streams is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "live streams are turned off")
    return ctx.streams


def _failed(err: StreamError) -> HTTPException:
    headers = {"Retry-After": "5"} if err.status == 503 else None
    return HTTPException(err.status, str(err), headers=headers)


def _base_url(request: Request, ctx: ApiContext) -> str:
    public = ctx.settings.server.public_url
    base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
    return f"{base}{request.scope.get('root_path', '')}/api/v1"


# -- the catalogue ---------------------------------------------------------------------------


@router.get(
    "/{camera_id}/streams",
    dependencies=[Read, RelayCamera],
    summary="The streams of a camera (or of each NVR channel) and where to watch them",
)
async def list_streams(
    request: Request,
    ctx: Ctx,
    principal: CurrentPrincipal,
    camera_id: CameraIdPath,
    ttl: Annotated[
        int | None,
        Query(ge=10, description="Lifetime of the signed URLs in seconds (streams.url_ttl)"),
    ] = None,
) -> StreamCatalogue:
    service = _service(ctx)
    lifetime = min(ttl or ctx.settings.streams.url_ttl, ctx.settings.streams.max_url_ttl)
    admin = allows(principal.scope, "admin")
    try:
        channels = await service.catalogue(camera_id, credentials=admin)
    except StreamError as err:
        raise _failed(err) from None
    base = _base_url(request, ctx)
    return StreamCatalogue(
        camera_id=camera_id,
        cameras=[_channel(request, principal, base, c, lifetime) for c in channels],
    )


def _channel(
    request: Request, principal: Principal, base: str, channel: ChannelStreams, ttl: int
) -> ChannelStreamList:
    expires: int | None = None
    streams = []
    for offer in channel.streams:
        token, expires = signer(request).sign(principal, channel.camera_id, offer.name, ttl)
        proxy = f"{base}/cameras/{channel.camera_id}/streams/{offer.name}"
        enc = offer.encoding
        streams.append(
            StreamInfo(
                name=offer.name,
                codec=enc.codec,
                width=enc.width,
                height=enc.height,
                frame_rate=enc.frame_rate,
                bit_rate_kbps=enc.bit_rate,
                gop_seconds=enc.gop,
                audio=enc.audio,
                browser_playable=enc.browser_playable,
                flv=offer.flv,
                hls=offer.hls,
                transcoded=offer.transcoded,
                note=offer.note,
                urls=StreamLinks(
                    flv=f"{proxy}.flv?token={token}" if offer.flv else None,
                    hls=f"{proxy}/index.m3u8?token={token}" if offer.hls else None,
                    rtsp=offer.direct.get("rtsp"),
                    rtmp=offer.direct.get("rtmp"),
                    camera_flv=offer.direct.get("flv"),
                ),
            )
        )
    return ChannelStreamList(
        camera_id=channel.camera_id,
        channel=channel.channel,
        online=channel.online,
        default_stream=channel.default,
        streams=streams,
        urls_expire_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
    )


# -- HTTP-FLV --------------------------------------------------------------------------------


@router.get(
    "/{camera_id}/streams/{stream}.flv",
    dependencies=[StreamAccess, RelayCamera],
    response_class=StreamingResponse,
    responses={200: {"content": {FLV_MEDIA_TYPE: {}}, "description": "The live FLV stream"}},
    summary="The stream as HTTP-FLV, relayed from the camera",
)
@signed_url
async def flv_stream(
    request: Request, ctx: Ctx, camera_id: CameraIdPath, stream: StreamPath
) -> Response:
    service = _service(ctx)
    viewers = request.app.state.stream_viewers
    stack = contextlib.AsyncExitStack()
    try:
        chunks = await stack.enter_async_context(service.open_flv(camera_id, stream))
    except StreamError as err:
        await stack.aclose()
        raise _failed(err) from None
    viewer: Viewer = viewers.open(request)
    stack.callback(viewers.close, viewer)
    return StreamingResponse(
        _relay(chunks, viewer, stack),
        media_type=FLV_MEDIA_TYPE,
        headers=NO_CACHE,
        background=BackgroundTask(stack.aclose),
    )


async def _relay(
    chunks: AsyncIterator[bytes], viewer: Viewer, stack: contextlib.AsyncExitStack
) -> AsyncIterator[bytes]:
    """Camera → viewer, one chunk at a time: the next read waits until the viewer took this
    one (the bridge never holds more than a chunk per viewer)."""
    try:
        async for chunk in chunks:
            if not await viewer.holds():
                return
            yield chunk
    except StreamError:
        return  # the camera broke off: the viewer sees the end of the stream
    finally:
        await stack.aclose()


# -- HLS -------------------------------------------------------------------------------------


@router.get(
    "/{camera_id}/streams/{stream}/index.m3u8",
    dependencies=[StreamAccess, RelayCamera],
    response_class=Response,
    responses={200: {"content": {PLAYLIST_MEDIA_TYPE: {}}, "description": "The live playlist"}},
    summary="The stream as HLS (one ffmpeg per camera and stream, shared by every viewer)",
    description="The first request starts the session and waits for its first segment "
    "(`streams.start_timeout`); it stops after `streams.idle_timeout` seconds without a request.",
)
@signed_url
async def hls_playlist(
    request: Request, ctx: Ctx, camera_id: CameraIdPath, stream: StreamPath
) -> Response:
    service = _service(ctx)
    try:
        session = await service.hls_session(camera_id, stream)
    except StreamError as err:
        raise _failed(err) from None
    token = request.query_params.get("token")
    query = f"?token={token}" if token else ""
    return Response(session.playlist(query), media_type=PLAYLIST_MEDIA_TYPE, headers=NO_CACHE)


@router.get(
    "/{camera_id}/streams/{stream}/{sequence}.ts",
    dependencies=[StreamAccess, RelayCamera],
    response_class=FileResponse,
    responses={200: {"content": {SEGMENT_MEDIA_TYPE: {}}, "description": "One segment"}},
    summary="One HLS segment (MPEG-TS), as the playlist names it",
)
@signed_url
async def hls_segment(
    ctx: Ctx,
    camera_id: CameraIdPath,
    stream: StreamPath,
    sequence: Annotated[int, Path(ge=0)],
) -> Response:
    service = _service(ctx)
    try:
        path = service.hls_segment(camera_id, stream, sequence)
    except StreamError as err:
        raise _failed(err) from None
    return FileResponse(path, media_type=SEGMENT_MEDIA_TYPE, headers=NO_CACHE)


# -- the seed's alias ------------------------------------------------------------------------

StreamKind = Literal["rtsp", "rtmp", "flv", "hls"]


@scoped(ScopeRule("read", relaxed="`admin` for rtsp and rtmp: those URLs hold the password"))
async def _alias_access(request: Request) -> None:
    kind = request.path_params.get("kind")
    await enforce(request, "admin" if kind in ("rtsp", "rtmp") else "read")


@router.get(
    "/{camera_id}/stream/{kind}",
    dependencies=[_alias_access, RelayCamera],
    response_model=DirectStreamUrl,
    responses={307: {"description": "flv, hls: to the proxied stream"}},
    summary="The seed's stream route: the proxied FLV/HLS, or the camera's own RTSP/RTMP URL",
    description="`flv` and `hls` redirect (307) to `streams/{stream}.flv` and "
    "`streams/{stream}/index.m3u8` of the default stream (or `?stream=`); `rtsp` and `rtmp` "
    "answer the camera's own URL, which holds its password.",
)
async def stream_alias(
    request: Request,
    ctx: Ctx,
    camera_id: CameraIdPath,
    kind: StreamKind,
    stream: Annotated[Literal["main", "sub", "ext"] | None, Query()] = None,
) -> Response | DirectStreamUrl:
    service = _service(ctx)
    try:
        name = stream or await service.default_stream(camera_id)
        if kind in ("rtsp", "rtmp"):
            return DirectStreamUrl(
                camera_id=camera_id,
                stream=name,
                url=await service.direct_url(camera_id, name, kind),
            )
    except StreamError as err:
        raise _failed(err) from None
    target = f"streams/{name}.flv" if kind == "flv" else f"streams/{name}/index.m3u8"
    query = request.url.query
    return RedirectResponse(f"../{target}" + (f"?{query}" if query else ""), status_code=307)
