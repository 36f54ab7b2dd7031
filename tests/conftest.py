"""Shared fixtures. All data is synthetic (kapnotes.synthetic)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kapnotes.model import Document
from kapnotes.store import Store, open_store
from kapnotes.synthetic import build_document

os.environ.pop("KAPNOTES_STRICT_PLUGINS", None)


@pytest.fixture(scope="package", autouse=True)
def _only_builtin_plugins() -> Iterator[None]:
    """kapnotes' own tests see only the built-in plugins, whatever else is installed (the
    first-party plugins' tests, under plugins/, see them); tests add theirs with `plugin`."""
    from kapnotes.testing import third_party_plugins_blocked

    with third_party_plugins_blocked():
        yield


ROOT = Path(__file__).resolve().parent.parent


def _root_entries() -> set[str]:
    # hidden caches (.pytest_cache, .hypothesis) and the demo's output are expected there
    return {p.name for p in ROOT.iterdir() if not p.name.startswith(".") and p.name != "demo-out"}


@pytest.fixture(scope="session", autouse=True)
def _nothing_written_into_the_repository() -> Iterator[None]:
    """No test leaves a file in the folder the tests run from (outputs go to tmp_path)."""
    before = _root_entries()
    yield
    new = sorted(_root_entries() - before)
    assert not new, f"tests wrote into {ROOT}: {new}"


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


from kapnotes.testing import kapnotes_plugin as plugin  # noqa: E402,F401 - ``plugin(obj, name)``
