"""The camera's recordings (the index, a live search, downloads with Range) and event media
(kept snapshot files, event clips). docs/api.md, "Event media and recordings".
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from bridge.api import responses
from bridge.api.deps import Ctx, CurrentPrincipal, signed_url
from bridge.api.media_access import (
    RECORDING_SCOPE,
    ClosingStreamingResponse,
    link_access,
    media_unit,
    prepend,
    recording_access,
)
from bridge.api.recording_schemas import RecordingPage, RecordingRecord, RecordingSearch
from bridge.api.relay import RelayEvent, RelayRecording, RelaySearch, relay_to_peers
from bridge.api.routers.events import EventIdPath
from bridge.api.scopes import Control, Read
from bridge.api.security import Principal
from bridge.domain.errors import UnknownCamera
from bridge.domain.media_paths import MEDIA_PATH
from bridge.media import playback
from bridge.media.downloads import parse_range
from bridge.media.errors import CameraUnavailable, StreamError
from bridge.media.recordings import RecordingsMedia
from bridge.reolink import ReolinkError
from bridge.store import InvalidCursor, RecordingQuery, StoredRecording

router = APIRouter(tags=["recordings"])

RecordingIdPath = Annotated[int, PathParam(ge=1, le=2**63 - 1, description="A recording's id")]
LinkAccess = link_access
RecordingAccess = recording_access
MP4 = "video/mp4"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _record(
    media: RecordingsMedia, request: Request, principal: Principal | None, rec: StoredRecording
) -> RecordingRecord:
    url = f"/api/v1/recordings/{rec.id}/download"
    play = f"/api/v1/recordings/{rec.id}/play.mp4"
    if principal is not None:
        token, _ = request.app.state.url_signer.sign(
            principal, rec.camera_id, str(rec.id), media.settings.url_ttl, scope=RECORDING_SCOPE
        )
        url += f"?token={token}"
        play += f"?token={token}"
    return RecordingRecord(
        id=rec.id,
        camera_id=media.view_id(rec.camera_id, rec.channel),
        device_id=rec.camera_id,
        channel=rec.channel,
        stream=rec.stream,
        name=rec.name,
        start=rec.start,
        end=rec.end,
        duration=rec.duration,
        size=rec.size,
        triggers=list(rec.triggers),
        gone=rec.gone_at is not None,
        download_url=url,
        play_url=play,
    )


def _failed(err: StreamError) -> HTTPException:
    headers = {"Retry-After": "5"} if err.status in (429, 503) else None
    return HTTPException(err.status, str(err), headers=headers)


@router.get(
    "/recordings",
    responses={**responses.BAD_REQUEST, **responses.UNAVAILABLE},
    dependencies=[Read],
    summary="The recordings index, newest first, one keyset page at a time",
)
async def list_recordings(
    request: Request,
    principal: CurrentPrincipal,
    camera_id: Annotated[str | None, Query(max_length=80)] = None,
    channel: Annotated[int | None, Query(ge=0, le=255)] = None,
    stream: Literal["main", "sub"] | None = None,
    since: Annotated[datetime | None, Query(description="Ending at or after")] = None,
    until: Annotated[datetime | None, Query(description="Starting before")] = None,
    trigger: Annotated[list[str] | None, Query(max_length=16)] = None,
    include_gone: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> RecordingPage:
    media = media_unit(request)
    device = None
    if camera_id is not None:
        device, view_channel = media.device_of(camera_id)
        if view_channel is not None and camera_id != device:
            channel = view_channel
    query = RecordingQuery(
        camera_id=device,
        channel=channel,
        stream=stream,
        since=since,
        until=until,
        triggers=trigger or (),
        include_gone=include_gone,
        limit=limit,
        cursor=cursor,
    )
    try:
        page = await media.store.query_recordings(query)
    except InvalidCursor as err:
        raise HTTPException(400, str(err)) from None
    return RecordingPage(
        recordings=[_record(media, request, principal, r) for r in page.recordings],
        next_cursor=page.next_cursor,
    )


async def _recording(media: RecordingsMedia, recording_id: int) -> StoredRecording:
    found = await media.store.get_recording(recording_id)
    if found is None:
        raise HTTPException(404, f"no recording {recording_id}")
    return found


@router.get(
    "/recordings/{recording_id}",
    responses=responses.NOT_FOUND,
    dependencies=[Read],
    summary="One recording of the index",
)
async def get_recording(
    request: Request, principal: CurrentPrincipal, recording_id: RecordingIdPath
) -> RecordingRecord:
    media = media_unit(request)
    return _record(media, request, principal, await _recording(media, recording_id))


@router.get(
    "/recordings/{recording_id}/download",
    dependencies=[RecordingAccess, RelayRecording],
    response_class=ClosingStreamingResponse,
    responses={
        200: {"content": {MP4: {}}, "description": "The file"},
        206: {"content": {MP4: {}}, "description": "The requested bytes"},
        **responses.NOT_FOUND,
    },
    summary="The file, streamed from the camera (Range: 206)",
)
@signed_url
async def download_recording(request: Request, recording_id: RecordingIdPath) -> Response:
    media = media_unit(request)
    rec = await _recording(media, recording_id)
    if rec.gone_at is not None:
        raise HTTPException(404, f"recording {recording_id} is no longer on the camera")
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f'attachment; filename="{_file_name(rec.name)}"',
        "Cache-Control": "private",
    }
    try:
        span = parse_range(request.headers.get("range"), rec.size)
    except StreamError as err:
        headers["Content-Range"] = f"bytes */{rec.size}"
        raise HTTPException(err.status, "the range is outside the file", headers=headers) from None
    try:
        chunks = media.downloads.open(rec, span)
    except StreamError as err:
        raise _failed(err) from None
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except ReolinkError as err:
        await chunks.aclose()
        raise HTTPException(502, f"the camera did not send the file: {err}") from None
    except BaseException:
        await chunks.aclose()
        raise
    status = 200
    length = rec.size
    if span is not None:
        status, length = 206, span.length
        headers["Content-Range"] = span.content_range
    headers["Content-Length"] = str(length)
    return ClosingStreamingResponse(
        prepend(first, chunks), status_code=status, media_type=MP4, headers=headers
    )


@router.get(
    "/recordings/{recording_id}/play.mp4",
    dependencies=[RecordingAccess, RelayRecording],
    response_class=ClosingStreamingResponse,
    responses={200: {"content": {MP4: {}}, "description": "Fragmented MP4"}, **responses.NOT_FOUND},
    summary="The recording as fragmented MP4 for a browser (remuxed, not re-encoded)",
)
@signed_url
async def play_recording(request: Request, recording_id: RecordingIdPath) -> Response:
    media = media_unit(request)
    rec = await _recording(media, recording_id)
    if rec.gone_at is not None:
        raise HTTPException(404, f"recording {recording_id} is no longer on the camera")
    try:
        source = media.downloads.open(rec, None)
    except StreamError as err:
        raise _failed(err) from None
    chunks = playback.fragmented_mp4(media.clips.processes, media.clips.ffmpeg, source)
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        raise HTTPException(502, "ffmpeg made nothing of the recording") from None
    except StreamError as err:
        await chunks.aclose()
        raise _failed(err) from None
    except BaseException:
        await chunks.aclose()
        raise
    return ClosingStreamingResponse(
        prepend(first, chunks), media_type=MP4, headers={"Cache-Control": "private"}
    )


def _file_name(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1])[:128] or "recording.mp4"


@router.post(
    "/recordings/search",
    responses={
        **responses.NOT_FOUND,
        **responses.CONFLICT,
        **responses.BAD_GATEWAY,
        **responses.UNAVAILABLE,
    },
    dependencies=[Control, RelaySearch],
    summary="Ask the camera now for its files in a window (they are indexed on the way)",
)
async def search_recordings(
    request: Request, principal: CurrentPrincipal, body: RecordingSearch
) -> RecordingPage:
    media = media_unit(request)
    try:
        found = await media.search(body.camera_id, body.start, body.end, body.stream)
    except UnknownCamera:
        raise HTTPException(404, f"no camera {body.camera_id!r}") from None
    except CameraUnavailable as err:  # the command-code table's `offline`: 409, as elsewhere
        raise HTTPException(409, str(err)) from None
    except StreamError as err:
        raise _failed(err) from None
    return RecordingPage(recordings=[_record(media, request, principal, r) for r in found])


# -- event media -------------------------------------------------------------------------------


@router.get(
    "/media/{kind}/{camera_id}/{day}/{file}",
    dependencies=[LinkAccess],
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, MP4: {}}}, **responses.NOT_FOUND},
    summary="A kept snapshot or clip (the `snapshot_url` of an event)",
)
@signed_url
async def media_file(
    request: Request,
    kind: Annotated[str, PathParam(max_length=16)],
    camera_id: Annotated[str, PathParam(max_length=64)],
    day: Annotated[str, PathParam(max_length=10)],
    file: Annotated[str, PathParam(max_length=80)],
) -> Response:
    media = media_unit(request)
    rel = f"{kind}/{camera_id}/{day}/{file}"
    if MEDIA_PATH.match(rel) is None:
        raise HTTPException(404, "no such media file")
    path = media.event_media.dir.resolve(rel)
    kind_type = "image/jpeg" if rel.endswith(".jpg") else MP4
    if path is not None and await asyncio.to_thread(path.is_file):
        return FileResponse(path, media_type=kind_type, headers={"Cache-Control": "private"})
    data = media.event_media.pending.get(rel)
    if data is None:
        missing = "no such media file (deleted, or never kept)"
        await relay_to_peers(request, missing)  # kept by another instance, maybe
        raise HTTPException(404, missing)
    return Response(data, media_type=kind_type, headers={"Cache-Control": "private"})


@router.get(
    "/events/{event_id}/clip",
    dependencies=[LinkAccess, RelayEvent],
    response_class=FileResponse,
    responses={200: {"content": {MP4: {}}, "description": "An MP4"}, **responses.NOT_FOUND},
    summary="An MP4 of the event, cut from the camera's recording (cached)",
)
@signed_url
async def event_clip(request: Request, ctx: Ctx, event_id: EventIdPath) -> Response:
    media = media_unit(request)
    event = await ctx.store.get_event(event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id!r}")
    try:
        path = await media.clips.clip(event)
    except StreamError as err:
        raise _failed(err) from None
    return FileResponse(
        path,
        media_type=MP4,
        filename=f"{event_id}.mp4",
        headers={"Cache-Control": "private"},
    )
