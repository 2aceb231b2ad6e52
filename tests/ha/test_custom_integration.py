"""The Home Assistant custom integration's own tests (tests_ha/, in .venv-ha: Python 3.13 with
pytest-homeassistant-custom-component) run from here, so `make test` and CI run them, with the
coverage gate the platinum quality scale asks (95 %). They start a real bridge and simulator
from this virtualenv (`sys.executable`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from .common import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _without_xdist(env: Mapping[str, str]) -> dict[str, str]:
    """The environment minus this worker's pytest-xdist variables: the inner pytest is a run of
    its own (with them, its syrupy plugin would take itself for an xdist worker)."""
    return {key: value for key, value in env.items() if not key.startswith("PYTEST_XDIST_")}


def test_the_custom_integrations_suite_passes_with_95_percent_coverage(ha_python: Path) -> None:
    result = subprocess.run(
        [
            str(ha_python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "--cov=custom_components.reolink_server",
            "--cov-report=term-missing",
            "--cov-fail-under=95",
        ],
        cwd=ROOT / "tests_ha",
        env={**_without_xdist(os.environ), "REOLINK_BRIDGE_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, report
    assert "Required test coverage of 95% reached" in result.stdout, report
