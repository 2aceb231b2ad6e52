"""The start-up check that the API can be used at all: login on, or an API token to present.

With `server.enabled` but no `auth.admin_password` and no live API token, every request gets 401:
the API runs, yet nobody can use it. That happens silently when the password is set under a name
the configuration does not know (docker-compose once set `REOLINK_ADMIN_PASSWORD`), so the bridge
says so in one WARNING line that names both ways out.
"""

from __future__ import annotations

import logging

from bridge.config import ENV_PREFIX, Settings
from bridge.store import Store

_LOGGER = logging.getLogger(__name__)

ADMIN_PASSWORD_ENV = f"{ENV_PREFIX}AUTH__ADMIN_PASSWORD"


async def warn_if_locked_out(settings: Settings, store: Store) -> bool:
    """Log one WARNING (and return True) when the API is on but nobody can authenticate."""
    if not settings.server.enabled:
        return False
    password = settings.auth.admin_password
    if password is not None and password.get_secret_value():
        return False
    if any(token.revoked_at is None for token in await store.list_tokens()):
        return False
    _LOGGER.warning(
        "The REST API is on but nobody can use it: login is disabled (no auth.admin_password) "
        "and no API token exists. Set %s (or auth.admin_password in the config file), or create "
        "a token with `reolink-bridge token create --name NAME --scope admin`.",
        ADMIN_PASSWORD_ENV,
    )
    return True
