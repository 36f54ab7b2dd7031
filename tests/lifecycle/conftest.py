from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.store import Store, open_store


@pytest.fixture
def demo_store(tmp_path: Path, demo_doc) -> Iterator[Store]:
    """A file store holding the demo clinic (written by actor 'importer')."""
    s = open_store(tmp_path / "k.db", actor="importer")
    s.save(demo_doc)
    yield s
    s.close()
