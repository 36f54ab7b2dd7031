"""Opening the SQLite connection: pragmas, and SQLCipher encryption when a key is given.

A key is either a passphrase (``str``, stretched by SQLCipher's PBKDF2) or a raw 256-bit key
(``bytes`` of length 32, used as is). A key is never put into an error message. A key given for a
plain database is refused (kapnotes neither encrypts a database in place nor opens it silently
unencrypted); a plain open of an encrypted database is refused before SQLite reads it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from kapnotes.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
RAW_KEY_BYTES = 32
INSTALL_HINT = "pip install 'kapnotes[encryption]'"


class EncryptionError(StoreError):
    """An encrypted store cannot be opened: wrong or missing key, or no SQLCipher installed."""


def connect(
    path: Path | None, *, key: str | bytes | None, timeout_ms: int, wal: bool = True
) -> Any:
    """A connection with foreign keys on, a busy timeout and (for files, unless ``wal`` is
    false) WAL. ``wal=False`` changes nothing in the file: for inspecting it first."""
    target = ":memory:" if path is None else str(path)
    if key is not None:
        conn, _ = _encrypted(path, target, key, timeout_ms)
    else:
        if path is not None and _header(path) not in (b"", SQLITE_HEADER):
            raise EncryptionError(
                f"{path} is encrypted (or is not a SQLite database): open it with its key"
            )
        conn, _ = (
            sqlite3.connect(target, timeout=timeout_ms / 1000),
            sqlite3.OperationalError,
        )
    try:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        conn.execute("PRAGMA foreign_keys = ON")
        if path is not None and wal:
            enable_wal(conn, timeout_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def enable_wal(conn: Any, timeout_ms: int) -> None:
    """Switch a file database to WAL (see :func:`_wal`) with ``synchronous = NORMAL``."""
    _wal(conn, timeout_ms, _busy_error(conn))
    conn.execute("PRAGMA synchronous = NORMAL")


def _busy_error(conn: Any) -> type[Exception]:
    """The OperationalError class of the driver ``conn`` comes from (sqlite3 or SQLCipher)."""
    module = sys.modules.get(type(conn).__module__.split(".")[0])
    error = getattr(module, "OperationalError", None)
    return error if isinstance(error, type) else sqlite3.OperationalError


def _wal(conn: Any, timeout_ms: int, busy_error: type[Exception]) -> None:
    """Put the database in WAL mode, waiting up to the busy timeout for the lock it needs.

    ``PRAGMA journal_mode = WAL`` reads the header in a read transaction, then upgrades it to a
    write; SQLite does not call the busy handler for that upgrade, so while another connection
    writes to a database not yet in WAL (processes racing to create a store) it fails at once
    with "database is locked". The mode is read first (a store already in WAL, the usual case,
    needs no lock) and the switch retried until ``timeout_ms``.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    pause = 0.001
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except busy_error as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def check_store_file(path: Path, *, allow_empty: bool) -> None:
    """Refuse a folder as a store, and an empty file unless ``allow_empty`` (a store being
    created: another process may have just made the file and not yet written to it)."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a kapnotes store (give the database file)")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from None
    if size == 0 and not allow_empty:
        raise StoreError(f"{path} is not a kapnotes store: the file is empty")


def _header(path: Path) -> bytes:
    """The first 16 bytes of ``path`` (empty when it is missing or empty)."""
    try:
        with path.open("rb") as f:
            return f.read(16)
    except FileNotFoundError:
        return b""


def _key_pragma(key: str | bytes) -> str:
    """``PRAGMA key`` for a passphrase or a raw key; raises (without the key) when unusable."""
    if isinstance(key, bytes):
        if len(key) != RAW_KEY_BYTES:
            raise EncryptionError(
                f"a raw encryption key must be {RAW_KEY_BYTES} bytes, not {len(key)} "
                "(or give a passphrase as str)"
            )
        return f"PRAGMA key = \"x'{key.hex()}'\""
    if not isinstance(key, str):
        raise EncryptionError(
            f"an encryption key must be str (a passphrase) or bytes, not {type(key).__name__}"
        )
    if not key:
        raise EncryptionError("the encryption key is empty")
    if "\x00" in key:
        raise EncryptionError("the encryption passphrase contains a NUL character")
    return "PRAGMA key = '" + key.replace("'", "''") + "'"


def _encrypted(
    path: Path | None, target: str, key: str | bytes, timeout_ms: int
) -> tuple[Any, type[Exception]]:
    pragma = _key_pragma(key)
    if path is not None and _header(path) == SQLITE_HEADER:
        raise EncryptionError(
            f"{path} is not encrypted: open it without a key (kapnotes does not encrypt an "
            "existing database in place)"
        )
    try:
        from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-not-found, import-untyped]
    except ImportError:
        raise EncryptionError(
            f"an encryption key was given but SQLCipher is not installed: {INSTALL_HINT}"
        ) from None
    conn = sqlcipher.connect(target, timeout=timeout_ms / 1000)
    try:
        # A wrong key is reported by our error, not by SQLCipher's log on stderr (older
        # SQLCipher versions have no such pragma).
        with contextlib.suppress(sqlcipher.DatabaseError):
            conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(pragma)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA temp_store = MEMORY")  # no sort or index spill in a temp file
    except sqlcipher.DatabaseError:
        conn.close()
        raise EncryptionError(
            f"cannot open {target}: wrong key (or not an encrypted kapnotes database)"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn, sqlcipher.OperationalError
