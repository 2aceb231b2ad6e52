"""The MQTT face: bus messages out as retained states, events and discovery; commands in.

It never talks to a camera or the database: states and events come from the bus, commands go
over the bus (`CommandClient`: the instance that runs the camera answers), camera
add/remove/rename go to the bridge requests.

With several instances (`redis.url` set; docs/scale-out.md) every instance has its own
connection and client id. Commands and bridge requests are taken through MQTT shared
subscriptions (`$share/…`: the broker hands each to one instance, which sends it over the bus to
the camera's owner); `/get` reaches every instance and the owner answers. The bus's `mqtt`
consumer group hands each state, event and discovery message to one instance, which publishes it
(only the camera's current owner produces them: its runner's bus is fenced). What is published
again (Home Assistant back online, a reconnect) is each instance's own cameras, from their
runners. `<base>/bridge/state` means "some instance is alive": every instance publishes
`online` on connect, and one that sees it go `offline` (another instance's last will) while it
is connected publishes `online` again; each instance's own state is `<base>/bridge/<instance>/
state` (the app's second, presence connection).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

from bridge import safejson
from bridge.bus.commands import CommandClient
from bridge.bus.messages import (
    AvailabilityChanged,
    Bus,
    BusMessage,
    DeviceAdded,
    DeviceReady,
    DeviceRemoved,
    PushChanged,
    StateChanged,
    Subscription,
)
from bridge.config import Settings
from bridge.domain.camera import Camera
from bridge.domain.capabilities import Capabilities
from bridge.domain.commands import Command, CommandResult, parse_command, transaction_of
from bridge.domain.errors import DomainError, ResultCode, UnknownCamera
from bridge.domain.state import CameraState
from bridge.domain.views import camera_views
from bridge.media.links import MediaLinks
from bridge.mqtt.connection import Message, MqttConnection
from bridge.mqtt.discovery import Discovery
from bridge.pipeline.manager import CameraManager
from bridge.reports import bridge_info, camera_entry, push_status, with_push
from bridge.requests import BridgeRequests, reply
from bridge.topics.mapping import live_messages
from bridge.topics.tree import CameraTopic, Topics

_LOGGER = logging.getLogger(__name__)

REPUBLISH_DELAY = (0.5, 2.0)
"""Seconds (random in this range) before discovery and states go out again after Home Assistant
comes online or the broker reconnects, so a fleet of bridges does not answer in one burst."""

CAMERAS_EVERY = 1.0
"""Seconds between two `bridge/cameras` sent for push changes (a burst goes out as one)."""

MAX_COMMAND_BYTES = 16_384
"""Largest payload taken on a command or bridge-request topic; past it, an error response."""


class MqttService:
    def __init__(
        self,
        settings: Settings,
        connection: MqttConnection,
        bus: Bus,
        manager: CameraManager,
        commands: CommandClient,
        requests: BridgeRequests,
        *,
        republish_delay: tuple[float, float] = REPUBLISH_DELAY,
        installation_id: str = "",
    ) -> None:
        self.settings = settings
        self.installation_id = installation_id
        self.connection = connection
        self.bus = bus
        self.manager = manager
        self.commands = commands
        self.requests = requests
        self.topics = Topics(settings.mqtt.base_topic, settings.mqtt.discovery_prefix)
        self.links = MediaLinks.from_settings(settings)
        self.discovery = Discovery(
            snapshot_jpeg=settings.media.snapshot_jpeg_topic,
            topics=self.topics,
            mode=settings.mqtt.discovery,
            public_url=settings.server.public_url,
        )
        self._republish_delay = republish_delay
        self.scaled = settings.redis.url is not None
        """Several instances may share the fleet (see the module docstring)."""
        self._devices: dict[str, tuple[Camera, Capabilities]] = {}
        self._states: dict[str, CameraState] = {}
        self._availability: dict[str, bool] = {}
        self._subscription: Subscription | None = None
        self._republish_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False
        self._push: dict[str, dict[str, Any]] = {}
        """Device id → its push status as the instance that runs it last said (`PushChanged`)."""
        self._cameras_at = float("-inf")

    async def start(self) -> None:
        self._subscription = self.bus.subscribe("mqtt", self._on_bus)
        self.requests.register("discovery/republish", self._republish_request)
        self.requests.add_health_source(
            "mqtt",
            lambda: {
                "connected": self.connection.connected,
                "protocol": self.connection.protocol,
                "dropped_messages": self.connection.dropped_messages,
                "buffered_messages": self.connection.buffered_messages,
            },
        )
        self.connection.add_connect_hook(self._on_connect)
        for topic_filter in self.topics.set_filters:
            await self.connection.subscribe(self._once(topic_filter), self._on_camera_command)
        await self.connection.subscribe(self.topics.get_filter, self._on_camera_command)
        await self.connection.subscribe(
            self._once(self.topics.bridge_request_filter), self._on_bridge_request
        )
        await self.connection.subscribe(self.topics.ha_status, self._on_ha_status)
        if self.scaled:
            await self.connection.subscribe(self.topics.bridge_state, self._on_bridge_state)

    def _once(self, topic_filter: str) -> str:
        """A filter whose messages one instance of the fleet must handle (a shared one)."""
        return self.topics.shared(topic_filter) if self.scaled else topic_filter

    def announce(self) -> None:
        """Publish the bridge's info and camera list (at start, after cameras change)."""
        self._publish_bridge()

    async def stop(self) -> None:
        """Stop taking bus messages; cancel the pending republish and handlers, and wait."""
        self._stopped = True
        if self._subscription is not None:
            self._subscription.close()
        tasks = [task for task in [*self._tasks, self._republish_task] if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- outbound ----------------------------------------------------------------------------

    async def _on_bus(self, message: BusMessage) -> None:
        if isinstance(message, StateChanged):
            self._states[message.state.camera_id] = message.state
        elif isinstance(message, AvailabilityChanged):
            self._availability[message.camera_id] = message.online
        elif isinstance(message, DeviceRemoved):
            self._remove(message.camera, message.capabilities)
        for out in live_messages(message, self.topics, self.links):
            self.connection.publish(out.topic, out.payload, retain=out.retain)
        if isinstance(message, DeviceReady):
            known = self._devices.get(message.camera.id)
            self._devices[message.camera.id] = (message.camera, message.capabilities)
            self._publish_discovery(
                message.camera,
                message.capabilities,
                None if known is None else known[1],
                owner=message.owner,
            )
            self._publish_bridge()
        elif isinstance(message, DeviceAdded | DeviceRemoved):
            self._publish_bridge()
        elif isinstance(message, PushChanged):
            self._push[message.camera_id] = message.push
            self._publish_cameras_soon()

    def _publish_cameras_soon(self) -> None:
        """`bridge/cameras` again, at most every `CAMERAS_EVERY` seconds (push changes)."""
        if self._stopped or any(task.get_name() == "bridge/cameras" for task in self._tasks):
            return
        loop = asyncio.get_running_loop()

        async def later() -> None:
            await asyncio.sleep(max(0.0, self._cameras_at + CAMERAS_EVERY - loop.time()))
            self._publish_cameras()

        task = loop.create_task(later(), name="bridge/cameras")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _publish_discovery(
        self,
        camera: Camera,
        capabilities: Capabilities,
        previous: Capabilities | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        """Publish discovery; with `previous`, also retire what the camera no longer has."""
        if previous is not None and previous != capabilities:
            for topic in self.discovery.stale_topics(camera, previous, capabilities):
                self.connection.publish(topic, None, retain=True)
            still = set(self.discovery.retained_topics(camera, capabilities))
            for topic in self.discovery.retained_topics(camera, previous):
                if topic not in still:
                    self.connection.publish(topic, None, retain=True)
        for topic, payload in self.discovery.messages(camera, capabilities, previous, owner=owner):
            self.connection.publish(topic, payload, retain=True)

    def _remove(self, camera: Camera, capabilities: Capabilities | None) -> None:
        self._devices.pop(camera.id, None)
        self._push.pop(camera.id, None)
        camera_ids = [camera.id]
        retained = [
            self.topics.state(camera.id),
            self.topics.availability(camera.id),
            self.topics.snapshot_url(camera.id),
        ]
        if capabilities is not None:
            camera_ids = [view.camera_id for view in camera_views(camera, capabilities)]
            retained = self.discovery.retained_topics(camera, capabilities)
            retained += self.discovery.removals(camera, capabilities)
        for camera_id in camera_ids:
            self._states.pop(camera_id, None)
            self._availability.pop(camera_id, None)
        for topic in retained:
            self.connection.publish(topic, None, retain=True)

    def _publish_bridge(self) -> None:
        info = bridge_info(
            self.settings,
            len(self.manager.cameras),
            self.connection.dropped_messages,
            self.installation_id,
        )
        self.connection.publish(self.topics.bridge_info, info, retain=True)
        self._publish_cameras()

    def _publish_cameras(self) -> None:
        cameras = []
        for runner in self.manager.runners:  # an idle one knows its device too (several instances)
            known = self._devices.get(runner.camera.id)
            capabilities = runner.capabilities or (known[1] if known else None)
            cameras.append(camera_entry(runner.camera, capabilities))

        for entry in cameras:
            with_push(entry, self._push_of(entry["id"]))
        self._cameras_at = asyncio.get_running_loop().time()
        self.connection.publish(self.topics.bridge_cameras, cameras, retain=True)

    def _push_of(self, device_id: str) -> dict[str, Any] | None:
        """A device's push status: its runner's here, else what its instance last said."""
        if self.manager.runs(device_id):
            return push_status(self.manager.runner(device_id))
        return self._push.get(device_id)

    def republish(self) -> None:
        """Discovery first, then every availability and state (after HA restarts or a reconnect)
        of the cameras this instance runs, as their runners have them now."""
        self._publish_bridge()
        runners = [r for r in self.manager.runners if self.manager.owns(r.camera.id)]
        for runner in runners:
            if runner.capabilities is None:
                continue  # not connected yet: it announces itself when it is
            ready = DeviceReady(runner.camera, runner.capabilities, self.manager.instance)
            self._publish_discovery(ready.camera, ready.capabilities, owner=ready.owner)
            for out in live_messages(ready, self.topics):
                self.connection.publish(out.topic, out.payload, retain=out.retain)
        for runner in runners:
            for view in runner.views:
                state = self._current(view.camera_id)
                if state is None:
                    continue
                status = "online" if state.online else "offline"
                topic = self.topics.availability(view.camera_id)
                self.connection.publish(topic, status, retain=True)
                topic = self.topics.state(view.camera_id)
                self.connection.publish(topic, state.payload(), retain=True)

    def _current(self, camera_id: str) -> CameraState | None:
        """The state of a camera this instance runs, as published last (None: nothing yet)."""
        if not self.scaled:
            return self._states.get(camera_id)  # what this instance published, in order
        try:
            runner, _ = self.manager.resolve(camera_id)
        except UnknownCamera:
            return None
        tracker = runner.trackers.get(camera_id)
        return tracker.state if tracker is not None and runner.polls else None

    async def _on_bridge_state(self, message: Message) -> None:
        """Another instance's last will said `offline`: this one is alive, so say `online`."""
        if self._stopped or message.payload.strip().lower() != b"offline":
            return
        _LOGGER.info("MQTT: another bridge instance went away; %s stays online", self.topics.base)
        self.connection.publish(self.topics.bridge_state, "online", retain=True)

    async def _republish_request(self, body: dict[str, Any]) -> dict[str, Any]:
        self.republish()
        return {}

    def _schedule_republish(self) -> None:
        if self._stopped:  # the connection may (re)connect until it stops, after this service
            return
        if self._republish_task is not None and not self._republish_task.done():
            return

        async def later() -> None:
            await asyncio.sleep(random.uniform(*self._republish_delay))
            self.republish()

        self._republish_task = asyncio.get_running_loop().create_task(later())

    async def _on_connect(self) -> None:
        self._schedule_republish()

    # -- inbound -----------------------------------------------------------------------------

    async def _on_ha_status(self, message: Message) -> None:
        if message.payload.strip().lower() == b"online":
            _LOGGER.info("Home Assistant is online: publishing discovery and states again")
            self._schedule_republish()

    async def _on_camera_command(self, message: Message) -> None:
        parsed = self.topics.parse_command(message.topic)
        if parsed is None:
            return
        if message.retain:
            _LOGGER.warning("ignored a retained command on %s (never executed)", message.topic)
            return
        camera_id = parsed.camera_id
        if parsed.kind is CameraTopic.GET:
            self._refresh(camera_id)
            return
        payload: Any = None
        try:
            text = _payload_text(message.payload, "command")
            plain = parsed.attribute is not None and not text.lstrip().startswith("{")
            payload = text.strip() if plain else safejson.loads(text)
            command = parse_command(payload, parsed.attribute)
        except (ValueError, UnicodeDecodeError) as err:
            code = err.code if isinstance(err, DomainError) else ResultCode.INVALID
            result = CommandResult.failed(camera_id, transaction_of(payload), _explain(err), code)
            self._respond(camera_id, result)
            return
        task = asyncio.get_running_loop().create_task(self._command(camera_id, command))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _command(self, camera_id: str, command: Command) -> None:
        result = await self.commands.request(camera_id, command, source="mqtt")
        self._respond(camera_id, result)

    def _respond(self, camera_id: str, result: CommandResult) -> None:
        topic = self.topics.response(camera_id)
        self.connection.publish(topic, result.model_dump(mode="json", exclude_none=True))

    def _refresh(self, camera_id: str) -> None:
        try:
            runner, _ = self.manager.resolve(camera_id)
        except UnknownCamera:
            return
        if not self.manager.owns(runner.camera.id):
            return  # every instance hears `/get`: the owner answers
        runner.request_refresh()
        state = self._current(camera_id)
        if state is not None:
            self.connection.publish(self.topics.state(camera_id), state.payload(), retain=True)

    async def _on_bridge_request(self, message: Message) -> None:
        action = self.topics.bridge_request_action(message.topic)
        if action is None or message.retain:
            return
        try:
            body = safejson.loads(_payload_text(message.payload, "request") or "{}")
            if not isinstance(body, dict):
                raise ValueError("the request must be a JSON object")
        except (ValueError, UnicodeDecodeError) as err:
            response = reply(None, error=_explain(err))
        else:
            response = await self.requests.answer(action, body)
        self.connection.publish(self.topics.bridge_response(action), response)


def _payload_text(payload: bytes, what: str) -> str:
    """An inbound payload as text: at most `MAX_COMMAND_BYTES`, UTF-8 (else `ValueError`)."""
    if len(payload) > MAX_COMMAND_BYTES:
        raise ValueError(f"{what} larger than {MAX_COMMAND_BYTES} bytes")
    return payload.decode("utf-8")


def _explain(err: BaseException) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON: {err.msg} at position {err.pos}"
    if isinstance(err, UnicodeDecodeError):
        return "the payload is not UTF-8 text"
    return str(err)
