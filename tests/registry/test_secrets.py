"""Camera passwords at rest: key from the environment or a 0600 key file; wrong keys are errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bridge.secrets import KEY_FILE, SecretKeyError, load_cipher


def test_key_file_is_generated_private_and_reused(tmp_path: Path) -> None:
    cipher = load_cipher(tmp_path, environ={})
    key_file = tmp_path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = cipher.encrypt("p#ss %^ é")
    assert "p#ss" not in token
    assert load_cipher(tmp_path, environ={}).decrypt(token) == "p#ss %^ é"


def test_environment_key_wins_and_rotates(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = load_cipher(tmp_path, environ={"REOLINK_SECRET_KEY": old}).encrypt("secret")
    both = load_cipher(tmp_path, environ={"REOLINK_SECRET_KEY": f"{new},{old}"})
    assert both.decrypt(token) == "secret"
    rotated = both.rotate(token)
    assert load_cipher(tmp_path, environ={"REOLINK_SECRET_KEY": new}).decrypt(rotated) == "secret"
    assert not (tmp_path / KEY_FILE).exists()


def test_wrong_key_is_a_clear_error(tmp_path: Path) -> None:
    token = load_cipher(tmp_path, environ={}).encrypt("secret")
    other = load_cipher(tmp_path, environ={"REOLINK_SECRET_KEY": Fernet.generate_key().decode()})
    with pytest.raises(SecretKeyError, match="not the one they were encrypted with"):
        other.decrypt(token)


def test_malformed_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match="not a valid key"):
        load_cipher(tmp_path, environ={"REOLINK_SECRET_KEY": "not-a-key"})
