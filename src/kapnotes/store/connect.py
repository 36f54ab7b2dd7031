"""Opening the SQLite connection: pragmas, and SQLCipher encryption when a key is given.

A store that cannot be written (a read-only file system, a read-only file or folder) is opened
read-only on request (:func:`unwritable` says why one cannot be written): SQLite's ``mode=ro``,
or, where even that needs a file it cannot create next to the database (the ``-shm`` of a
WAL database), ``immutable=1`` -- refused when a ``-wal`` file holds changes that mode would
not read.

A key is either a passphrase (``str``, stretched by SQLCipher's PBKDF2) or a raw 256-bit key
(``bytes`` of length 32, used as is). A key is never put into an error message. A key given for a
plain database is refused (kapnotes neither encrypts a database in place nor opens it silently
unencrypted); a plain open of an encrypted database is refused before SQLite reads it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kapnotes.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
RAW_KEY_BYTES = 32
INSTALL_HINT = "pip install 'kapnotes[encryption]'"


class EncryptionError(StoreError):
    """An encrypted store cannot be opened: wrong or missing key, or no SQLCipher installed."""


class ReadOnlyStoreError(StoreError):
    """A store cannot be written: it is on read-only media, or was opened read-only."""


def unwritable(path: Path) -> str | None:
    """Why a store at ``path`` cannot be written (``None`` when it can).

    Writing needs the file and its folder (SQLite creates the ``-wal`` and ``-shm`` files, or a
    journal, next to the database). A read-only file system is named as such; otherwise the
    file or folder whose permissions refuse the write.
    """
    folder = path.absolute().parent
    probe = path if path.exists() else folder
    if _read_only_file_system(probe):
        return "it is on a read-only file system"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} cannot be written"
    return None


def _read_only_file_system(path: Path) -> bool:
    if not hasattr(os, "statvfs"):  # pragma: no cover - Windows: permissions say it
        return False
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def connect(
    path: Path | None,
    *,
    key: str | bytes | None,
    timeout_ms: int,
    wal: bool = True,
    read_only: bool = False,
) -> Any:
    """A connection with foreign keys on, a busy timeout and (for files, unless ``wal`` is
    false) WAL. ``wal=False`` changes nothing in the file: for inspecting it first.
    ``read_only`` opens an existing file that SQLite will never write (nor its journal mode)."""
    # a file's absolute name: SQLite takes a name that begins with "file:" for a URI even without
    # uri=True (--db 'file:../x.db' would write ../x.db), and ":memory:" for no file at all
    target = ":memory:" if path is None else os.fspath(Path(path).absolute())
    if read_only and path is None:
        raise StoreError("an in-memory store cannot be opened read-only")
    if key is not None:
        conn, _ = _encrypted(path, target, key, timeout_ms, read_only=read_only)
    else:
        if path is not None and _header(path) not in (b"", SQLITE_HEADER):
            raise EncryptionError(
                f"{path} is encrypted (or is not a SQLite database): open it with its key"
            )
        if read_only:
            assert path is not None
            conn = _read_only(sqlite3, path, timeout_ms)
        else:
            conn = sqlite3.connect(target, timeout=timeout_ms / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        conn.execute("PRAGMA foreign_keys = ON")
        if path is not None and wal and not read_only:
            enable_wal(conn, timeout_ms)
    except BaseException:
        conn.close()
        raise
    return conn


def _read_only(
    driver: Any, path: Path, timeout_ms: int, setup: Callable[[Any], None] | None = None
) -> Any:
    """``path`` opened with SQLite's ``mode=ro``, else (no ``-shm`` can be made next to a WAL
    database on read-only media) ``immutable=1``; ``setup`` (the key) runs before the first read."""
    uri = path.absolute().as_uri()
    try:
        return _first_read(driver, f"{uri}?mode=ro", timeout_ms, setup)
    except driver.OperationalError as exc:
        if "unable to open" not in str(exc):
            raise
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ReadOnlyStoreError(
            f"cannot read {path} read-only: {wal.name} holds changes not yet in the database, "
            f"and they can be read only where {path.name}-shm can be created; copy the store "
            "with its -wal file to writable media and open it there"
        )
    return _first_read(driver, f"{uri}?immutable=1", timeout_ms, setup)


def _first_read(
    driver: Any,
    target: str,
    timeout_ms: int,
    setup: Callable[[Any], None] | None,
    *,
    uri: bool = True,
) -> Any:
    """A connection to ``target`` that has read the schema (closed again if that fails)."""
    conn = driver.connect(target, uri=uri, timeout=timeout_ms / 1000)
    try:
        if setup is not None:
            setup(conn)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
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
    path: Path | None, target: str, key: str | bytes, timeout_ms: int, *, read_only: bool = False
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

    def unlock(conn: Any) -> None:
        # A wrong key is reported by our error, not by SQLCipher's log on stderr (older
        # SQLCipher versions have no such pragma).
        with contextlib.suppress(sqlcipher.DatabaseError):
            conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(pragma)

    try:
        if read_only:
            assert path is not None
            conn = _read_only(sqlcipher, path, timeout_ms, unlock)
        else:
            conn = _first_read(sqlcipher, target, timeout_ms, unlock, uri=False)
    except sqlcipher.DatabaseError:
        raise EncryptionError(
            f"cannot open {path}: wrong key (or not an encrypted kapnotes database)"
        ) from None
    try:
        conn.execute("PRAGMA temp_store = MEMORY")  # no sort or index spill in a temp file
    except sqlcipher.DatabaseError:
        conn.close()
        raise EncryptionError(
            f"cannot open {path}: wrong key (or not an encrypted kapnotes database)"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn, sqlcipher.OperationalError
