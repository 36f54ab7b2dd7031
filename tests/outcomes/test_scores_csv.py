"""The ``scores-csv`` record exporter: one RFC 4180 row per measure administration."""

from __future__ import annotations

import csv
import io

import pytest

from kapnotes.default_plugins.outcomes import CSV_COLUMNS, SCORES_CSV, scores_csv
from kapnotes.exporting import ExportOptions, RecordView
from kapnotes.instruments.catalog import BY_NAME
from kapnotes.model import MeasureAdministration, SessionKind
from kapnotes.plugins import registry

from .helpers import at, course, document_of, phq9, session


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def demo_csv(demo_doc) -> bytes:
    return registry().record_exporters.get("scores-csv").export(RecordView.of_document(demo_doc), ExportOptions())


def test_registered_as_a_record_exporter() -> None:
    entry = registry().record_exporters.entry("scores-csv")
    assert entry.plugin == "kapnotes.default_plugins.outcomes" and entry.value is SCORES_CSV
    assert (SCORES_CSV.media_type, SCORES_CSV.extension) == ("text/csv", "csv")


def test_header_is_stable_and_wide(demo_csv) -> None:
    header = rows_of(demo_csv)[0]
    widest = max(len(i.items) for i in BY_NAME.values())  # MEQ30: 30 items
    assert widest == 30
    assert header == [*CSV_COLUMNS, *(f"item_{n}" for n in range(1, widest + 1))]


def test_one_row_per_administration_in_record_order(demo_doc, demo_csv) -> None:
    rows = rows_of(demo_csv)[1:]
    expected = [(c.id, s.id, m.id) for c in sorted(demo_doc.courses, key=lambda c: c.id)
                for s in c.sessions for m in s.measures]
    assert [(r[1], r[2], r[4]) for r in rows] == expected
    assert all(len(r) == len(rows_of(demo_csv)[0]) for r in rows)


def test_rfc4180_line_endings_and_utf8(demo_csv) -> None:
    assert demo_csv.count(b"\r\n") == len(rows_of(demo_csv))
    assert b"\n" not in demo_csv.replace(b"\r\n", b"")
    assert not demo_csv.startswith(b"\xef\xbb\xbf")  # no BOM


def test_first_row_content(demo_doc, demo_csv) -> None:
    header, first = rows_of(demo_csv)[:2]
    row = dict(zip(header, first, strict=True))
    m = demo_doc.courses[0].sessions[0].measures[0]
    assert row["client_id"] == "cl-001" and row["session_kind"] == "intake"
    assert row["instrument"] == "phq9" and row["context"] == "baseline"
    assert row["administered_at"] == "2026-01-05T09:00:00-07:00"
    assert (row["total"], row["band"], row["complete"], row["flags"]) == ("21", "severe", "true", "")
    assert row["n_items"] == "9"
    assert [row[f"item_{n}"] for n in range(1, 10)] == [str(v) for v in m.items]
    assert row["item_10"] == "" and row["item_30"] == ""


def test_flags_missing_items_and_unregistered_instruments() -> None:
    odd = MeasureAdministration(id="odd", instrument="clinic-scale", administered_at=at(1, 2),
                                items=(1, 2, 3))
    flagged = MeasureAdministration(id="flag", instrument="phq9", administered_at=at(1, 3),
                                    items=(1, 1, 1, 1, 1, 1, 1, 1, 2))
    c = course("c1", session("s1", SessionKind.INTAKE, at(1, 1), phq9("inc", at(1, 1), None),
                             odd, flagged))
    header, *rows = rows_of(scores_csv(document_of(c), instruments=dict(BY_NAME)))
    by_id = {r[4]: dict(zip(header, r, strict=True)) for r in rows}
    inc = by_id["inc"]
    assert (inc["total"], inc["band"], inc["complete"]) == ("", "", "false")
    assert inc["flags"] == "incomplete" and inc["item_1"] == "" and inc["item_2"] == "1"
    assert by_id["odd"]["flags"] == "not-registered" and by_id["odd"]["complete"] == ""
    assert by_id["flag"]["flags"] == "phq9-item-9" and by_id["flag"]["total"] == "10"


def test_an_empty_record_gives_just_the_header() -> None:
    data = scores_csv(document_of(), instruments=dict(BY_NAME))
    assert len(rows_of(data)) == 1
