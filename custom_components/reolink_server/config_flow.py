"""Config flow: the bridge's URL and an API token (scope `control`), checked against the bridge;
zeroconf discovery; reauth; reconfigure; options (which cameras, the poll fallback interval)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import voluptuous as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .api import (
    BridgeAuthError,
    BridgeClient,
    BridgeConnectionError,
    BridgeError,
    BridgeScopeError,
    Json,
    normalize_url,
)
from .const import (
    API_PATH,
    CONF_CAMERAS,
    CONF_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
)

if TYPE_CHECKING:
    from . import ReolinkServerConfigEntry

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
TOKEN_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
WRITING_SCOPES = ("control", "admin")


async def validate(hass: HomeAssistant, url: str, token: str) -> tuple[Json | None, str | None]:
    """The bridge's info, or the error key: cannot_connect, invalid_auth, read_only, unknown."""
    client = BridgeClient(async_get_clientsession(hass), url, token)
    try:
        info = await client.info()
        me = await client.me()
    except (BridgeAuthError, BridgeScopeError):
        return None, "invalid_auth"
    except BridgeConnectionError:
        return None, "cannot_connect"
    except BridgeError:
        return None, "unknown"
    if me.get("scope") not in WRITING_SCOPES:
        return None, "read_only"
    return info, None


def title_of(url: str) -> str:
    return f"Reolink Server ({urlsplit(url).netloc or url})"


class ReolinkServerConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1

    def __init__(self) -> None:
        self._discovered_url: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ReolinkServerConfigEntry) -> OptionsFlow:
        return ReolinkServerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            url = normalize_url(user_input[CONF_URL])
            info, error = await validate(self.hass, url, user_input[CONF_API_TOKEN])
            if info is None:
                errors["base"] = error or "unknown"
            else:
                await self.async_set_unique_id(info["installation_id"])
                self._abort_if_unique_id_configured(updates={CONF_URL: url})
                return self.async_create_entry(
                    title=title_of(url),
                    data={CONF_URL: url, CONF_API_TOKEN: user_input[CONF_API_TOKEN]},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL): URL_SELECTOR,
                        vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR,
                    }
                ),
                user_input,
            ),
            errors=errors,
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """The bridge announced itself (`server.zeroconf`): its TXT `id` is its installation
        id; an entry that has it gets the announced URL."""
        installation_id = discovery_info.properties.get("id")
        if not installation_id or discovery_info.port is None:
            return self.async_abort(reason="not_a_bridge")
        host = discovery_info.host
        if ":" in host:
            host = f"[{host}]"
        url = f"http://{host}:{discovery_info.port}"
        await self.async_set_unique_id(installation_id)
        self._abort_if_unique_id_configured(updates={CONF_URL: url})
        self._discovered_url = url
        self.context["title_placeholders"] = {"url": url}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        url = self._discovered_url
        assert url is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            info, error = await validate(self.hass, url, user_input[CONF_API_TOKEN])
            if info is None:
                errors["base"] = error or "unknown"
            elif info["installation_id"] != self.unique_id:
                return self.async_abort(reason="unique_id_mismatch")
            else:
                return self.async_create_entry(
                    title=title_of(url),
                    data={CONF_URL: url, CONF_API_TOKEN: user_input[CONF_API_TOKEN]},
                )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"url": url, "path": API_PATH},
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: dict[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            info, error = await validate(
                self.hass, entry.data[CONF_URL], user_input[CONF_API_TOKEN]
            )
            if info is None:
                errors["base"] = error or "unknown"
            else:
                await self.async_set_unique_id(info["installation_id"])
                self._abort_if_unique_id_mismatch()
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_TOKEN: user_input[CONF_API_TOKEN]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR}),
            description_placeholders={"url": entry.data[CONF_URL]},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            url = normalize_url(user_input[CONF_URL])
            info, error = await validate(self.hass, url, user_input[CONF_API_TOKEN])
            if info is None:
                errors["base"] = error or "unknown"
            else:
                await self.async_set_unique_id(info["installation_id"])
                self._abort_if_unique_id_mismatch()
                return self.async_update_reload_and_abort(
                    entry,
                    title=title_of(url),
                    data_updates={CONF_URL: url, CONF_API_TOKEN: user_input[CONF_API_TOKEN]},
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_URL): URL_SELECTOR,
                        vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR,
                    }
                ),
                user_input or {CONF_URL: entry.data[CONF_URL]},
            ),
            errors=errors,
        )


class ReolinkServerOptionsFlow(OptionsFlow):
    """Which cameras to add (none chosen: all of them) and the poll fallback interval."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_CAMERAS: list(user_input.get(CONF_CAMERAS) or []),
                    CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
                }
            )
        entry: ReolinkServerConfigEntry = self.config_entry
        data = getattr(entry, "runtime_data", None)  # absent while the entry is not loaded
        views = data.coordinator.views if data is not None else {}
        choices = [
            SelectOptionDict(value=cid, label=f"{view.get('name') or cid} ({cid})")
            for cid, view in views.items()
            if not view.get("parent_id")
        ]
        schema = vol.Schema(
            {
                vol.Optional(CONF_CAMERAS): SelectSelector(
                    SelectSelectorConfig(options=choices, multiple=True)
                ),
                vol.Required(CONF_POLL_INTERVAL): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_POLL_INTERVAL,
                        max=MAX_POLL_INTERVAL,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        current = {
            CONF_CAMERAS: entry.options.get(CONF_CAMERAS, []),
            CONF_POLL_INTERVAL: entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL),
        }
        return self.async_show_form(
            step_id="init", data_schema=self.add_suggested_values_to_schema(schema, current)
        )
