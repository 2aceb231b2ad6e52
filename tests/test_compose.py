"""docker-compose.yml and .env.example, checked by parsing them (there is no Docker engine here).

- every `REOLINK_*` variable they set is one the bridge reads (derived from `Settings`), and the
  bridge environment compose builds, loaded by `load_settings()`, has login on and the broker
  credentials set;
- every port is published on `${BIND_ADDRESS}` (127.0.0.1 unless `.env` says otherwise), and every
  variable compose uses is in `.env.example`;
- the Mosquitto files compose mounts exist (or are made by the user, ignored by git and explained
  in mosquitto/README.md), and they are where mosquitto.conf looks for them;
- the bridge instances (`bridge`, and `bridge-2`, `bridge-3` of the `scale` profile) share one
  environment but each has its own instance name, data volume and host port.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bridge import secrets
from bridge.config import ENV_PREFIX, Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
BIND_VARIABLE = "BIND_ADDRESS"
BRIDGES = [name for name in SERVICES if name == "bridge" or name.startswith("bridge-")]

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} (the compose forms used).
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def settings_env_names() -> set[str]:
    """Every variable the bridge reads: REOLINK_<FIELD>[__<FIELD>…] of Settings, the secret key."""
    names: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            env = f"{prefix}{name.upper()}"
            names.add(env)
            if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
                walk(info.annotation, f"{env}__")

    walk(Settings, ENV_PREFIX)
    return names | {secrets.ENV_KEY}


def env_example() -> dict[str, str]:
    values = {}
    for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution for the forms above; a missing required one raises."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        value = env.get(name)
        missing = value is None or (value == "" and operator is not None and ":" in operator)
        if not missing:
            return value or ""
        if operator is not None and operator.endswith("?"):
            raise ValueError(f"compose would refuse to start: {argument}")
        return argument if operator is not None else ""

    assert "$$" not in text, "escaped dollars: extend interpolate()"
    return _REFERENCE.sub(substitute, text)


def bridge_environment(env: dict[str, str]) -> dict[str, str]:
    raw: dict[str, str] = SERVICES["bridge"]["environment"]
    return {name: interpolate(str(value), env) for name, value in raw.items()}


def filled_env_example() -> dict[str, str]:
    """.env.example with every empty value filled in, as a user would."""
    return {name: value or f"value-of-{name.lower()}" for name, value in env_example().items()}


def test_every_reolink_variable_names_a_setting() -> None:
    known = settings_env_names()
    assert "REOLINK_AUTH__ADMIN_PASSWORD" in known  # the derivation sees nested fields
    for service, definition in SERVICES.items():
        for name in definition.get("environment", {}):
            if name.startswith(ENV_PREFIX):
                assert name in known, f"{service} sets {name}, which the bridge ignores"
    for name in env_example():
        if name.startswith(ENV_PREFIX):
            assert name in known, f".env.example has {name}, which the bridge ignores"


def test_the_compose_environment_turns_login_on(monkeypatch: pytest.MonkeyPatch) -> None:
    env = filled_env_example()
    for name in [name for name in os.environ if name.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(name)
    for name, value in bridge_environment(env).items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.auth.admin_password is not None
    assert settings.auth.admin_password.get_secret_value() == env["REOLINK_AUTH__ADMIN_PASSWORD"]
    assert settings.mqtt.username == "bridge"  # the ACL's user for the bridge
    assert settings.mqtt.password is not None
    assert settings.mqtt.password.get_secret_value() == env["MQTT_PASSWORD"]
    assert settings.database.url.startswith("postgresql://")
    assert settings.server.host == "0.0.0.0"  # inside the container; published by compose


def test_compose_refuses_to_start_without_the_admin_password() -> None:
    env = filled_env_example()
    env["REOLINK_AUTH__ADMIN_PASSWORD"] = ""
    with pytest.raises(ValueError, match="REOLINK_AUTH__ADMIN_PASSWORD"):
        bridge_environment(env)


def test_ports_are_published_on_the_bind_address_only() -> None:
    published = {name: d["ports"] for name, d in SERVICES.items() if d.get("ports")}
    assert set(published) == {*BRIDGES, "mosquitto"}  # PostgreSQL and Redis stay inside
    assert env_example()[BIND_VARIABLE] == "127.0.0.1"
    for service, ports in published.items():
        for port in ports:
            assert str(port).startswith(f"${{{BIND_VARIABLE}"), f"{service}: {port}"
            assert interpolate(str(port), {}).startswith("127.0.0.1:"), f"{service}: {port}"
            lan = interpolate(str(port), {BIND_VARIABLE: "192.168.1.5"})
            assert lan.startswith("192.168.1.5:"), f"{service}: {port}"


def test_every_variable_compose_uses_is_in_env_example_and_documented() -> None:
    used = {match.group(1) for match in _REFERENCE.finditer(COMPOSE_TEXT)}
    assert used, "no variables found: the pattern is wrong"
    missing = used - set(env_example())
    assert not missing, f"not in .env.example: {sorted(missing)}"
    header = COMPOSE_TEXT.split("services:", 1)[0]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for text, where in ((header, "the compose header"), (readme, "README.md")):
        assert BIND_VARIABLE in text, f"{BIND_VARIABLE} is not explained in {where}"
        assert ".env.example" in text, f".env.example is not named in {where}"


def _bind_mounts(service: str) -> dict[str, Path]:
    """container path -> host path of a service's bind mounts (`./host:/container[:mode]`)."""
    mounts = {}
    for volume in SERVICES[service].get("volumes", []):
        host, container = str(volume).split(":")[:2]
        if host.startswith("."):
            mounts[container] = (REPO / host).resolve()
    return mounts


