"""The device runner's side of push (`PushSide`, mixed into `DeviceRunner`).

A pushed detection goes the poll's way (`_apply`: the same `StateTracker`, events and states). The
runner polls at `cadence`: its interval, or the slow settings refresh while push is active. Push
coming up asks for one reconciling poll (an end missed while it was down is delivered; the tracker
dedupes what push already said); push going away asks for a poll now. A poll that ran while a
push arrived keeps the push's detections (they are newer). Battery cameras are never polled for
detections: after a (re)connect what the device pushed is their reconciliation. Each view's
`event_source` says where its detections come from now. Between slow polls the heartbeats of
open events go on (push says they are still active).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bridge.bus.messages import Bus, StateChanged
from bridge.config import PollingSettings
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.state import ChannelState
from bridge.domain.values import EventSource
from bridge.domain.views import CameraView
from bridge.pipeline.polls import without_detections
from bridge.pipeline.push import PushClientFactory, PushLink
from bridge.pipeline.tracker import StateTracker
from bridge.reolink.baichuan import DetectionEvent
from bridge.reolink.network import CameraNetworks
from bridge.tasks import Supervisor

_LOGGER = logging.getLogger(__name__)


class PushSide:
    """What `DeviceRunner` does with its `PushLink` (it provides the attributes declared here)."""

    camera: Camera
    polling: PollingSettings
    bus: Bus
    online: bool
    capabilities: Capabilities | None
    views: list[CameraView]
    trackers: dict[str, StateTracker]
    _wake: asyncio.Event
    _clock: Callable[[], datetime]
    _beats: dict[str, tuple[float, datetime]]

    @property
    def interval(self) -> float:
        raise NotImplementedError

    def _apply(self, polls: dict[int, ChannelState], now: datetime) -> None:
        raise NotImplementedError

    def poll_soon(self) -> None:
        raise NotImplementedError

    def _heartbeat(self, camera_id: str, active: bool, now: datetime) -> None:
        raise NotImplementedError

    async def _check_health(self) -> None:
        raise NotImplementedError

    def _setup_push(
        self,
        networks: CameraNetworks | None,
        tasks: Supervisor | None,
        client_factory: PushClientFactory,
    ) -> None:
        self.push = PushLink(
            self.camera,
            on_event=self._pushed,
            on_change=self._push_changed,
            timeout=self.polling.timeout,
            # a dead connection is noticed within 2 keepalives: one health check
            keepalive=self.polling.health_check_interval / 2,
            retry_max=min(60.0, self.polling.health_check_interval),
            networks=networks,
            client_factory=client_factory,
            tasks=tasks,
        )
        self._reconcile = False
        self._pushes = 0
        self._push_seen: dict[int, int] = {}
        """Channel → the number of the last push applied to it (a poll begun before is older)."""

    @property
    def cadence(self) -> float:
        """Seconds between polls now: the interval, or the slow refresh while push is active."""
        if self.push.active:
            return max(self.interval, self.polling.settings_interval)
        return self.interval

    async def _between_polls(self) -> None:
        """While push is active: the health check when due, and the heartbeats of the views
        whose detections push says are still active (no poll is needed to know it)."""
        if self.push.active:
            now = self._clock()
            for camera_id in list(self._beats):
                self._heartbeat(camera_id, True, now)
        await self._check_health()

    def _beat_due(self) -> float:
        """When a heartbeat is due without a poll (push active, a detection open), else inf."""
        if not (self.push.active and self._beats):
            return float("inf")
        return (
            min(mono for mono, _ in self._beats.values()) + self.polling.active_heartbeat_interval
        )

    def _media_port(self) -> int | None:
        """The Baichuan port the device reports (GetNetPort `mediaPort`)."""
        return self.capabilities.ports.media if self.capabilities is not None else None

    def _pushed(self, event: DetectionEvent) -> None:
        """A detection the device pushed: the same path as a poll's."""
        if not self.online or self.capabilities is None:
            return  # offline ended the detections; the reconnect's poll reads them again
        self._pushes += 1
        self._push_seen[event.channel] = self._pushes
        state = ChannelState(channel=event.channel, **{event.detection.value: event.active})
        self._apply({event.channel: state}, self._clock())
        self._wake.set()  # the loop plans the heartbeats of what is open now

    def _push_changed(self, active: bool) -> None:
        """Push came up (poll once to reconcile the gap) or went away (poll at the interval)."""
        self._reconcile = active
        self._mark_sources(publish=True)
        _LOGGER.info(
            "camera %s: %s; detection polls every %g s",
            self.camera.id,
            "events pushed" if active else "events polled",
            self.cadence,
        )
        self.poll_soon()

    def _unless_pushed(self, polls: dict[int, ChannelState], since: int) -> dict[int, ChannelState]:
        """A push that arrived while the poll ran (after push number `since`) is newer than the
        poll's detections on its channel."""
        fresh = {ch for ch, number in self._push_seen.items() if number > since}
        if not fresh:
            return polls
        kept = {ch: without_detections(st) if ch in fresh else st for ch, st in polls.items()}
        return {ch: st for ch, st in kept.items() if st is not None}

    def _reconcile_pushed(self, now: datetime) -> None:
        """Battery cameras are not polled: their detections as the device pushed them after the
        (re)connect are the reconciliation."""
        polls: dict[int, ChannelState] = {}
        for view in self.views:
            caps = view.capabilities
            if caps is None or view.channel is None or not caps.has("battery"):
                continue
            active = self.push.detections(view.channel)
            if active is not None:
                states = {kind.value: kind in active for kind in caps.detections}
                polls[view.channel] = ChannelState(channel=view.channel, **states)
        if polls:
            self._apply(polls, now)

    def _mark_sources(self, *, publish: bool) -> None:
        """Each view's `event_source`: push, polling, or none (a battery camera without push)."""
        now = self._clock()
        for view in self.views:
            caps = view.capabilities
            if caps is None or not caps.detections:
                continue
            if self.push.active:
                source = EventSource.PUSH
            else:
                source = EventSource.NONE if caps.has("battery") else EventSource.POLLING
            tracker = self.trackers[view.camera_id]
            if tracker.update(now, event_source=source) and publish:
                self.bus.publish(StateChanged(tracker.state))
