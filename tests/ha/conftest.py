"""Fixtures of the Home Assistant tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .common import HA_PYTHON, HA_VENV_SCRIPT, ROOT


@pytest.fixture(scope="session")
def ha_python() -> Path:
    """`.venv-ha/bin/python`, made by scripts/ha-venv when missing (idempotent: instant when
    the virtualenv is there, about 2 minutes when it is not). Never skipped."""
    subprocess.run([str(HA_VENV_SCRIPT)], check=True, timeout=900, cwd=ROOT)
    assert HA_PYTHON.exists()
    return HA_PYTHON
