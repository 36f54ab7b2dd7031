"""Shared fixtures. All data is synthetic (kapnotes.synthetic)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.model import Document
from kapnotes.store import Store, open_store
from kapnotes.synthetic import build_document

# Plugins installed in the test environment are loaded as in production; tests that need a
# controlled set register their own with the `plugin` fixture.
os.environ.pop("KAPNOTES_STRICT_PLUGINS", None)


@pytest.fixture(scope="session")
def demo_doc() -> Document:
    """The synthetic demo clinic (4 clients, full courses), without psychotherapy notes."""
    return build_document()


@pytest.fixture(scope="session")
def demo_doc_with_notes() -> Document:
    return build_document(with_process_notes=True)


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store(":memory:")
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "kapnotes.db")
    yield s
    s.close()


@pytest.fixture
def plugin() -> Iterator[object]:
    """Register plugin objects for one test: ``plugin(obj, name)``; all are unregistered after."""
    from kapnotes.plugins import register_plugin, unregister_plugin

    names: list[str] = []

    def add(obj: object, name: str) -> str:
        names.append(register_plugin(obj, name=name))
        return name

    yield add
    for n in reversed(names):
        unregister_plugin(n)
