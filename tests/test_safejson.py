"""`safejson.nesting_depth` against the depth of the parsed document, on random JSON full of the
characters that could fool it (quotes, escapes and brackets inside strings)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from bridge import safejson

_TRICKY = [1, 'a"[{\\', "\\\\", "x]}", None, True, 'é"\\"[', "", "\\u005b"]


def _document(rng: random.Random, level: int) -> Any:
    roll = rng.random()
    if level > 6 or roll < 0.3:
        return rng.choice(_TRICKY)
    if roll < 0.65:
        return [_document(rng, level + 1) for _ in range(rng.randint(0, 3))]
    keys = ["k", "[", '{"', "\\", "]"]
    return {rng.choice(keys): _document(rng, level + 1) for _ in range(rng.randint(0, 3))}


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_nesting_depth_equals_the_parsed_depth() -> None:
    rng = random.Random(20261202)
    for _ in range(5000):
        document = _document(rng, 0)
        text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
        assert safejson.nesting_depth(text) == _depth(document), text


def test_too_deep_refused_before_parsing_and_strings_do_not_count() -> None:
    with pytest.raises(safejson.JsonTooDeep):
        safejson.loads("[" * 33 + "]" * 33)
    with pytest.raises(safejson.JsonTooDeep):
        safejson.loads('[["\\"", ' + "[" * 40 + "]" * 40 + "]]")
    assert safejson.loads(json.dumps(["[" * 100, {"a": "{" * 50}])) == ["[" * 100, {"a": "{" * 50}]
    with pytest.raises(json.JSONDecodeError):  # an unterminated string, never RecursionError
        safejson.loads('"' + "[" * 100_000)
