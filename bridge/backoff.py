"""Reconnect pacing: full-jitter exponential backoff with a cap."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    attempts: int = field(default=0, init=False)

    def next_delay(self) -> float:
        """The next wait: uniform in [initial/2, min(maximum, initial * factor**attempts)]."""
        ceiling = min(self.maximum, self.initial * self.factor ** min(self.attempts, 64))
        self.attempts += 1
        return random.uniform(min(self.initial / 2, ceiling), ceiling)

    def exhaust(self) -> None:
        """Jump straight to the cap (e.g. after a credential error: retrying fast risks lockout)."""
        while self.attempts < 64 and self.initial * self.factor**self.attempts < self.maximum:
            self.attempts += 1

    def reset(self) -> None:
        self.attempts = 0
