"""REST request bodies get the nesting rule of MQTT and the WebSocket (`bridge.safejson`).

FastAPI parses a JSON body with `json.loads` before any route code runs, so the rule sits in front
of it: a body that may be JSON (anything but a form) is read whole — it is already bounded by
`BodyLimitMiddleware`, outside this one — and refused with 400 when it nests deeper than
`safejson.MAX_DEPTH`; otherwise it is handed on unchanged.
"""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge import safejson

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_NOT_JSON = (b"multipart/", b"application/x-www-form-urlencoded")


class JsonDepthMiddleware:
    def __init__(self, app: ASGIApp, max_depth: int = safejson.MAX_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY or _form(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = bytearray()
        try:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        except HTTPException as err:  # the body limit, raised while reading
            answer = JSONResponse({"detail": err.detail}, status_code=err.status_code)
            await answer(scope, receive, send)
            return
        text = body.decode("utf-8", errors="replace")
        deep = text.count("[") + text.count("{") > self.max_depth
        if deep and safejson.nesting_depth(text) > self.max_depth:
            detail = f"JSON nested deeper than {self.max_depth} levels"
            await JSONResponse({"detail": detail}, status_code=400)(scope, receive, send)
            return
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)


def _form(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower().startswith(_NOT_JSON)
    return False
