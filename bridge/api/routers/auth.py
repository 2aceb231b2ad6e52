"""Login (short JWT + refresh) and the API tokens of integrations (create, list, revoke).

Managing tokens needs the `admin` scope; `/auth/me` says who a token is and what it may do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field

from bridge.api import responses
from bridge.api.deps import PUBLIC_OPENAPI, CurrentPrincipal, LoginLimit, State, public
from bridge.api.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenInfo,
    LoginRequest,
    RefreshRequest,
    TokenPair,
)
from bridge.api.scopes import Admin, Read
from bridge.api.security import AuthError, IssuedTokens, create_api_token
from bridge.store import ApiTokenRecord, TokenScope

router = APIRouter(prefix="/auth", tags=["auth"])


class Me(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "token",
                    "name": "home-assistant",
                    "token_id": "9f2c4e1a0b3d",
                    "scope": "control",
                    "expires_at": None,
                }
            ]
        },
    )
    kind: Literal["admin", "token"]
    name: str
    token_id: str | None = None
    scope: TokenScope
    expires_at: datetime | None = Field(
        default=None, description="When the token stops working (a login JWT); None: until revoked"
    )


def _pair(issued: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
    )


def _unauthorized(err: AuthError) -> HTTPException:
    return HTTPException(401, str(err), headers={"WWW-Authenticate": "Bearer"})


@router.post(
    "/login",
    responses={**responses.UNAUTHORIZED, **responses.RATE_LIMITED},
    dependencies=[LoginLimit],
    openapi_extra=PUBLIC_OPENAPI,
    summary="The admin's login: a short-lived access JWT and a refresh JWT",
)
@public
async def login(state: State, body: LoginRequest) -> TokenPair:
    try:
        issued = await state.auth.login(body.username, body.password.get_secret_value())
    except AuthError as err:
        raise _unauthorized(err) from None
    return _pair(issued)


@router.post(
    "/refresh",
    responses={**responses.UNAUTHORIZED, **responses.RATE_LIMITED},
    dependencies=[LoginLimit],
    openapi_extra=PUBLIC_OPENAPI,
    summary="A new token pair for a refresh token",
)
@public
async def refresh(state: State, body: RefreshRequest) -> TokenPair:
    try:
        return _pair(state.auth.refresh(body.refresh_token))
    except AuthError as err:
        raise _unauthorized(err) from None


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses.UNAUTHORIZED,
    openapi_extra=PUBLIC_OPENAPI,
    summary="End a login session: its refresh token and every access token it gave stop working",
)
@public
async def logout(state: State, body: RefreshRequest) -> Response:
    try:
        state.auth.logout(body.refresh_token)
    except AuthError as err:
        raise _unauthorized(err) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", dependencies=[Read], summary="Who the token belongs to, and its scope")
async def me(principal: CurrentPrincipal) -> Me:
    expires = principal.expires_at
    return Me(
        kind=principal.kind,
        name=principal.name,
        token_id=principal.token_id,
        scope=principal.scope,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
    )


def _info(record: ApiTokenRecord) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=record.id,
        name=record.name,
        scope=record.scope,
        created_at=record.created_at,
        last_used_at=record.last_used_at,
        revoked_at=record.revoked_at,
    )


@router.get("/tokens", dependencies=[Admin], summary="The API tokens (never their secrets)")
async def list_tokens(state: State) -> list[ApiTokenInfo]:
    return [_info(record) for record in await state.ctx.store.list_tokens()]


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Admin],
    summary="A new API token: its secret is in this answer only",
)
async def create_token(state: State, body: ApiTokenCreate) -> ApiTokenCreated:
    token = await create_api_token(state.ctx.store, body.name, body.scope)
    return ApiTokenCreated(**_info(token.record).model_dump(), token=token.secret)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses.NOT_FOUND,
    dependencies=[Admin],
    summary="Revoke an API token (at once in this process, its live sessions closed)",
)
async def revoke_token(
    state: State, token_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> Response:
    if not await state.ctx.store.revoke_token(token_id):
        raise HTTPException(404, f"no active token {token_id!r}")
    state.auth.forget(token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
