"""Settings: a YAML file, `${VAR}` expansion inside it, and `REOLINK_*` environment overrides.

Precedence, highest first: init arguments, environment (`REOLINK_MQTT__URL`, `__` nests), the YAML
file, defaults. A broken file never ends in a traceback: `load_settings` raises `ConfigError`, whose
message names the file, the field and the line.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bridge.domain.camera import Camera
from bridge.redaction import redact_tree

ENV_PREFIX = "REOLINK_"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Section):
    host: str = Field(default="127.0.0.1", description="Listen address; 0.0.0.0 exposes the API")
    port: int = Field(default=8080, ge=0, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    public_url: str | None = Field(
        default=None,
        description="How others reach the API (snapshot URLs); default http://host:port",
    )
    enabled: bool = Field(default=True, description="Serve the REST/WebSocket/SSE API")
    zeroconf: bool = Field(
        default=False,
        description="Announce the API on the LAN by mDNS as `_reolink-server._tcp`, so Home "
        "Assistant's custom integration offers the bridge by itself",
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=64 * 1_048_576,
        description="Largest request body accepted; larger ones get 413",
    )
    login_rate_per_minute: int = Field(
        default=10, ge=1, le=10_000, description="Login attempts per client address a minute"
    )
    actuator_rate_per_minute: int = Field(
        default=120,
        ge=1,
        le=100_000,
        description="Commands (set, reboot, PTZ, siren, LED, config) per token or address a minute",
    )
    live_queue_size: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="Frames queued for one WebSocket/SSE client; a client that falls this far "
        "behind is disconnected (it reconnects and gets the retained states again)",
    )
    access_log: bool = Field(default=False, description="Log every HTTP request")
    web_dir: Path | None = Field(
        default=None,
        description="The dashboard's built files, served at /; default: web/dist beside the "
        "bridge's sources (made by scripts/setup)",
    )
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description="Proxies (addresses or CIDRs) whose X-Forwarded-For/-Proto are believed; "
        "default none: the headers are ignored and the client is the connecting address",
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or CIDR network") from None
        return values


class MqttSettings(_Section):
    enabled: bool = True
    url: str = Field(default="mqtt://127.0.0.1:1883", pattern=r"^mqtts?://[^/\s]+(:\d+)?/?$")
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = None
    base_topic: str = Field(default="reolink", pattern=r"^[^#+\s]+$")
    discovery_prefix: str = Field(default="homeassistant", pattern=r"^[^#+\s]+$")
    discovery: Literal["device", "entity", "off"] = "device"
    keepalive: int = Field(default=60, ge=5, le=3600)
    tls_ca_file: Path | None = Field(
        default=None, description="CA bundle for mqtts:// (a private CA); default: the system's"
    )
    tls_insecure: bool = Field(
        default=False, description="mqtts:// without certificate checks (testing only)"
    )
    max_buffered_messages: int = Field(
        default=10_000, ge=10, description="Messages kept while the broker is away; oldest dropped"
    )

    @field_validator("base_topic", "discovery_prefix")
    @classmethod
    def _no_slash_ends(cls, value: str) -> str:
        return value.strip("/")


class DatabaseSettings(_Section):
    url: str = Field(default="", description="sqlite:///path or postgresql://user:pw@host:5432/db")
    pool_size: int = Field(default=10, ge=1, le=200)

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite://, postgresql:// or postgres://")
        return value


class RedisSettings(_Section):
    url: str | None = Field(default=None, pattern=r"^rediss?://")
    key_prefix: str = "reolink"
    stream_maxlen: int = Field(
        default=100_000,
        ge=100,
        le=10_000_000,
        description="Bus stream bound (MAXLEN ~): older entries are trimmed, read or not",
    )
    claim_idle: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds an unacknowledged bus entry waits before it is delivered again "
        "(a dead consumer's entries are reclaimed; a failed one is retried)",
    )
    max_deliveries: int = Field(
        default=5, ge=1, le=1000, description="Deliveries of one entry before it counts as poison"
    )
    outbox_size: int = Field(
        default=10_000, ge=10, description="Messages kept while Redis is away; oldest dropped"
    )
    consumer_name: str | None = Field(
        default=None, description="This process in the consumer groups; default host-pid-random"
    )
    snapshot_ttl: float = Field(
        default=3600.0, gt=0, le=7 * 86400, description="Seconds a cached snapshot is kept"
    )
    lease_ttl: float = Field(
        default=15.0,
        ge=0.5,
        le=600,
        description="Seconds a camera lease lives without renewal (several instances): how long "
        "a dead instance's cameras go unpolled; renewed every third of it",
    )


class PollingSettings(_Section):
    interval: float = Field(
        default=1.0, gt=0, le=3600, description="Seconds between detection polls"
    )
    settings_interval: float = Field(
        default=30.0, gt=0, le=86400, description="Seconds between reads of lights and settings"
    )
    health_check_interval: float = Field(default=30.0, gt=0, le=86400)
    failure_threshold: int = Field(default=3, ge=1, le=100)
    timeout: float = Field(default=5.0, gt=0, le=120, description="Per-request timeout")
    active_heartbeat_interval: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Seconds between records that a camera's detection is still active; after a "
        "crash its open events end at the last one",
    )


class EventSettings(_Section):
    retention_days: int = Field(default=90, ge=1, le=3650)
    snapshot_on_event: bool = True


class SafetySettings(_Section):
    siren_max_seconds: int = Field(default=60, ge=1, le=300)
    actuator_rate_per_minute: int = Field(default=30, ge=1, le=6000)
    command_timeout: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Seconds MQTT, REST and WebSocket wait for a command's result over the bus; "
        "past it the answer is a failed result with code `timeout`",
    )


class AuthSettings(_Section):
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    jwt_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    refresh_ttl_seconds: int = Field(
        default=7 * 86400, ge=300, le=90 * 86400, description="Lifetime of a login's refresh token"
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs the JWTs; default: a random key kept in <data_dir>/jwt.key "
        "(0600). Set the same value on every instance behind one address.",
    )
    token_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="Seconds a checked API token is trusted without asking the store again (a "
        "token revoked from another process stops working within this time)",
    )
    session_recheck_seconds: float = Field(
        default=5.0,
        gt=0,
        le=30,
        description="Seconds between two checks of the token behind an open WebSocket or SSE "
        "stream (it is also checked on every inbound message, and a JWT ends at its expiry)",
    )


PRIVATE_NETWORKS: Final[tuple[IPv4Network | IPv6Network, ...]] = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv6Network("fc00::/7"),
)
"""Default `security.camera_networks`: the private LAN ranges (no loopback, no link-local)."""


class SecuritySettings(_Section):
    camera_networks: list[IPvAnyNetwork] = Field(
        default_factory=lambda: list(PRIVATE_NETWORKS),
        description="Networks (CIDR) that cameras added at run time (REST, MQTT, WebSocket, CLI) "
        "may be in, checked again after name resolution at every connection; the private LAN "
        "ranges by default, so loopback and link-local are refused unless listed. Cameras in "
        "the config file are not checked.",
    )


class StreamSettings(_Section):
    """Live video: the HLS sessions (ffmpeg) and the signed URLs of the stream proxies."""

    enabled: bool = Field(default=True, description="Serve the stream catalogue and proxies")
    ffmpeg: str = Field(
        default="ffmpeg", description="The ffmpeg binary (a name on PATH or a path)"
    )
    max_sessions: int = Field(
        default=8, ge=1, le=256, description="HLS sessions (ffmpeg processes) at once; 503 past it"
    )
    idle_timeout: float = Field(
        default=30.0, ge=1, le=3600, description="Seconds without a request before HLS stops"
    )
    segment_seconds: float = Field(
        default=1.0, ge=0.5, le=10, description="Shortest HLS segment; cut at the next keyframe"
    )
    start_timeout: float = Field(
        default=10.0, ge=1, le=120, description="Seconds the first playlist waits for a segment"
    )
    transcode_h265: bool = Field(
        default=False,
        description="Serve H.265 streams (4K main streams) as HLS by re-encoding them to H.264 "
        "(ffmpeg libx264, read from the camera's RTSP): costs a CPU core or more per stream",
    )
    url_ttl: int = Field(
        default=3600, ge=10, le=7 * 86400, description="Default lifetime of a signed stream URL"
    )
    max_url_ttl: int = Field(
        default=7 * 86400,
        ge=10,
        le=30 * 86400,
        description="Longest lifetime a client may ask for (`?ttl=`): Home Assistant streams",
    )


class MediaSettings(_Section):
    """Event snapshots and clips on disk, the recordings index, downloads (docs/api.md)."""

    dir: Path | None = Field(default=None, description="Media root; default <data_dir>/media")
    max_disk_mb: float = Field(
        default=2048, gt=0, le=10_000_000, description="Disk budget of snapshots and clips"
    )
    snapshot_queue: int = Field(
        default=4, ge=1, le=100, description="Snapshots waiting per camera (more are dropped)"
    )
    snapshot_jpeg_topic: bool = Field(
        default=False,
        description="Also publish the raw JPEG on <base>/<camera>/snapshot (the image entity "
        "then reads it instead of the URL)",
    )
    index_interval: float = Field(
        default=900, ge=5, le=86400, description="Seconds between two recordings index passes"
    )
    index_days: float = Field(
        default=2, gt=0, le=31, description="The indexer's window: the last N days"
    )
    index_after_event: float = Field(
        default=15, ge=0, le=3600, description="Seconds after an event ends to index its camera"
    )
    clip_pre: float = Field(default=5, ge=0, le=300, description="Seconds of clip before the event")
    clip_post: float = Field(default=5, ge=0, le=300, description="Seconds of clip after the event")
    downloads_per_camera: int = Field(
        default=2, ge=1, le=32, description="Concurrent recording downloads per camera"
    )
    url_ttl: int = Field(
        default=3600, ge=10, le=7 * 86400, description="Lifetime of signed download/play URLs"
    )

    def root(self, data_dir: Path) -> Path:
        return (self.dir if self.dir is not None else data_dir / "media").resolve()


class Settings(BaseSettings):
    """The whole configuration tree."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Path("./data")
    instance: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$",
        description="This bridge instance's name (leases, bus consumer, MQTT client id and "
        "state topic); env REOLINK_INSTANCE; default: host name + an id kept in the data dir",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    server: ServerSettings = Field(default_factory=ServerSettings)
    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    polling: PollingSettings = Field(default_factory=PollingSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    streams: StreamSettings = Field(default_factory=StreamSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    cameras: list[Camera] = Field(default_factory=list)

    @field_validator("cameras")
    @classmethod
    def _unique_ids(cls, cameras: list[Camera]) -> list[Camera]:
        seen: set[str] = set()
        for camera in cameras:
            if camera.id in seen:
                raise ValueError(f"camera id {camera.id!r} is used twice")
            seen.add(camera.id)
        return cameras

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'reolink.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_source = InitSettingsSource(settings_cls, _file_data.get())
        return (init_settings, env_settings, file_source)


# The parsed YAML file of the load_settings() call in progress: it ranks below the environment.
_file_data: ContextVar[dict[str, Any]] = ContextVar("_file_data", default={})  # noqa: B039


def expand_env(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """Replace `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"environment variable {name} is not set (used as ${{{name}}})")

    if isinstance(value, str):
        return _VAR.sub(substitute, value)
    if isinstance(value, list):
        return [expand_env(item, env) for item in value]
    if isinstance(value, dict):
        return {key: expand_env(item, env) for key, item in value.items()}
    return value


def _line_index(text: str) -> dict[tuple[str | int, ...], int]:
    """Map every path in the YAML document to its 1-based line."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, child in node.value:
                lines[(*path, str(key.value))] = key.start_mark.line + 1
                walk_child(child, (*path, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                walk(child, (*path, index))

    def walk_child(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        keep = lines[path]
        walk(node, path)
        lines[path] = keep

    root = yaml.compose(text)
    if root is not None:
        walk(root, ())
    return lines


def _describe(error: ValidationError, lines: dict[tuple[str | int, ...], int], source: str) -> str:
    messages = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        field = ".".join(str(part) for part in loc) or "(root)"
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        where = f"{source}, line {line}" if line else source
        messages.append(f"{where}: {field}: {item['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(messages)


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from err
    try:
        data = yaml.safe_load(text)
        lines = _line_index(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from err
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of settings, not {type(data).__name__}"
        )
    return expand_env(data), lines


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings from an optional YAML file, the environment and explicit overrides."""
    file_data: dict[str, Any] = {}
    lines: dict[tuple[str | int, ...], int] = {}
    source = "environment"
    if path is not None:
        file_data, lines = read_yaml(Path(path))
        source = str(path)
    token = _file_data.set(file_data)
    try:
        return Settings(**overrides)
    except ValidationError as err:
        raise ConfigError(_describe(err, lines, source)) from None
    finally:
        _file_data.reset(token)


def redacted(settings: Settings) -> dict[str, Any]:
    """The settings as they may be shown (bridge/info, logs): secrets and camera passwords out."""
    data = settings.model_dump(mode="json", exclude={"cameras"})
    data["mqtt"].pop("password", None)
    data["auth"].pop("admin_password", None)
    data["auth"].pop("jwt_secret", None)
    data["cameras"] = len(settings.cameras)
    shown: dict[str, Any] = redact_tree(data)  # every URL's password: mqtt, database, redis, …
    return shown
