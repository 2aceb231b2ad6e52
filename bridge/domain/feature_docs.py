"""The documentation's tables of commands and entities, written from the feature table.

docs/mqtt.md keeps them between `<!-- table:NAME -->` and `<!-- /table:NAME -->` markers;
`python -m bridge.domain.feature_docs docs/mqtt.md` rewrites them, and a test fails when the file
and the table disagree, so the docs never spell out a feature the table does not have.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from bridge.domain.feature import Feature, Kind
from bridge.domain.features import FEATURES


def _value(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short human description of the values a JSON schema allows."""
    if "$ref" in schema:
        return _value(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "allOf"):
        if key in schema:
            parts = [_value(s, defs) for s in schema[key] if s.get("type") != "null"]
            return " or ".join(dict.fromkeys(parts))
    if "enum" in schema:
        return ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{str(schema['const']).lower()}`"
    if schema.get("type") == "integer" and "minimum" in schema and "maximum" in schema:
        return f"{schema['minimum']}–{schema['maximum']}"
    if schema.get("type") == "object":
        fields = ", ".join(f"`{name}`" for name in schema.get("properties", {}))
        return "{" + fields + "}"
    return str(schema.get("type", "a value"))


def _command_value(row: Feature) -> str:
    schema = TypeAdapter(row.command).json_schema()
    text = _value(schema, schema.get("$defs", {}))
    if row.short is not None:
        defs = schema.get("$defs", {})
        target = defs.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
        short = target.get("properties", {}).get(row.short, {})
        text = f"{_value(short, defs)} or {text}"
    return text


def _attributes(row: Feature) -> str:
    names = [
        name
        for name, target in FEATURES.by_attribute.items()
        if target is row or (target.via is not None and target.via[0] == row.key)
    ]
    return ", ".join(f"`{name}`" for name in names)


def commands_table() -> str:
    lines = [
        "| command key | JSON value | `/set/<attribute>` names |",
        "|---|---|---|",
    ]
    for row in FEATURES.commands.values():
        lines.append(f"| `{row.key}` | {_command_value(row)} | {_attributes(row)} |")
    return "\n".join(lines)


def entities_table() -> str:
    by_platform: dict[str, list[str]] = {}
    for row in FEATURES.rows:
        if row.entity and row.ha.discovered:
            note = " (off by default)" if not row.ha.enabled_by_default else ""
            by_platform.setdefault(row.platform, []).append(f"`{row.key}`{note}")
    lines = ["| platform | keys |", "|---|---|"]
    order = [kind.value for kind in Kind]
    for platform in sorted(by_platform, key=lambda p: order.index(p) if p in order else 99):
        lines.append(f"| `{platform}` | {', '.join(by_platform[platform])} |")
    return "\n".join(lines)


TABLES: dict[str, Callable[[], str]] = {"commands": commands_table, "entities": entities_table}


def rewrite(text: str) -> str:
    """`text` with every marked table written anew."""
    for name, make in TABLES.items():
        pattern = re.compile(
            rf"(<!-- table:{name} -->\n)(?:.*?\n)?(<!-- /table:{name} -->)", flags=re.DOTALL
        )
        replacement = r"\g<1>" + make().replace("\\", "\\\\") + "\n" + r"\g<2>"
        text = pattern.sub(replacement, text)
    return text


def main(argv: list[str]) -> int:
    for path in map(Path, argv):
        path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
