"""API tokens from the command line (`reolink-bridge token create|list|revoke`), on the store
the config names. A running bridge sees a new token at once and a revoked one within
`auth.token_cache_seconds` (its open WebSocket/SSE sessions within that plus
`auth.session_recheck_seconds`)."""

from __future__ import annotations

from typing import Any

from bridge.api.security import DEFAULT_TOKEN_SCOPE, create_api_token
from bridge.config import Settings
from bridge.storage.base import ApiTokenRecord, TokenScope
from bridge.storage.factory import open_store


def _public(record: ApiTokenRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "scope": record.scope,
        "created_at": record.created_at.isoformat(),
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }


async def token_create(
    settings: Settings, name: str, scope: TokenScope | None = None
) -> dict[str, Any]:
    """The new token with its secret (shown once); `DEFAULT_TOKEN_SCOPE` unless told."""
    store = await open_store(settings)
    try:
        token = await create_api_token(store, name, scope or DEFAULT_TOKEN_SCOPE)
    finally:
        await store.close()
    return {**_public(token.record), "token": token.secret}


async def token_list(settings: Settings) -> list[dict[str, Any]]:
    store = await open_store(settings)
    try:
        return [_public(record) for record in await store.list_tokens()]
    finally:
        await store.close()


async def token_revoke(settings: Settings, token_id: str) -> bool:
    store = await open_store(settings)
    try:
        return await store.revoke_token(token_id)
    finally:
        await store.close()
