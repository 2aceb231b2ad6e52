"""Bridge requests (`reolink/bridge/request/<action>`, `POST /api/v1/bridge/request/<action>`).

One handler for every interface: the same body gives the same answer on MQTT and REST.
Interfaces may register actions of their own (MQTT adds `discovery/republish`) and contribute
to `health_check`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pydantic import ValidationError

from bridge.domain.camera import Camera
from bridge.domain.errors import InvalidCommand, UnknownCamera
from bridge.pipeline.manager import CameraManager, DuplicateCamera
from bridge.registry import CameraRejected, ConfigFileCamera
from bridge.reports import device_health

Action = Callable[[dict[str, Any]], Awaitable[Any]]
HealthSource = Callable[[], dict[str, Any]]


class RequestError(InvalidCommand):
    """The request cannot be done; the message says why (it becomes the `error` field)."""


class CameraDirectory(Protocol):
    """Adds, removes and renames cameras: the registry, which applies the rules of a change."""

    async def add(self, camera: Camera) -> Any: ...
    async def remove(self, camera_id: str) -> Camera: ...
    async def rename(self, camera_id: str, name: str) -> Camera: ...


class BridgeRequests:
    def __init__(self, cameras: CameraDirectory, manager: CameraManager) -> None:
        self.cameras = cameras
        self.manager = manager
        self._actions: dict[str, Action] = {
            "camera/add": self._add,
            "camera/remove": self._remove,
            "camera/rename": self._rename,
            "health_check": self._health,
        }
        self._health_sources: dict[str, HealthSource] = {}

    @property
    def actions(self) -> list[str]:
        return sorted(self._actions)

    def register(self, action: str, handler: Action) -> None:
        self._actions[action] = handler

    def add_health_source(self, name: str, source: HealthSource) -> None:
        self._health_sources[name] = source

    async def answer(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """The `bridge/response/<action>` envelope for a request body (its `transaction`
        taken out of `body` and given back)."""
        transaction = pop_transaction(body)
        try:
            data = await self.handle(action, body)
        except ValueError as err:
            return reply(transaction, error=str(err))
        return reply(transaction, data=data)

    async def handle(self, action: str, body: dict[str, Any]) -> Any:
        handler = self._actions.get(action)
        if handler is None:
            raise RequestError(f"unknown request {action!r}; known: {', '.join(self.actions)}")
        try:
            return await handler(body)
        except ValidationError as err:
            raise RequestError(explain(err)) from None
        except (UnknownCamera, DuplicateCamera, CameraRejected, ConfigFileCamera) as err:
            raise RequestError(str(err)) from None

    async def _add(self, body: dict[str, Any]) -> Any:
        camera = Camera.model_validate(body)
        await self.cameras.add(camera)
        return camera.public_dict()

    async def _remove(self, body: dict[str, Any]) -> Any:
        camera = await self.cameras.remove(required(body, "id"))
        return {"id": camera.id}

    async def _rename(self, body: dict[str, Any]) -> Any:
        camera = await self.cameras.rename(required(body, "id"), required(body, "name"))
        return camera.public_dict()

    async def _health(self, body: dict[str, Any]) -> Any:
        report: dict[str, Any] = {
            "healthy": True,
            "cameras": {runner.camera.id: device_health(runner) for runner in self.manager.runners},
        }
        for name, source in self._health_sources.items():
            report[name] = source()
        return report


def reply(transaction: str | None, *, data: Any = None, error: str | None = None) -> dict[str, Any]:
    """The one envelope of bridge responses on MQTT, REST and WebSocket: `status` (`ok` with
    `data`, `error` with `error`) and the request's `transaction` when it had one."""
    response: dict[str, Any] = (
        {"status": "ok", "data": data} if error is None else {"status": "error", "error": error}
    )
    if transaction is not None:
        response["transaction"] = transaction
    return response


def pop_transaction(body: dict[str, Any]) -> str | None:
    raw = body.pop("transaction", None)
    return raw if isinstance(raw, str) else None


def required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RequestError(f"'{key}' is required")
    return value


def explain(err: ValidationError) -> str:
    parts = []
    for item in err.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "invalid request: " + "; ".join(parts)
