"""The OpenAPI document: complete, every model with an example, the public routes marked."""

from __future__ import annotations

import httpx
from fixtures.api_rig import ApiRig


async def test_openapi_is_complete_with_examples(rig: ApiRig) -> None:
    async with httpx.AsyncClient(base_url=rig.api.url) as anonymous:
        document = (await anonymous.get("/openapi.json")).json()
        assert (await anonymous.get("/docs")).status_code == 200
    schemas = document["components"]["schemas"]
    missing = [n for n, s in schemas.items() if "example" not in s and not s.get("examples")]
    assert not missing, f"schemas without an example: {missing}"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    paths = document["paths"]
    for path, method in (
        ("/api/v1/cameras/{camera_id}/state", "get"),
        ("/api/v1/cameras/{camera_id}/set", "post"),
        ("/api/v1/bridge/request/{action}", "post"),
        ("/api/v1/bridge/info", "get"),
        ("/api/v1/sse/events", "get"),
        ("/api/v1/events", "get"),
        ("/api/v1/commands", "get"),
        ("/api/v1/metrics", "get"),
    ):
        assert method in paths[path], path
    public = sorted(
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if operation.get("security") == []
    )
    assert public == [
        "GET /api/v1/health",
        "GET /api/v1/ready",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/refresh",
    ]
    state = paths["/api/v1/cameras/{camera_id}/state"]["get"]["responses"]["200"]
    assert state["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CameraState"
    }
