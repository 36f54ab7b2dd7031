"""The SQLite store (sqlite-utils, with its Migrations)."""

from kapnotes.store.content import session_content_hash
from kapnotes.store.db import (
    DB_ENV,
    ReadOnlyStoreError,
    SearchHit,
    Store,
    default_path,
    open_store,
)
from kapnotes.store.writer import SaveSummary

__all__ = [
    "DB_ENV",
    "ReadOnlyStoreError",
    "SaveSummary",
    "SearchHit",
    "Store",
    "default_path",
    "open_store",
    "session_content_hash",
]
