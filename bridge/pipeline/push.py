"""Baichuan push for one device: one connection (an NVR's or hub's for all its channels), kept up.

`PushLink` logs in over Baichuan with the device's credentials, subscribes to its alarms and
hands every `DetectionEvent` to its owner (the `DeviceRunner`, which folds it into the same
`StateTracker` as a poll). A connection that ends (closed, refused, stalled past the keepalive,
garbage on the wire) is retried with backoff; each (re)connect and each loss is reported through
`on_change`, so the runner polls at once (after a connect: one poll reconciles what the gap
missed) and picks its polling cadence from `active`.

Modes (`Camera.push`): `auto` tries push and falls back to polling quietly; `on` expects push and
warns while it fails (polling still delivers the events); `off` never opens the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bridge.backoff import Backoff
from bridge.domain.base import utcnow
from bridge.domain.camera import Camera, PushMode
from bridge.domain.values import DetectionType
from bridge.pipeline.polls import describe
from bridge.reolink import AuthenticationError, CameraRefusedError, ReolinkError
from bridge.reolink.baichuan import (
    DEFAULT_PORT,
    BaichuanClient,
    BaichuanConnectionClosed,
    DetectionEvent,
)
from bridge.reolink.network import CameraNetworks
from bridge.tasks import Supervisor, cancel_task, start_task

_LOGGER = logging.getLogger(__name__)

PushClientFactory = Callable[[Camera, int, float, float, CameraNetworks | None], BaichuanClient]
"""(camera, port, timeout, keepalive interval, networks or None) → a Baichuan client."""


def default_push_client(
    camera: Camera, port: int, timeout: float, keepalive: float, networks: CameraNetworks | None
) -> BaichuanClient:
    return BaichuanClient(
        camera.host,
        port,
        username=camera.username,
        password=camera.password.get_secret_value(),
        connect_timeout=timeout,
        request_timeout=timeout,
        keepalive_interval=keepalive,
        networks=networks,
    )


class PushState(StrEnum):
    ACTIVE = "active"
    """Logged in and subscribed: events arrive pushed."""
    CONNECTING = "connecting"
    """Not connected yet (the first attempt waits for the device's first answer over HTTP)."""
    UNAVAILABLE = "unavailable"
    """The last attempt failed or the connection ended: polling delivers the events, push is
    retried with backoff."""
    OFF = "off"
    """`push: off`: never connected."""


class PushStatus(BaseModel):
    """How a device's push goes (`push` in its status and the `health_check` answer)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mode": "auto",
                    "state": "unavailable",
                    "since": "2026-11-25T12:00:00Z",
                    "port": 9000,
                    "last_error": "BaichuanConnectionClosed: Baichuan 192.168.1.10:9000: cannot "
                    "connect: Connect call failed",
                }
            ]
        }
    )

    mode: PushMode = Field(description="The camera's `push` setting")
    state: PushState = Field(
        description="`active`: events pushed; `connecting`: not tried yet; `unavailable`: the "
        "last attempt failed or the connection ended (events polled, push retried); `off`"
    )
    since: datetime = Field(description="When the state last changed")
    port: int | None = Field(description="The Baichuan port of the last attempt")
    last_error: str | None = Field(description="Why push is unavailable (never the camera's words)")


class PushLink:
    """The Baichuan connection of one device, reconnected with backoff until stopped."""

    def __init__(
        self,
        camera: Camera,
        *,
        on_event: Callable[[DetectionEvent], None],
        on_change: Callable[[bool], None],
        timeout: float,
        keepalive: float,
        retry_max: float = 60.0,
        networks: CameraNetworks | None = None,
        client_factory: PushClientFactory = default_push_client,
        tasks: Supervisor | None = None,
    ) -> None:
        self.camera = camera
        self.mode = camera.push
        self.state = PushState.OFF if camera.push == "off" else PushState.CONNECTING
        self.since: datetime = utcnow()
        self.last_error: str | None = None
        self.port: int | None = None
        self.connects = 0
        """Successful logins + subscriptions (each one followed by a reconciling poll)."""
        self._on_event = on_event
        self._on_change = on_change
        self._timeout = timeout
        self._keepalive = keepalive
        self._networks = networks
        self._factory = client_factory
        self._tasks = tasks
        self._backoff = Backoff(initial=1.0, maximum=max(1.0, retry_max))
        self._client: BaichuanClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._port_of: Callable[[], int | None] = lambda: None
        self._up_at = 0.0
        """When the last connection came up (monotonic)."""

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def active(self) -> bool:
        return self.state is PushState.ACTIVE

    def status(self) -> dict[str, Any]:
        """`push` of the device's health (REST status, the `health_check` request)."""
        return PushStatus(
            mode=self.mode,
            state=self.state,
            since=self.since,
            port=self.port,
            last_error=self.last_error,
        ).model_dump(mode="json")

    def detections(self, channel: int) -> frozenset[DetectionType] | None:
        """What the device last pushed as active on `channel` (None: not connected)."""
        client = self._client
        if client is None or not self.active:
            return None
        return client.active(channel)

    def start(self, port_of: Callable[[], int | None]) -> None:
        """Connect (once; `port_of()`: the device's reported Baichuan port, read per attempt)."""
        self._port_of = port_of
        if self.enabled and self._task is None:
            self._task = start_task(self._tasks, f"push:{self.camera.id}", self._run, restart=True)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            while not task.done():  # insist: a cancellation may be lost in a finishing await
                task.cancel()
                await asyncio.wait([task], timeout=1.0)
            await cancel_task(task)
        await self._drop_client()
        if self.enabled:  # quietly: the owner is stopping (another instance may take over)
            self.state, self.since, self.last_error = PushState.CONNECTING, utcnow(), None

    # -- the connection ------------------------------------------------------------------------

    def _port(self) -> int:
        return self.camera.baichuan_port or self._port_of() or DEFAULT_PORT

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            error = await self._session()
            await self._drop_client()
            # Only a connection that lasted resets the backoff: one that a device closes right
            # after the subscription must not be reopened (and reconciled) every second.
            if self._up_at > started and time.monotonic() - self._up_at >= self._backoff.maximum:
                self._backoff.reset()
            self._failed(error)
            await asyncio.sleep(self._backoff.next_delay())

    async def _session(self) -> BaseException:
        """One connection: log in, subscribe, deliver events until it ends; returns why."""
        self.port = self._port()
        client = self._factory(
            self.camera, self.port, self._timeout, self._keepalive, self._networks
        )
        self._client = client
        try:
            await client.connect()
            await client.subscribe()
        except asyncio.CancelledError:
            raise
        except Exception as err:
            return err
        self._up_at = time.monotonic()
        self.connects += 1
        self._up()
        try:
            async for event in client.events():
                self._deliver(event)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            return err
        return BaichuanConnectionClosed("Baichuan connection closed")

    def _deliver(self, event: DetectionEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # the owner's bug must not end the connection
            _LOGGER.exception("camera %s: pushed event %s not applied", self.camera.id, event)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    await client.close()

    def _up(self) -> None:
        _LOGGER.info(
            "camera %s: events pushed over Baichuan (%s:%s)",
            self.camera.id,
            self.camera.host,
            self.port,
        )
        self._set(PushState.ACTIVE, None)

    def _failed(self, err: BaseException) -> None:
        error = describe(err)
        if isinstance(err, AuthenticationError | CameraRefusedError):
            self._backoff.exhaust()  # retrying a refused login fast risks a lockout
        elif not isinstance(err, ReolinkError):
            _LOGGER.error("camera %s: Baichuan push failed", self.camera.id, exc_info=err)
        news = self.state is not PushState.UNAVAILABLE or error != self.last_error
        if not news:
            level = logging.DEBUG  # the same failure again
        elif self.mode == "on" or isinstance(err, AuthenticationError):
            level = logging.WARNING  # expected to work, or the credentials are wrong
        else:
            level = logging.INFO  # auto: polling takes over quietly
        _LOGGER.log(
            level,
            "camera %s: Baichuan push unavailable (%s:%s): %s; events polled instead",
            self.camera.id,
            self.camera.host,
            self.port,
            error,
        )
        self._set(PushState.UNAVAILABLE, error)

    def _set(self, state: PushState, error: str | None) -> None:
        self.last_error = error
        if state is self.state:
            return
        was_active = self.active
        self.state = state
        self.since = utcnow()
        if was_active != self.active or state is PushState.ACTIVE:
            self._on_change(self.active)
