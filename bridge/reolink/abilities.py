"""GetAbility's answer: `ver` per feature for the host and per channel (0 = unsupported)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bridge.reolink._json import JsonObject
from bridge.reolink.wire import Reply

PAN_TILT_TYPES = frozenset({2, 3, 5, 6, 7})
"""GetAbility `ptzType` values of a head that pans and tilts."""


@dataclass(frozen=True, slots=True)
class Abilities:
    """GetAbility's answer: `ver` per feature for the host and per channel (0 = unsupported)."""

    host: JsonObject
    channels: list[JsonObject]
    known: bool

    @classmethod
    def parse(cls, answer: Reply) -> Abilities:
        ability = answer.value.get("Ability") if answer.ok else None
        if not isinstance(ability, dict):
            return cls({}, [], known=False)
        chans = ability.get("abilityChn")
        channels = [c for c in chans if isinstance(c, dict)] if isinstance(chans, list) else []
        return cls(ability, channels, known=True)

    def ver(self, key: str, channel: int | None = None, missing: int = 0) -> int:
        table = self.host if channel is None else _at(self.channels, channel)
        entry = table.get(key)
        if not isinstance(entry, dict):
            return missing
        ver = entry.get("ver", 0)
        return ver if isinstance(ver, int) else 0

    def any(self, keys: Iterable[str], channel: int | None = None) -> bool:
        return any(self.ver(key, channel) > 0 for key in keys)


def _at(items: list[JsonObject], index: int) -> JsonObject:
    return items[index] if 0 <= index < len(items) else {}
