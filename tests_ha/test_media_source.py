"""The media source: a camera's recordings (played as MP4 through the bridge) and its events'
snapshots, browsed and resolved against the real bridge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from homeassistant.components import media_source
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.reolink_server.const import DOMAIN

from .conftest import until
from .rig import BridgeRig

ROOT = f"media-source://{DOMAIN}"


async def fetch(hass: HomeAssistant, url: str, size: int = 64) -> bytes:
    async with async_get_clientsession(hass).get(url) as response:
        assert response.status == 200, await response.text()
        return await response.content.read(size)


@pytest.mark.cameras("legacy")
async def test_recordings_and_event_snapshots_browse_and_play(
    hass: HomeAssistant, entry: MockConfigEntry, running: BridgeRig
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    root = await media_source.async_browse_media(hass, ROOT)
    (bridge,) = root.children
    assert bridge.title == entry.title
    cameras = await media_source.async_browse_media(hass, bridge.media_content_id)
    (camera,) = cameras.children
    assert camera.title == "Legacy"
    folders = await media_source.async_browse_media(hass, camera.media_content_id)
    recordings, events = folders.children
    now = datetime.now(UTC)
    running.post(
        "/recordings/search",
        {
            "camera_id": "legacy",
            "start": (now - timedelta(hours=6)).isoformat(),
            "end": now.isoformat(),
        },
    )

    async def listed() -> object:
        found = await media_source.async_browse_media(hass, recordings.media_content_id)
        return found.children

    (record, *_) = await until(listed, timeout=10)
    played = await media_source.async_resolve_media(hass, record.media_content_id, None)
    assert played.mime_type == "video/mp4"
    assert (await fetch(hass, played.url))[4:8] == b"ftyp"

    running.sim_event("legacy", "motion", True)
    running.sim_event("legacy", "motion", False)

    async def snapshots() -> object:
        found = await media_source.async_browse_media(hass, events.media_content_id)
        return found.children

    (first, *_) = await until(snapshots, timeout=10)
    shown = await media_source.async_resolve_media(hass, first.media_content_id, None)
    assert shown.mime_type == "image/jpeg"
    assert (await fetch(hass, shown.url)).startswith(b"\xff\xd8")


@pytest.mark.cameras("legacy")
async def test_what_is_not_there_is_unresolvable(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "media_source", {})
    await hass.async_block_till_done()
    for identifier in (
        "nothing",
        f"{entry.entry_id}/rec/999999",
        f"{entry.entry_id}/snap/no-such-event",
        f"{entry.entry_id}/what/1",
        "not-an-entry/rec/1",
    ):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_resolve_media(hass, f"{ROOT}/{identifier}", None)
    for identifier in (f"{entry.entry_id}/ptz", f"{entry.entry_id}/legacy/other"):
        with pytest.raises(media_source.Unresolvable):
            await media_source.async_browse_media(hass, f"{ROOT}/{identifier}")
