"""The events endpoints on PostgreSQL (the same answers as on SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.api_rig import api_settings, running_api

from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.simulator import Simulator


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_events_pages_filters_and_acknowledge(
    backend: str, sim: Simulator, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    settings = api_settings(sim, None, tmp_path / "data", database_url=url)
    async with running_api(sim, settings) as rig:
        start = datetime.now(UTC) - timedelta(hours=1)
        events = [
            Event(
                type=EventType.PERSON if n % 3 == 0 else EventType.MOTION,
                phase=EventPhase.INSTANT,
                camera_id="floodlight" if n % 2 else "doorbell",
                timestamp=start + timedelta(seconds=n),
            )
            for n in range(120)
        ]
        await rig.bridge.store.write_events(events)
        client = rig.client()
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, object] = {
                "camera_id": "floodlight",
                "type": ["motion", "person"],  # not the cameras' own online events
                "limit": 25,
            }
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/events", params=params)).json()
            seen += [e["event_id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        expected = [e.event_id for e in reversed(events) if e.camera_id == "floodlight"]
        assert seen == expected  # newest first, every one once
        people = (
            await client.get(
                "/cameras/doorbell/events",
                params={"type": "person", "since": (start + timedelta(seconds=60)).isoformat()},
            )
        ).json()["events"]
        assert {e["type"] for e in people} == {"person"}
        assert len(people) == len(
            [e for e in events[60:] if e.camera_id == "doorbell" and e.type == "person"]
        )
        target = expected[0]
        assert (await client.put(f"/events/{target}/acknowledge")).json()["acknowledged"]
        acked = (await client.get("/events", params={"acknowledged": "true"})).json()["events"]
        assert [e["event_id"] for e in acked] == [target]
        assert (await client.get("/events", params={"cursor": "!!"})).status_code == 400
