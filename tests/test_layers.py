"""The layering contract ([tool.importlinter] in pyproject.toml) holds, and it can fail.

The second test copies the package, adds one forbidden import (a face importing another face:
the API importing the MQTT service) and expects `lint-imports` to refuse it, so a contract that
stopped checking anything would be noticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        check=False,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_face_importing_another_face_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "bridge", tmp_path / "bridge", ignore=shutil.ignore_patterns("web"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    live = tmp_path / "bridge" / "api" / "live.py"
    live.write_text(live.read_text() + "\nimport bridge.mqtt.service  # noqa: E402, F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "bridge.api is not allowed to import bridge.mqtt" in result.stdout
