"""Media source: each camera's recordings (played as MP4 through the bridge) and its events'
snapshots, browsed from the bridge (`GET /recordings`, `GET /cameras/{id}/events`). The URLs
are the bridge's signed links, so the browser fetches them from the bridge directly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .api import BridgeError, Json
from .const import DOMAIN

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry
    from .coordinator import ReolinkServerCoordinator

LIMIT = 100
"""Recordings or events listed per camera (the newest)."""


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    return ReolinkServerMediaSource(hass)


class ReolinkServerMediaSource(MediaSource):
    name = "Reolink Server"

    def __init__(self, hass: HomeAssistant) -> None:
        super().__init__(DOMAIN)
        self.hass = hass

    def _coordinator(self, entry_id: str) -> ReolinkServerCoordinator:
        entry: ReolinkServerConfigEntry | None = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            raise Unresolvable(f"no loaded Reolink Server entry {entry_id}")
        return entry.runtime_data.coordinator

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        parts = item.identifier.split("/")
        if len(parts) != 3 or parts[1] not in ("rec", "snap"):
            raise Unresolvable(f"not a Reolink Server item: {item.identifier}")
        entry_id, kind, key = parts
        client = self._coordinator(entry_id).client
        try:
            if kind == "rec":
                record = await client.get(f"/recordings/{key}")
                return PlayMedia(absolute(client.url, record["play_url"]), "video/mp4")
            event = await client.get(f"/events/{key}")
        except BridgeError as err:
            raise Unresolvable(str(err)) from err
        if not event.get("snapshot_url"):
            raise Unresolvable(f"event {key} has no snapshot")
        return PlayMedia(absolute(client.url, event["snapshot_url"]), "image/jpeg")

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        parts = [p for p in (item.identifier or "").split("/") if p]
        if not parts:
            return self._root()
        coordinator = self._coordinator(parts[0])
        if len(parts) == 1:
            return self._cameras(parts[0], coordinator)
        camera_id = parts[1]
        if camera_id not in coordinator.camera_ids:
            raise Unresolvable(f"no camera {camera_id}")
        if len(parts) == 2:
            return self._camera(parts[0], coordinator, camera_id)
        try:
            if parts[2] == "recordings":
                return await self._recordings(parts[0], coordinator, camera_id)
            if parts[2] == "events":
                return await self._events(parts[0], coordinator, camera_id)
        except BridgeError as err:
            raise Unresolvable(str(err)) from err
        raise Unresolvable(f"not a Reolink Server folder: {item.identifier}")

    # -- the tree ------------------------------------------------------------------------------

    def _root(self) -> BrowseMediaSource:
        entries = [
            e
            for e in self.hass.config_entries.async_entries(DOMAIN)
            if e.state is ConfigEntryState.LOADED
        ]
        return folder(None, self.name, [folder(e.entry_id, e.title, None) for e in entries])

    def _cameras(self, entry_id: str, coordinator: ReolinkServerCoordinator) -> BrowseMediaSource:
        children = [
            folder(f"{entry_id}/{cid}", coordinator.views[cid].get("name") or cid, None)
            for cid in coordinator.camera_ids
            if not coordinator.views[cid].get("is_nvr")
        ]
        title = coordinator.config_entry.title
        return folder(entry_id, title, children)

    def _camera(
        self, entry_id: str, coordinator: ReolinkServerCoordinator, camera_id: str
    ) -> BrowseMediaSource:
        base = f"{entry_id}/{camera_id}"
        name = coordinator.views[camera_id].get("name") or camera_id
        return folder(
            base,
            name,
            [
                folder(f"{base}/recordings", "Recordings", None),
                folder(f"{base}/events", "Events", None),
            ],
        )

    async def _recordings(
        self, entry_id: str, coordinator: ReolinkServerCoordinator, camera_id: str
    ) -> BrowseMediaSource:
        page = await coordinator.client.get(f"/recordings?camera_id={camera_id}&limit={LIMIT}")
        children = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{entry_id}/rec/{record['id']}",
                media_class=MediaClass.VIDEO,
                media_content_type=MediaType.VIDEO,
                title=recording_title(record),
                can_play=True,
                can_expand=False,
            )
            for record in page.get("recordings", [])
            if not record.get("gone")
        ]
        return folder(f"{entry_id}/{camera_id}/recordings", "Recordings", children)

    async def _events(
        self, entry_id: str, coordinator: ReolinkServerCoordinator, camera_id: str
    ) -> BrowseMediaSource:
        page = await coordinator.client.get(f"/cameras/{camera_id}/events?limit={LIMIT}")
        children = [
            BrowseMediaSource(
                domain=DOMAIN,
                identifier=f"{entry_id}/snap/{event['event_id']}",
                media_class=MediaClass.IMAGE,
                media_content_type=MediaType.IMAGE,
                title=f"{event['started_at'][:19].replace('T', ' ')} {event['type']}",
                can_play=True,
                can_expand=False,
                thumbnail=absolute(coordinator.client.url, event["snapshot_url"]),
            )
            for event in page.get("events", [])
            if event.get("snapshot_url")
        ]
        return folder(f"{entry_id}/{camera_id}/events", "Events", children)


def folder(
    identifier: str | None, title: str, children: list[BrowseMediaSource] | None
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier,
        media_class=MediaClass.DIRECTORY,
        media_content_type=MediaType.PLAYLIST,
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=MediaClass.DIRECTORY if children is None else None,
    )


def absolute(base: str, url: str) -> str:
    return url if url.startswith(("http://", "https://")) else base + url


def recording_title(record: Json) -> str:
    start: Any = record.get("start") or ""
    triggers = ", ".join(record.get("triggers") or [])
    title = f"{str(start)[:19].replace('T', ' ')} ({record.get('duration', 0):.0f} s)"
    return f"{title} {triggers}".strip()
