"""Camera passwords at rest: Fernet encryption with a key from the environment or a key file.

The key comes from `REOLINK_SECRET_KEY` (a urlsafe-base64 Fernet key; several, comma-separated,
newest first, to rotate) or from `<data_dir>/secret.key`, generated with mode 0600 on first start.
A wrong key is a clear error at start, never a silent loss of the stored cameras.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENV_KEY = "REOLINK_SECRET_KEY"
KEY_FILE = "secret.key"


class SecretKeyError(Exception):
    """The secret key is missing, malformed, or not the one the data was encrypted with."""


class CredentialCipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretKeyError("no secret key")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as err:
            raise SecretKeyError(
                f"{ENV_KEY} is not a valid key (32 url-safe base64-encoded bytes; "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from err

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as err:
            raise SecretKeyError(
                "cannot decrypt the stored camera passwords: the secret key "
                f"({ENV_KEY} or {KEY_FILE} in the data dir) is not the one they were encrypted "
                "with. Restore the old key (or re-add the cameras)."
            ) from err

    def rotate(self, token: str) -> str:
        """Re-encrypt with the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def load_cipher(data_dir: Path, environ: dict[str, str] | None = None) -> CredentialCipher:
    env = os.environ if environ is None else environ
    configured = env.get(ENV_KEY, "").strip()
    if configured:
        return CredentialCipher([k.strip().encode() for k in configured.split(",") if k.strip()])
    path = data_dir / KEY_FILE
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            with contextlib.suppress(OSError):
                path.chmod(0o600)
        return CredentialCipher([path.read_bytes().strip()])
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return CredentialCipher([key])


class Cipher(Protocol):
    def encrypt(self, secret: str) -> str: ...
    def decrypt(self, token: str) -> str: ...
    def rotate(self, token: str) -> str: ...


class SecretKey:
    """The bridge's cipher as a unit: the constructor only remembers where the key is;
    `start()` reads it (or generates the key file), raising `SecretKeyError` or `OSError` with
    the path when it cannot."""

    def __init__(self, data_dir: Path, environ: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self._environ = environ
        self._cipher: CredentialCipher | None = None

    async def start(self) -> None:
        if self._cipher is None:
            self._cipher = await asyncio.to_thread(load_cipher, self.data_dir, self._environ)

    async def stop(self) -> None:
        return None  # nothing held open: the key stays loaded for a restart

    @property
    def cipher(self) -> CredentialCipher:
        if self._cipher is None:
            raise SecretKeyError("the secret key is not loaded yet (start() first)")
        return self._cipher

    def encrypt(self, secret: str) -> str:
        return self.cipher.encrypt(secret)

    def decrypt(self, token: str) -> str:
        return self.cipher.decrypt(token)

    def rotate(self, token: str) -> str:
        return self.cipher.rotate(token)
