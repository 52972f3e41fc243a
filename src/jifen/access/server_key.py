"""The server key that encrypts app secrets at rest: JIFEN_SECRET_KEY, or a ``secret.key`` file (mode 0600)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

from jifen.config import Settings
from jifen.errors import InvalidInput

KEY_FILE = "secret.key"
HOW_TO = "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


def server_key(settings: Settings) -> Fernet:
    """The Fernet built from the setting, else from the data directory's key file (created when absent)."""
    if settings.secret_key is not None:
        return _fernet(settings.secret_key.get_secret_value().encode("ascii", "replace"), "JIFEN_SECRET_KEY")
    path = settings.data_dir / KEY_FILE
    return _fernet(_read_or_create(path), str(path))


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key


def _fernet(key: bytes, source: str) -> Fernet:
    try:
        return Fernet(key.strip())
    except ValueError as exc:
        raise InvalidInput(f"{source} is not a Fernet key (32 url-safe base64-encoded bytes); {HOW_TO}") from exc
