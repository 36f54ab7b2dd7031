"""The bulk read path (``kapnotes.store.bulk``): what ``Store.iter_courses`` gives, faster, and
the validating path's clear error for any row it cannot decode."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kapnotes.errors import InvalidError, ModelError
from kapnotes.exporting import RecordView, export_record
from kapnotes.model import Consent, ConsentKind
from kapnotes.model._base import trusted_construction
from kapnotes.store import bulk, open_store

DRAFT = "cl-001-follow-01"


@pytest.fixture
def path(tmp_path, demo_doc) -> Path:
    p = tmp_path / "clinic.db"
    with open_store(p) as s:
        s.save(demo_doc)
    return p


def test_every_course_as_the_store_reads_it_in_any_batch_size(path):
    with open_store(path, create=False, read_only=True) as s:
        expected = list(s.iter_courses())
        assert len(expected) == 4
        for batch in (1, 3, 200):
            assert list(bulk.iter_courses(s, batch=batch)) == expected
        some = ["cl-003", "cl-001", "nobody"]
        assert list(bulk.iter_courses(s, some, batch=1)) == list(s.iter_courses(some))
        assert [c.client_id for c in bulk.iter_courses(s, some)] == ["cl-001", "cl-003"]  # by id


def test_a_view_of_a_store_streams_through_the_bulk_reader(path, monkeypatch):
    read = []
    real = bulk.iter_courses
    monkeypatch.setattr(bulk, "iter_courses", lambda store, ids: read.append(ids) or real(store, ids))
    with open_store(path, create=False, read_only=True) as s:
        courses = list(RecordView.of_store(s, client_ids=["cl-002"]).iter_courses())
    assert read == [["cl-002"]] and [c.client_id for c in courses] == ["cl-002"]


def _damage(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "edit",
    [
        "json_set(doc, '$.start', 12)",  # a number for a date-time
        "json_set(doc, '$.surprise', 'key')",  # a key the format does not have
        "json_set(doc, '$.kind', 'séance')",  # not a session kind
        "json_set(doc, '$.interventions', json('[{\"no\": \"type\"}]'))",  # an untagged union member
    ],
)
def test_a_row_the_fast_path_cannot_decode_gets_the_validating_paths_error(path, edit):
    _damage(path, f"UPDATE sessions SET doc = {edit} WHERE id = '{DRAFT}'")
    with open_store(path, create=False, read_only=True) as s:
        with pytest.raises(InvalidError) as validating:
            list(s.iter_courses())
        with pytest.raises(InvalidError) as fast:
            list(bulk.iter_courses(s))
        assert str(fast.value) == str(validating.value)
        assert "$.sessions[" in str(fast.value)  # the JSON path of the damage
        with pytest.raises(InvalidError) as exported:  # and an export of the store stops with it
            export_record(RecordView.of_store(s), "json", audit=False)
        assert str(exported.value) == str(validating.value)


def _bad_consent() -> Consent:
    day = dt.date(2026, 1, 2)
    return Consent(kind=ConsentKind.OTHER, obtained_on=day, expires_on=day - dt.timedelta(days=1))


def test_trust_ends_with_the_decoding_even_while_the_stream_is_suspended(path):
    with open_store(path, create=False, read_only=True) as s:
        stream = bulk.iter_courses(s, batch=1)
        next(stream)  # suspended between two courses
        with pytest.raises(ModelError):
            _bad_consent()
        stream.close()
    with trusted_construction():
        _bad_consent()  # what decoding a stored course skips
    with pytest.raises(ModelError):
        _bad_consent()
