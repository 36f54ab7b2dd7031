"""Fixtures of the de-identification tests: a synthetic clinic with seeded identifiers."""

from __future__ import annotations

from typing import Any

import pytest

from kapnotes.model import Document
from kapnotes.privacy import deidentify
from kapnotes.synthetic import build_document
from tests.privacy.helpers import CLIENTS, SECRET
from tests.privacy.seeding import Seeds, seed_identifiers


@pytest.fixture(scope="session")
def seeded() -> tuple[Document, Seeds]:
    """The synthetic clinic with unique identifiers in every client's fields and free text."""
    return seed_identifiers(build_document(clients=CLIENTS))


@pytest.fixture(scope="session")
def seeded_doc(seeded: tuple[Document, Seeds]) -> Document:
    return seeded[0]


@pytest.fixture(scope="session")
def shifted(seeded_doc: Document) -> dict[str, Any]:
    return deidentify(seeded_doc, secret=SECRET)


@pytest.fixture(scope="session")
def year_only(seeded_doc: Document) -> dict[str, Any]:
    return deidentify(seeded_doc, secret=SECRET, dates="year")


@pytest.fixture(scope="session")
def small_doc() -> Document:
    return build_document(clients=4, with_process_notes=True)
