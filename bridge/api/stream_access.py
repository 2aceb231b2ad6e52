"""Who may open a stream, and for how long an open FLV stream stays open.

The proxy routes take a bearer token (header, or `?token=`) with the `read` scope, or a signed
URL of that camera and stream (`bridge.api.signed_urls`). The check runs when a connection or an
HLS playlist or segment is opened. An FLV connection stays open while its credential holds:
re-checked every `auth.session_recheck_seconds`, and ended at once when this process revokes its
token. (The expiry of a signed URL is checked when it is opened: a stream that started in time
is not cut at the expiry; revoking the token it was signed for ends it.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from bridge.api.deps import api_state, bearer_token, takes_signed_url
from bridge.api.scopes import ScopeRule, enforce, scoped
from bridge.api.security import AuthError, Principal
from bridge.api.sessions import LiveSession
from bridge.api.signed_urls import Grant, SignatureError, UrlSigner
from bridge.store import StoreError


def signer(request: Request) -> UrlSigner:
    found: UrlSigner = request.app.state.url_signer
    return found


@scoped(
    ScopeRule(
        "read", relaxed="or, instead of a bearer token, a signed URL of this camera and stream"
    )
)
async def stream_access(request: Request) -> None:
    """A bearer token with `read`, or a signed URL for this very camera and stream."""
    if takes_signed_url(request):
        token = request.query_params.get("token", "")
        camera_id = request.path_params.get("camera_id", "")
        stream = request.path_params.get("stream", "")
        try:
            request.state.grant = await signer(request).verify(token, camera_id, stream)
        except SignatureError as err:
            headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
            raise HTTPException(err.status, str(err), headers=headers) from None
        return
    await enforce(request, "read")


@dataclass(eq=False)
class Viewer:
    """One open FLV connection and the credential behind it."""

    grant: Grant | None
    session: LiveSession | None
    signer: UrlSigner
    recheck: float
    ended: str | None = None
    _next: float = field(default=0.0)

    @property
    def token_id(self) -> str | None:
        if self.grant is not None:
            kind, _, ident = self.grant.holder.partition(":")
            return ident if kind == "token" else None
        return self.session.principal.token_id if self.session is not None else None

    async def holds(self) -> bool:
        """False once the credential no longer holds (`ended` says why); re-checked when due."""
        if self.ended is not None:
            return False
        if self.session is not None:
            if self.session.due() and not await self.session.check():
                self.ended = self.session.ended
            return self.ended is None
        now = time.monotonic()
        if self.grant is not None and now >= self._next:
            self._next = now + self.recheck
            try:
                await self.signer.check_holder(self.grant)
            except SignatureError as err:
                self.ended = str(err)
            except StoreError:
                pass  # nothing can be revoked while the store is away either
        return self.ended is None


class Viewers:
    """The open FLV connections, so that a revocation ends them at once."""

    def __init__(self) -> None:
        self._open: set[Viewer] = set()

    def open(self, request: Request) -> Viewer:
        state = api_state(request)
        recheck = state.ctx.settings.auth.session_recheck_seconds
        grant: Grant | None = getattr(request.state, "grant", None)
        session = None
        if grant is None:
            principal: Principal = request.state.principal
            session = LiveSession(
                state.auth, bearer_token(request) or "", principal, recheck=recheck
            )
        viewer = Viewer(grant, session, signer(request), recheck, _next=time.monotonic() + recheck)
        self._open.add(viewer)
        return viewer

    def close(self, viewer: Viewer) -> None:
        self._open.discard(viewer)

    def revoked(self, token_id: str) -> None:
        for viewer in self._open:
            if viewer.token_id == token_id:
                viewer.ended = "the token has been revoked"

    def __len__(self) -> int:
        return len(self._open)


__all__ = ["AuthError", "Viewer", "Viewers", "stream_access"]
