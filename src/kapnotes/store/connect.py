"""Opening the SQLite connection: pragmas, and SQLCipher encryption when a key is given."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from kapnotes.errors import StoreError


class EncryptionError(StoreError):
    """An encrypted store cannot be opened: wrong or missing key, or no SQLCipher installed."""


def connect(path: Path | None, *, key: str | bytes | None, timeout_ms: int) -> Any:
    """A connection with foreign keys on, a busy timeout and (for files) WAL."""
    target = ":memory:" if path is None else str(path)
    if key is not None:
        conn = _encrypted(target, key, timeout_ms)
    else:
        conn = sqlite3.connect(target, timeout=timeout_ms / 1000)
        if path is not None and _looks_encrypted(path):
            conn.close()
            raise EncryptionError(
                f"{path} is encrypted (or not a SQLite database): open it with its key"
            )
    conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path is not None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _looks_encrypted(path: Path) -> bool:
    """A non-empty file that does not start with the SQLite header."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return False
    return bool(head) and head != b"SQLite format 3\x00"


def _encrypted(target: str, key: str | bytes, timeout_ms: int) -> Any:
    try:
        from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-not-found]
    except ImportError:
        raise EncryptionError(
            "an encryption key was given but SQLCipher is not installed: pip install 'kapnotes[encryption]'"
        ) from None
    conn = sqlcipher.connect(target, timeout=timeout_ms / 1000)
    try:  # a wrong key is reported by our error, not by SQLCipher's log on stderr
        conn.execute("PRAGMA cipher_log_level = NONE")
    except sqlcipher.DatabaseError:  # pragma: no cover - older SQLCipher without the pragma
        pass
    if isinstance(key, bytes):
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    else:
        if not key:
            raise EncryptionError("the encryption key is empty")
        conn.execute("PRAGMA key = '" + key.replace("'", "''") + "'")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        conn.close()
        raise EncryptionError(
            f"cannot open {target}: wrong key, or not an encrypted kapnotes database"
        ) from None
    return conn
