"""The ``progress`` note format: built from a session's course, through the normal pipeline."""

from __future__ import annotations

import io
import zipfile

import pytest

from kapnotes.default_plugins.outcomes import OUTCOME_COLUMNS, PROGRESS, build_progress_note
from kapnotes.notes.document import BulletList, Figure, Paragraph, SignatureBlock, Table
from kapnotes.plugins import registry
from kapnotes.rendering import build_note, context_for, export_note

from .helpers import document_of, worked_course

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _course(doc, client_id):
    return next(c for c in doc.courses if c.client_id == client_id)


@pytest.fixture(scope="module")
def note(demo_doc):
    c = _course(demo_doc, "cl-003")  # PHQ-9, GAD-7 and PCL-5
    return build_note(c.sessions[-1], format="progress", document=demo_doc)


def test_progress_is_registered_by_the_outcomes_plugin() -> None:
    entry = registry().note_formats.entry("progress")
    assert entry.plugin == "kapnotes.default_plugins.outcomes"
    assert entry.value is PROGRESS and PROGRESS.session_kinds is None


def test_the_note_has_the_outcomes_table_with_a_row_per_instrument(note) -> None:
    assert note.format == "progress" and note.title == "KAP course progress note"
    table = next(b for b in note.section("outcomes").blocks if isinstance(b, Table))
    assert table.columns == OUTCOME_COLUMNS
    assert [r[0] for r in table.rows] == ["PHQ-9", "GAD-7", "PCL-5"]
    phq = table.rows[0]
    assert phq[1] == "16 (2026-01-19)" and phq[2] == "7 (2026-03-23)"
    assert (phq[3], phq[4], phq[5]) == ("-9", "-56.2%", "Yes (≥50% reduction)")
    assert phq[6] == "No (≤ 4 (baseline ≥ 10))" and phq[7].startswith("RCI -2.55: improved")
    assert table.rows[2][5] == "No (≥50% reduction)"  # PCL-5 52 -> 28


def test_the_note_has_one_png_figure_per_instrument(note) -> None:
    figures = [b for b in note.section("charts").blocks if isinstance(b, Figure)]
    assert len(figures) == 3
    assert [f.caption.split(" ")[0] for f in figures] == ["PHQ-9", "GAD-7", "PCL-5"]
    assert all(f.image.startswith(PNG_SIGNATURE) for f in figures)


def test_interpretation_thresholds_and_frame(note) -> None:
    lines = next(b for b in note.section("interpretation").blocks if isinstance(b, BulletList))
    assert lines.items[0].startswith("PHQ-9: 16 → 7 (-9 points, -56.2%)")
    assert "Response (≥50% reduction) met" in lines.items[0]
    assert "No remission threshold is defined for PCL-5." in lines.items[2]
    text = " ".join(note.iter_text())
    assert "Jacobson & Truax 1991" in text and "Zimmerman" not in text
    assert "Blevins" in text  # the PCL-5 reliability source
    assert any(isinstance(s, SignatureBlock) for s in note.signatures)
    assert dict(note.facts)["Session ID"] == "cl-003-follow-01"
    course_fields = dict(note.section("course").blocks[0].items)  # type: ignore[union-attr]
    assert course_fields["Primary indication"].startswith("F43.10")
    assert course_fields["Dosing sessions to date"] == "4"


def test_outcomes_are_as_of_the_session(demo_doc) -> None:
    c = _course(demo_doc, "cl-001")
    dose2 = next(s for s in c.sessions if s.id == "cl-001-dose-02")
    n = build_note(dose2, format="progress", document=demo_doc)
    table = next(b for b in n.section("outcomes").blocks if isinstance(b, Table))
    # At dosing session 2 the latest PHQ-9 is its own pre-dose score (13), not the follow-up.
    assert table.rows[0][2] == "13 (2026-01-19)"
    assert dict(n.section("course").blocks[0].items)["Dosing sessions to date"] == "2"  # type: ignore[union-attr]


def test_a_session_before_any_score_says_so(demo_doc) -> None:
    c = worked_course()
    doc = document_of(c)
    first = c.sessions[0]
    n = build_progress_note(context_for(first, document=doc))
    table = next(b for b in n.section("outcomes").blocks if isinstance(b, Table))
    assert table.rows[0][2] == "—"  # no follow-up yet
    lines = next(b for b in n.section("interpretation").blocks if isinstance(b, BulletList))
    assert "no complete score after it yet" in lines.items[0]


def test_without_a_course_the_note_still_builds() -> None:
    c = worked_course()
    n = build_progress_note(context_for(c.sessions[-1]))
    paragraph = n.section("outcomes").blocks[0]
    assert isinstance(paragraph, Paragraph) and "No treatment course" in paragraph.text


def test_it_reaches_word_through_the_pipeline(note) -> None:
    data = export_note(note, to="docx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        body = z.read("word/document.xml").decode("utf-8")
    assert len(media) == 3
    assert "Interpretation" in body and "PCL-5" in body


def test_it_reaches_text_and_markdown(note) -> None:
    text = export_note(note, to="text").decode("utf-8")
    assert "Outcomes" in text and "[Figure: PHQ-9" in text
    assert b"data:image/png;base64," in export_note(note, to="markdown")
