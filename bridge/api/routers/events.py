"""Event history (filters, keyset pages, acknowledge, snapshot) and the command audit.

Reading needs `read`; acknowledging an event needs `control`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from bridge.api import responses
from bridge.api.deps import Ctx, CurrentPrincipal, State
from bridge.api.relay import relay_to_peers
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.schemas import CommandAudit, CommandPage, EventPage, EventRecord
from bridge.api.scopes import Control, Read
from bridge.domain.values import EventPhase, EventType
from bridge.media.links import NOT_DETECTIONS, MediaLinks
from bridge.store import EventQuery, StoredEvent

router = APIRouter(tags=["events"])

EventIdPath = Annotated[str, PathParam(min_length=1, max_length=64, examples=["0193a4f2-6c1e"])]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="`next_cursor` of the previous page (older events)"),
]
Since = Annotated[datetime | None, Query(description="Started at or after (ISO 8601)")]
Until = Annotated[datetime | None, Query(description="Started before (ISO 8601)")]
Types = Annotated[list[EventType] | None, Query(alias="type", description="Event types (any)")]
Acknowledged = Annotated[bool | None, Query(description="Only (un)acknowledged events")]

ACKNOWLEDGE_MAX = 500
"""Events one bulk acknowledgement may name (a page of `GET /events` at its largest)."""


class AcknowledgeMany(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"event_ids": ["0193a4f2-6c1e"]}]}
    )
    event_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=ACKNOWLEDGE_MAX
    )


class AcknowledgedMany(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"events": [], "missing": ["0193a4f2"]}]}
    )
    events: list[EventRecord] = Field(description="The events now acknowledged, in the order asked")
    missing: list[str] = Field(description="Ids of no stored event (nothing was done for them)")


def event_record(
    event: StoredEvent, *, has_snapshot: bool, links: MediaLinks | None = None
) -> EventRecord:
    snapshot_url = clip_url = None
    if links is not None:
        if event.snapshot_path is not None:
            snapshot_url = links.file_url(event.snapshot_path)
        if event.type not in NOT_DETECTIONS and event.phase is not EventPhase.START:
            clip_url = links.clip_url(event.event_id)
    return EventRecord(
        snapshot_url=snapshot_url,
        clip_url=clip_url,
        recording_id=event.recording_id,
        event_id=event.event_id,
        camera_id=event.camera_id,
        camera_name=event.camera_name,
        channel=event.channel,
        type=event.type,
        phase=event.phase,
        started_at=event.started_at,
        ended_at=event.ended_at,
        duration=event.duration,
        severity=event.severity,
        metadata=event.metadata,
        has_snapshot=has_snapshot,
        acknowledged=event.acknowledged,
        acknowledged_at=event.acknowledged_at,
        acknowledged_by=event.acknowledged_by,
    )


def record_of(state: State, event: StoredEvent) -> EventRecord:
    has = event.snapshot_path is not None or state.hub.has_snapshot(event.event_id)
    media = state.ctx.media
    return event_record(event, has_snapshot=has, links=media.links if media else None)


async def _page(state: State, query: EventQuery) -> Response:
    """The page as JSON at once: the records are built here, so FastAPI need not check them
    again against the response model (half the cost of a page of 50)."""
    page = await state.ctx.store.query_events(query)
    body = EventPage(
        events=[record_of(state, e) for e in page.events],
        next_cursor=page.next_cursor,
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/events",
    response_model=EventPage,
    responses={**responses.BAD_REQUEST, **responses.UNAVAILABLE},
    dependencies=[Read],
    summary="Events, newest first, filtered, one keyset page at a time",
)
async def list_events(
    state: State,
    camera_id: Annotated[list[str] | None, Query(description="Camera ids (any)")] = None,
    types: Types = None,
    since: Since = None,
    until: Until = None,
    acknowledged: Acknowledged = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    query = EventQuery(
        camera_ids=tuple(camera_id or ()),
        types=tuple(types or ()),
        since=since,
        until=until,
        acknowledged=acknowledged,
        limit=limit,
        cursor=cursor,
    )
    return await _page(state, query)


@router.get(
    "/cameras/{camera_id}/events",
    response_model=EventPage,
    responses={**responses.BAD_REQUEST, **responses.UNAVAILABLE},
    dependencies=[Read],
    summary="Events of one camera (also of a removed one), newest first",
)
async def camera_events(
    state: State,
    camera_id: CameraIdPath,
    types: Types = None,
    since: Since = None,
    until: Until = None,
    acknowledged: Acknowledged = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    query = EventQuery(
        camera_ids=(camera_id,),
        types=tuple(types or ()),
        since=since,
        until=until,
        acknowledged=acknowledged,
        limit=limit,
        cursor=cursor,
    )
    return await _page(state, query)


async def _event(state: State, event_id: str) -> StoredEvent:
    event = await state.ctx.store.get_event(event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id!r}")
    return event


@router.get(
    "/events/{event_id}", responses=responses.NOT_FOUND, dependencies=[Read], summary="One event"
)
async def get_event(state: State, event_id: EventIdPath) -> EventRecord:
    event = await _event(state, event_id)
    return record_of(state, event)


@router.put(
    "/events/{event_id}/acknowledge",
    responses=responses.NOT_FOUND,
    dependencies=[Control],
    summary="Mark an event as seen (by whom and when is kept)",
)
async def acknowledge_event(
    state: State, event_id: EventIdPath, principal: CurrentPrincipal
) -> EventRecord:
    event = await state.ctx.store.acknowledge_event(event_id, principal.who)
    if event is None:
        raise HTTPException(404, f"no event {event_id!r}")
    return record_of(state, event)


@router.put(
    "/events/acknowledge",
    dependencies=[Control],
    summary="Mark several events as seen at once (by whom and when is kept)",
    description=f"Up to {ACKNOWLEDGE_MAX} ids; an id of no event is listed in `missing` and the "
    "others are acknowledged. Acknowledging again keeps the first acknowledgement.",
)
async def acknowledge_events(
    state: State, body: AcknowledgeMany, principal: CurrentPrincipal
) -> AcknowledgedMany:
    done: list[EventRecord] = []
    missing: list[str] = []
    for event_id in dict.fromkeys(body.event_ids):
        event = await state.ctx.store.acknowledge_event(event_id, principal.who)
        if event is None:
            missing.append(event_id)
            continue
        done.append(record_of(state, event))
    return AcknowledgedMany(events=done, missing=missing)


@router.get(
    "/events/{event_id}/snapshot",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "A JPEG"},
        **responses.NOT_FOUND,
    },
    dependencies=[Read],
    summary="The snapshot taken when the event started",
)
async def event_snapshot(request: Request, state: State, event_id: EventIdPath) -> Response:
    event = await _event(state, event_id)
    jpeg = state.hub.snapshot(event_id)
    media = state.ctx.media
    if jpeg is None and event.snapshot_path and media is not None:
        jpeg = await asyncio.to_thread(media.event_media.read, event.snapshot_path)
    if jpeg is None:
        missing = f"no snapshot is kept for event {event_id!r}"
        if event.snapshot_path:  # kept by another instance, maybe
            await relay_to_peers(request, missing)
        raise HTTPException(404, missing)
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private"})


@router.get(
    "/commands",
    responses=responses.UNAVAILABLE,
    dependencies=[Read],
    summary="The command audit: who sent what, from where, with which result",
)
async def list_commands(
    ctx: Ctx,
    camera_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> CommandPage:
    records = await ctx.store.list_commands(camera_id, limit, before_id)
    commands = [
        CommandAudit(
            id=r.id,
            camera_id=r.camera_id,
            source=r.source,
            command=r.command,
            status=r.status,
            error=r.error,
            who=r.who,
            transaction=r.transaction,
            at=r.at,
        )
        for r in records
    ]
    last = records[-1].id if records else None
    return CommandPage(commands=commands, next_before_id=last if len(records) == limit else None)
