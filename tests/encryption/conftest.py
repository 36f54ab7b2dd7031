"""Encrypted stores (SQLCipher). Every test here needs ``kapnotes[encryption]``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.model import Document
from kapnotes.store import Store, open_store

pytest.importorskip("sqlcipher3", reason="needs kapnotes[encryption] (sqlcipher3)")

PASSPHRASE = "correct horse battery staple 'quoted' ключ"
RAW_KEY = bytes(range(7, 39))  # 32 bytes


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clinic.db"


@pytest.fixture
def encrypted(db_path: Path, demo_doc: Document) -> Iterator[Store]:
    """A passphrase-encrypted file store holding the demo clinic, closed (and so checkpointed)
    before the test opens it again."""
    with open_store(db_path, key=PASSPHRASE, actor="importer") as s:
        s.save(demo_doc)
    s = open_store(db_path, key=PASSPHRASE, create=False)
    yield s
    s.close()
