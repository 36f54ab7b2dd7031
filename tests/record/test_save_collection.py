"""A save pauses Python's cyclic garbage collector and leaves it as it found it, also when the
save is refused."""

from __future__ import annotations

import gc

import pytest

from kapnotes.errors import ImmutableError
from kapnotes.model import Document, NoteStatus, evolve
from kapnotes.store import Store
from kapnotes.store.writer import collection_paused


def test_the_collector_is_paused_during_a_save_and_running_after(
    store: Store, demo_doc: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    import kapnotes.store.db as db

    real = db.score_document

    def spy(*a: object, **k: object) -> object:
        seen.append(gc.isenabled())
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "score_document", spy)
    assert gc.isenabled()
    store.save(demo_doc)
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_refused_save(store: Store, demo_doc: Document) -> None:
    store.save(demo_doc)
    course = demo_doc.courses[0]
    k, signed = next((k, s) for k, s in enumerate(course.sessions)
                     if s.status is not NoteStatus.DRAFT)
    changed = evolve(signed, intention="rewritten after signing")
    sessions = (*course.sessions[:k], changed, *course.sessions[k + 1 :])
    doc = evolve(demo_doc, courses=(evolve(course, sessions=sessions), *demo_doc.courses[1:]))
    with pytest.raises(ImmutableError):
        store.save(doc)
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
