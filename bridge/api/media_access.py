"""Who may open event media and recordings, and the response that streams them.

- A media file (`/media/…`) or an event clip: a bearer token with `read`, or the link's `?sig=`
  (`bridge.media.links`: signed per file, valid while the file exists).
- A recording's download or playback: a bearer token with `read`, or a signed URL
  (`?token=rms_…`, scope `recording`, for that recording; `bridge.api.signed_urls`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import StreamingResponse

from bridge.api.deps import api_state, takes_signed_url
from bridge.api.scopes import ScopeRule, enforce, scoped
from bridge.api.signed_urls import SignatureError, UrlSigner
from bridge.media.recordings import RecordingsMedia

RECORDING_SCOPE = "recording"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def media_unit(request: Request) -> RecordingsMedia:
    media = api_state(request).ctx.media
    if media is None:
        raise HTTPException(503, "event media and recordings are not available")
    return media


def media_subject(request: Request) -> str:
    """What a `sig` of this request must be the signature of."""
    params = request.path_params
    if "event_id" in params:
        return f"clip:{params['event_id']}"
    return "/".join(str(params.get(k, "")) for k in ("kind", "camera_id", "day", "file"))


@scoped(ScopeRule("read", relaxed="or, instead of a bearer token, the link's `sig`"))
async def link_access(request: Request) -> None:
    if takes_signed_url(request) and "sig" in request.query_params:
        if not media_unit(request).links.verify(
            media_subject(request), request.query_params["sig"]
        ):
            raise HTTPException(401, "invalid media link signature")
        return
    await enforce(request, "read")


@scoped(ScopeRule("read", relaxed="or, instead of a bearer token, a signed URL of this recording"))
async def recording_access(request: Request) -> None:
    if takes_signed_url(request):
        signer: UrlSigner = request.app.state.url_signer
        try:
            grant = signer.decode(request.query_params.get("token", ""))
            if grant.scope != RECORDING_SCOPE:
                raise SignatureError(f"this signed URL opens {grant.scope!r}, not a recording", 403)
            if grant.stream != str(request.path_params.get("recording_id")):
                raise SignatureError("this signed URL is for another recording", 403)
            await signer.check_holder(grant)
        except SignatureError as err:
            headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
            raise HTTPException(err.status, str(err), headers=headers) from None
        return
    await enforce(request, "read")


class ClosingStreamingResponse(StreamingResponse):
    """A streamed body whose source is closed however the response ends — a client that goes
    away mid-way releases the camera connection at once, not when the garbage collector runs."""

    def __init__(
        self, content: AsyncGenerator[bytes, None], status_code: int = 200, **kw: Any
    ) -> None:
        super().__init__(content, status_code, **kw)
        self._source = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._source.aclose()


async def prepend(first: bytes, rest: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    try:
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        await rest.aclose()
