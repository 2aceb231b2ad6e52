"""docs/mqtt.md's tables of commands and entities are the feature table's (`make docs`)."""

from __future__ import annotations

from pathlib import Path

from bridge.domain.feature_docs import TABLES, rewrite

MQTT_DOC = Path(__file__).resolve().parents[1] / "docs" / "mqtt.md"


def test_the_docs_tables_are_written_from_the_feature_table() -> None:
    text = MQTT_DOC.read_text(encoding="utf-8")
    for name in TABLES:
        assert f"<!-- table:{name} -->" in text, name
    assert rewrite(text) == text, "docs/mqtt.md is out of date: run `make docs`"
