"""Fixtures of the note-format tests: a fully populated dosing and integration session."""

from __future__ import annotations

import pytest

from kapnotes.model import Session
from kapnotes.notes.format import NoteContext

from . import fixtures


@pytest.fixture
def dosing_session() -> Session:
    return fixtures.full_dosing_session()


@pytest.fixture
def integration_session() -> Session:
    return fixtures.full_integration_session()


@pytest.fixture
def dosing_ctx(dosing_session: Session) -> NoteContext:
    return fixtures.context(dosing_session)


@pytest.fixture
def integration_ctx(integration_session: Session) -> NoteContext:
    return fixtures.context(integration_session)
