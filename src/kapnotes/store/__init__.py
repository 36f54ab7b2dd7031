"""The SQLite store (sqlite-utils, with its Migrations)."""

from kapnotes.store.db import (
    DB_ENV,
    SaveSummary,
    SearchHit,
    Store,
    default_path,
    open_store,
    session_content_hash,
)

__all__ = [
    "DB_ENV",
    "SaveSummary",
    "SearchHit",
    "Store",
    "default_path",
    "open_store",
    "session_content_hash",
]
