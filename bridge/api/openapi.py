"""The OpenAPI document: bearer security, examples for the domain models, public routes marked,
each route's token scope (`x-scope`, in its description, and 403 where `read` is not enough).

The domain models (`bridge.domain`) are shared with MQTT and the store and stay free of API
concerns, so their examples are added here, to the generated document, by schema name. A test
checks that every schema in the document has one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from bridge.api.scopes import api_routes, route_rules
from bridge.api.security import SCOPES

_TS = "2026-11-25T12:00:00Z"

_CHANNEL = {
    "channel": 0,
    "name": "Front Door",
    "model": "RLC-811A",
    "online": True,
    "motion": True,
    "ai_types": ["person", "vehicle"],
    "siren": True,
    "floodlight": True,
    "floodlight_brightness": True,
    "status_led": True,
    "ptz_presets": [],
    "snapshot": True,
}

EXAMPLES: dict[str, Any] = {
    "Camera": {
        "id": "front_door",
        "name": "Front Door",
        "host": "192.0.2.10",
        "port": 80,
        "username": "admin",
        "password": "camera-password",
        "tags": ["outdoor"],
    },
    "CameraState": {
        "camera_id": "front_door",
        "online": True,
        "motion": False,
        "person": False,
        "vehicle": False,
        "siren": "OFF",
        "floodlight": "OFF",
        "floodlight_brightness": 80,
        "floodlight_mode": "auto",
        "ir_lights": "Auto",
        "status_led": "ON",
        "motion_sensitivity": 41,
        "recording": "ON",
        "storage": {"capacity_mb": 60000, "free_mb": 42000},
        "last_event": {
            "type": "person",
            "phase": "end",
            "timestamp": _TS,
            "event_id": "0193a4f2-6c1e-7d3a-9b2f-4c5d6e7f8a9b",
        },
        "updated_at": _TS,
    },
    "CommandResult": {
        "status": "ok",
        "code": "ok",
        "camera_id": "front_door",
        "transaction": "t-1",
    },
    "ChannelSettings": {"name": "Garden Gate"},
    "EntityCommand": {"attribute": "status_led", "on": "ON", "off": "OFF"},
    "EntityDescription": {
        "key": "motion_sensitivity",
        "kind": "number",
        "name": "Motion sensitivity",
        "platform": "number",
        "scope": "channel",
        "state_field": "motion_sensitivity",
        "writable": True,
        "command": {"attribute": "motion_sensitivity"},
        "min": 1,
        "max": 50,
        "step": 1,
        "category": "config",
        "icon": "mdi:motion-sensor",
        "enabled_by_default": True,
    },
    "Capabilities": {
        "model": "RLC-811A",
        "name": "Front Door",
        "serial": "00000000000000",
        "uid": "95270000ABCDEFGH",
        "firmware": "v3.1.0.2368_23062508",
        "kind": "camera",
        "channel_count": 1,
        "channels": [_CHANNEL],
    },
    "ChannelCapabilities": _CHANNEL,
    "StreamPorts": {"rtsp": 554, "rtmp": 1935, "onvif": 8000, "http": 80, "http_flv": True},
    "StorageInfo": {"number": 0, "capacity_mb": 60000, "free_mb": 42000, "storage_type": "sd"},
    "StorageState": {"capacity_mb": 60000, "free_mb": 42000, "used_percent": 30.0},
    "LastEvent": {
        "type": "person",
        "phase": "start",
        "timestamp": _TS,
        "event_id": "0193a4f2-6c1e-7d3a-9b2f-4c5d6e7f8a9b",
    },
    "SirenCommand": {"state": "ON", "duration": 10},
    "FloodlightCommand": {"state": "ON", "brightness": 80},
    "PtzCommand": {"op": "left", "speed": 32, "duration": 1.5},
    "HTTPValidationError": {
        "detail": [{"loc": ["body", "siren"], "msg": "Input should be 'ON' or 'OFF'", "type": "x"}]
    },
    "ValidationError": {"loc": ["body", "siren"], "msg": "Input should be 'ON'", "type": "x"},
}


def _has_example(schema: dict[str, Any]) -> bool:
    return "example" in schema or bool(schema.get("examples"))


def install_openapi(app: FastAPI) -> None:
    """Generate the document once, with the bearer scheme, examples and public operations."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = document.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A login JWT (`POST /api/v1/auth/login`) or an API token (`rbt_…`). "
            "WebSocket and EventSource clients may pass it as `?token=`.",
        }
        document["security"] = [{"bearer": []}]
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                if operation.get("security") == [] and "requestBody" not in operation:
                    operation.get("responses", {}).pop("401", None)  # health, ready: never 401
        _document_scopes(app, document)
        for name, schema in components.get("schemas", {}).items():
            base = name.removesuffix("-Input").removesuffix("-Output")
            if not _has_example(schema) and base in EXAMPLES:
                schema["examples"] = [EXAMPLES[base]]
            elif not _has_example(schema) and schema.get("enum"):
                schema["examples"] = [schema["enum"][0]]
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


_FORBIDDEN = {
    "description": "The token's scope is too narrow for this route",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def _document_scopes(app: FastAPI, document: dict[str, Any]) -> None:
    """Each operation's scope, from the one scope dependency its route declares."""
    paths = document.get("paths", {})
    for route in api_routes(app):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for rule in route_rules(route):
            note = f" ({rule.relaxed})" if rule.relaxed else ""
            for method in route.methods or ():
                operation = paths.get(route.path_format or "", {}).get(method.lower())
                if operation is None:
                    continue
                operation["x-scope"] = rule.scope
                said = operation.get("description", "")
                scope = f"Needs the `{rule.scope}` token scope{note}."
                operation["description"] = f"{said}\n\n{scope}" if said else scope
                if rule.scope != SCOPES[0]:
                    operation.setdefault("responses", {})["403"] = _FORBIDDEN