def _ignored_by_git(path: Path) -> bool:
    done = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", str(path)], check=False)
    return done.returncode == 0


def test_the_mounted_broker_files_exist_where_mosquitto_conf_expects_them() -> None:
    mounts = _bind_mounts("mosquitto")
    assert mounts, "the mosquitto service mounts no files"
    broker_readme = (REPO / "mosquitto" / "README.md").read_text(encoding="utf-8")
    for container, host in mounts.items():
        if host.exists():
            continue
        # Made by the user (the password file): never committed, and explained.
        assert _ignored_by_git(host), f"{host} is mounted at {container} but missing"
        assert f"mosquitto/{host.name}" in broker_readme, f"how to make {host.name}?"
    conf_container = next(path for path in mounts if path.endswith("/mosquitto.conf"))
    conf = mounts[conf_container].read_text(encoding="utf-8")
    for key in ("password_file", "acl_file"):
        found = re.search(rf"^{key}\s+(\S+)", conf, re.MULTILINE)
        assert found, f"mosquitto.conf has no {key}"
        assert found.group(1) in mounts, f"{key} {found.group(1)} is not mounted"
    assert re.search(r"^allow_anonymous\s+false", conf, re.MULTILINE)


def test_the_bridge_reads_its_config_from_the_mounted_directory() -> None:
    config_dir = next(c for c, host in _bind_mounts("bridge").items() if host == REPO / "config")
    command = re.search(r"--config\", \"([^\"]+)\"", (REPO / "Dockerfile").read_text())
    assert command, "the Dockerfile's CMD has no --config"
    assert Path(command.group(1)).parent == Path(config_dir)


def test_the_bridge_instances_share_a_setup_but_nothing_of_their_own() -> None:
    assert BRIDGES == ["bridge", "bridge-2", "bridge-3"]
    env = filled_env_example()
    environments = {
        name: {k: interpolate(str(v), env) for k, v in SERVICES[name]["environment"].items()}
        for name in BRIDGES
    }
    names = {environment.pop("REOLINK_INSTANCE") for environment in environments.values()}
    assert len(names) == len(BRIDGES)  # each its own lease holder, consumer, MQTT client id
    first = environments["bridge"]
    assert all(environment == first for environment in environments.values())
    # Tokens and signed URLs made by one instance are checked by another: one JWT key for all.
    assert first["REOLINK_AUTH__JWT_SECRET"] == env["REOLINK_AUTH__JWT_SECRET"]
    assert first["REOLINK_REDIS__URL"].startswith("redis://")  # leases need Redis
    volumes = [
        next(v for v in SERVICES[name]["volumes"] if str(v).endswith(":/data")) for name in BRIDGES
    ]
    assert len(set(volumes)) == len(BRIDGES)  # spool, media and instance name are per instance
    ports = [interpolate(str(SERVICES[name]["ports"][0]), {}) for name in BRIDGES]
    assert len({port.rsplit(":", 2)[1] for port in ports}) == len(BRIDGES)
    assert "profiles" not in SERVICES["bridge"]  # `docker compose up` runs one instance
    assert all(SERVICES[name]["profiles"] == ["scale"] for name in BRIDGES[1:])
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "--profile scale" in readme
    assert "--profile scale" in COMPOSE_TEXT.split("services:", 1)[0]
