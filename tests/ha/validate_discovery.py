"""Validate MQTT discovery payloads with Home Assistant's own code (run with .venv-ha's Python).

Reads one JSON document on stdin:

    {"prefix": "homeassistant",
     "messages": [{"topic": "<prefix>/device/<id>/config", "payload": {...}}, ...],
     "samples": [{"topic": "reolink/cam", "payload": {...}}, ...]}

and writes one JSON document on stdout:

    {"ha_version": "2025.4.4",
     "results": [{"topic", "errors": [...], "entities": [
         {"key", "platform", "unique_id", "dropped": [...], "errors": [...],
          "renders": [{"template", "sample", "output"}],
          "commands": [{"action", "topic", "payload"}]}   (or {"key", "platform", "removed": true})
     ]}]}

What it does, per message, is what Home Assistant 2025.4's MQTT discovery does
(`homeassistant/components/mqtt/discovery.py`): the topic must match `TOPIC_MATCHER`;
abbreviations are expanded; a device payload must pass `DEVICE_DISCOVERY_SCHEMA` (`schemas.py`),
then each component gets the device, origin and shared options merged in
(`_merge_common_device_options`) and must pass its platform's `DISCOVERY_SCHEMA`
(`homeassistant.components.mqtt.<platform>`); a single-component payload must have a valid origin
and pass the platform's `DISCOVERY_SCHEMA`. Keys a schema silently drops (`vol.REMOVE_EXTRA`) are
reported as `dropped`: a typo would otherwise go unnoticed.

Then, with Home Assistant's template engine, every state template is rendered over every sample
published on the entity's topic and checked against what the platform accepts (an error is
reported otherwise), and every command the entity can send (turn on/off, press, each option,
min/mid/max, siren with and without a duration, light with brightness) is rendered the way the
platform renders it, so the caller can check its own command parser accepts them.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import json
import math
import sys
from typing import Any

import voluptuous as vol
from homeassistant.components.mqtt import discovery as ha_discovery
from homeassistant.components.mqtt.discovery import MQTTDiscoveryPayload
from homeassistant.components.mqtt.models import MqttCommandTemplate
from homeassistant.components.mqtt.schemas import DEVICE_DISCOVERY_SCHEMA
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template

# Keys Home Assistant 2025.4 does not know yet, sent on purpose for newer releases.
FUTURE_KEYS = frozenset({"default_entity_id"})
PAYLOAD_NONE = "None"


def _platform_schema(platform: str) -> Any:
    module = importlib.import_module(f"homeassistant.components.mqtt.{platform}")
    return module.DISCOVERY_SCHEMA


def _dropped(sent: dict[str, Any], validated: dict[str, Any]) -> list[str]:
    return sorted(k for k in sent if k not in validated and k not in FUTURE_KEYS)


class Validator:
    def __init__(self, hass: HomeAssistant, prefix: str, samples: list[dict[str, Any]]) -> None:
        self.hass = hass
        self.prefix = prefix.rstrip("/") + "/"
        self.samples = samples

    # -- discovery ------------------------------------------------------------------------

    def message(self, topic: str, payload: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"topic": topic, "errors": [], "entities": []}
        if not topic.startswith(self.prefix):
            result["errors"].append(f"topic is not under the discovery prefix {self.prefix!r}")
            return result
        match = ha_discovery.TOPIC_MATCHER.fullmatch(topic[len(self.prefix) :])
        if match is None:
            result["errors"].append("topic does not match Home Assistant's TOPIC_MATCHER")
            return result
        component = match.group("component")
        if not isinstance(payload, dict):
            result["errors"].append("payload is not a JSON object")
            return result
        payload = copy.deepcopy(payload)
        if component == "device":
            ha_discovery._replace_all_abbreviations(payload)
            try:
                DEVICE_DISCOVERY_SCHEMA(payload)
            except vol.Invalid as exc:
                result["errors"].append(f"device payload: {exc}")
                return result
            for key, component in payload["components"].items():
                config = dict(component)
                platform = config.pop("platform")
                if not config:
                    # `{"platform": …}` alone removes that component (HA's documented way).
                    result["entities"].append(
                        {
                            "key": key,
                            "platform": platform,
                            "removed": True,
                            "unique_id": None,
                            "dropped": [],
                            "errors": [],
                            "renders": [],
                            "commands": [],
                        }
                    )
                    continue
                sent = dict(config)
                merged = MQTTDiscoveryPayload(config)
                merged["device"] = payload["device"]
                merged["origin"] = payload.get("origin")
                ha_discovery._merge_common_device_options(merged, payload)
                result["entities"].append(self.entity(key, platform, merged, sent))
        else:
            ha_discovery._replace_all_abbreviations(payload)
            if not ha_discovery._valid_origin_info(MQTTDiscoveryPayload(payload)):
                result["errors"].append("invalid origin")
            key = match.group("object_id")
            result["entities"].append(self.entity(key, component, payload, dict(payload)))
        return result

    def entity(
        self, key: str, platform: str, config: dict[str, Any], sent: dict[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": key,
            "platform": platform,
            "unique_id": config.get("unique_id"),
            "dropped": [],
            "errors": [],
            "renders": [],
            "commands": [],
        }
        try:
            schema = _platform_schema(platform)
        except (ImportError, AttributeError):
            out["errors"].append(f"no MQTT platform {platform!r} with a DISCOVERY_SCHEMA")
            return out
        try:
            validated = schema(dict(config))
        except vol.Invalid as exc:
            out["errors"].append(f"{platform} schema: {exc}")
            return out
        out["dropped"] = _dropped(sent, validated)
        for template in validated.values():
            if isinstance(template, Template):
                template.hass = self.hass
        try:
            self.check_states(platform, validated, out)
            out["commands"] = self.commands(platform, validated)
        except Exception as exc:  # a template that does not render is an error to report
            out["errors"].append(f"{type(exc).__name__}: {exc}")
        return out

    # -- states -----------------------------------------------------------------------------

    def render(self, template: Template | None, payload: Any) -> str:
        raw = json.dumps(payload)
        if template is None:
            return raw
        return str(template.async_render_with_possible_json_value(raw))

    def check_states(self, platform: str, config: dict[str, Any], out: dict[str, Any]) -> None:
        checks: list[tuple[str, str, Any]] = []  # (template key, topic key, checker)
        if platform == "binary_sensor":
            ok = {config["payload_on"], config["payload_off"], PAYLOAD_NONE}
            checks.append(("value_template", "state_topic", _one_of(ok)))
        elif platform == "sensor":
            if config.get("device_class") == "enum":
                checks.append(
                    ("value_template", "state_topic", _one_of({*config["options"], PAYLOAD_NONE}))
                )
            elif config.get("state_class") or config.get("unit_of_measurement"):
                checks.append(("value_template", "state_topic", _number_or_none(None, None)))
            if config.get("json_attributes_topic"):
                checks.append(("json_attributes_template", "json_attributes_topic", _json_object))
        elif platform == "switch":
            on = config.get("state_on") or config["payload_on"]
            off = config.get("state_off") or config["payload_off"]
            checks.append(("value_template", "state_topic", _one_of({on, off, PAYLOAD_NONE})))
        elif platform == "siren":
            on = config.get("state_on") or config["payload_on"]
            off = config.get("state_off") or config["payload_off"]
            checks.append(("state_value_template", "state_topic", _one_of({on, off, PAYLOAD_NONE})))
        elif platform == "select":
            options = {*config["options"], "None"}
            checks.append(("value_template", "state_topic", _one_of(options)))
        elif platform == "number":
            checks.append(
                ("value_template", "state_topic", _number_or_none(config["min"], config["max"]))
            )
        elif platform == "light":
            ok = {config["payload_on"], config["payload_off"], PAYLOAD_NONE}
            checks.append(("state_value_template", "state_topic", _one_of(ok)))
            if config.get("brightness_state_topic"):
                scale = config["brightness_scale"]
                checks.append(
                    ("brightness_value_template", "brightness_state_topic", _brightness(scale))
                )
        elif platform == "event":
            checks.append(("value_template", "state_topic", _event(config["event_types"])))
        for template_key, topic_key, checker in checks:
            topic = config.get(topic_key)
            if topic is None:
                out["errors"].append(f"{template_key}: no {topic_key}")
                continue
            for index, sample in enumerate(self.samples):
                if sample["topic"] != topic:
                    continue
                output = self.render(config.get(template_key), sample["payload"])
                out["renders"].append({"template": template_key, "sample": index, "output": output})
                problem = checker(output)
                if problem:
                    out["errors"].append(
                        f"{template_key} over sample {index} gave {output!r}: {problem}"
                    )

    # -- commands ---------------------------------------------------------------------------

    def commands(self, platform: str, config: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def publish(action: str, topic_key: str, payload: Any) -> None:
            out.append({"action": action, "topic": config[topic_key], "payload": str(payload)})

        def tpl(key: str) -> MqttCommandTemplate:
            return MqttCommandTemplate(config.get(key))

        if platform == "button":
            publish(
                "press",
                "command_topic",
                tpl("command_template").async_render(config["payload_press"]),
            )
        elif platform == "switch":
            render = tpl("command_template").async_render
            publish("turn_on", "command_topic", render(config["payload_on"]))
            publish("turn_off", "command_topic", render(config["payload_off"]))
        elif platform == "select":
            render = tpl("command_template").async_render
            for option in config["options"]:
                publish(f"select {option}", "command_topic", render(option))
        elif platform == "number":
            render = tpl("command_template").async_render
            low, high, step = config["min"], config["max"], config["step"]
            middle = low + math.floor((high - low) / 2 / step) * step
            for value in (float(low), float(middle), float(high)):
                number: float | int = int(value) if value.is_integer() else value
                publish(f"set {number}", "command_topic", render(number))
        elif platform == "siren":
            on_tpl = tpl("command_template")
            off_tpl = MqttCommandTemplate(
                config.get("command_off_template") or config.get("command_template")
            )
            for kwargs in ({}, {"duration": 5}, {"duration": 100_000}):
                variables = {"state": config["payload_on"], **kwargs}
                if config.get("command_template"):
                    payload = on_tpl.async_render(config["payload_on"], variables)
                else:
                    payload = json.dumps(variables)
                publish(f"turn_on {kwargs}", "command_topic", payload)
            variables = {"state": config["payload_off"]}
            if config.get("command_off_template") or config.get("command_template"):
                payload = off_tpl.async_render(config["payload_off"], variables)
            else:
                payload = json.dumps(variables)
            publish("turn_off", "command_topic", payload)
        elif platform == "light":
            # schema basic, on_command_type "last": brightness first, then the on payload.
            publish("turn_on", "command_topic", config["payload_on"])
            if config.get("brightness_command_topic"):
                scale = config["brightness_scale"]
                render = tpl("brightness_command_template").async_render
                for brightness in (1, 128, 255):
                    device = max(min(round(brightness / 255 * scale), scale), 1)
                    publish(
                        f"turn_on brightness={brightness}",
                        "brightness_command_topic",
                        render(device, None),
                    )
            publish("turn_off", "command_topic", config["payload_off"])
        return out


def _one_of(allowed: set[str]) -> Any:
    def check(output: str) -> str | None:
        if not output.strip() or output in allowed:
            return None
        return f"not one of {sorted(allowed)}"

    return check


def _number_or_none(low: float | None, high: float | None) -> Any:
    def check(output: str) -> str | None:
        if not output.strip() or output == PAYLOAD_NONE:
            return None
        try:
            value = float(output)
        except ValueError:
            return "not a number"
        if low is not None and high is not None and not low <= value <= high:
            return f"outside {low}..{high}"
        return None

    return check


def _brightness(scale: int) -> Any:
    def check(output: str) -> str | None:
        if not output.strip():
            return None
        try:
            value = float(output)
        except ValueError:
            return "not a number (Home Assistant would raise)"
        return None if 0 <= value <= scale else f"outside 0..{scale}"

    return check


def _json_object(output: str) -> str | None:
    try:
        value = json.loads(output)
    except ValueError:
        return "not JSON"
    return None if isinstance(value, dict) else "not a JSON object"


def _event(event_types: list[str]) -> Any:
    def check(output: str) -> str | None:
        if not output or output in (PAYLOAD_NONE, "{}"):
            return None  # ignored by Home Assistant, as intended for `end` phases
        try:
            value = json.loads(output)
        except ValueError:
            return "not JSON"
        if not isinstance(value, dict) or "event_type" not in value:
            return "no event_type"
        if value["event_type"] not in event_types:
            return f"event_type {value['event_type']!r} not in {event_types}"
        return None

    return check


async def main() -> int:
    request = json.load(sys.stdin)
    hass = HomeAssistant("/nonexistent-config-dir")
    validator = Validator(hass, request.get("prefix", "homeassistant"), request.get("samples", []))
    results = [validator.message(m["topic"], m["payload"]) for m in request["messages"]]
    json.dump({"ha_version": HA_VERSION, "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
