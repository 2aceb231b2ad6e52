"""Fixtures of the Home Assistant tests."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

import pytest

from .common import HA_PYTHON, HA_VENV_SCRIPT, ROOT


@pytest.fixture(scope="session")
def ha_python() -> Path:
    """`.venv-ha/bin/python`, made by scripts/ha-venv when missing (idempotent: instant when
    the virtualenv is there, about 2 minutes when it is not). Never skipped.

    Each pytest-xdist worker asks for it: an exclusive lock on a file beside .venv-ha makes
    the second one wait for the first one's build instead of building into the same directory."""
    with (ROOT / ".venv-ha.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            subprocess.run([str(HA_VENV_SCRIPT)], check=True, timeout=900, cwd=ROOT)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    assert HA_PYTHON.exists()
    return HA_PYTHON
