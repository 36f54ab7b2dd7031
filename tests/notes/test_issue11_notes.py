"""The rendered dosing note a prescriber would sign (issue 11): who ordered and gave the dose,
the diagnosis, the plan, adjuncts beside the adverse events, no mg/kg for esketamine."""

from __future__ import annotations

import pytest

from kapnotes.notes.document import Paragraph
from kapnotes.rendering import build_note


def _note(doc, sid, fmt):
    session = next(s for c in doc.courses for s in c.sessions if s.id == sid)
    return build_note(session, format=fmt, document=doc)


@pytest.mark.parametrize(("sid", "fmt"), [
    ("cl-001-dose-01", "kap-dosing"), ("cl-004-dose-01", "kap-dosing"),
    ("cl-001-dose-01", "soap"), ("cl-001-integ-01", "integration"),
])
def test_dosing_soap_and_integration_notes_show_the_diagnosis(demo_doc, sid, fmt) -> None:
    text = "\n".join(_note(demo_doc, sid, fmt).iter_text())
    course = next(c for c in demo_doc.courses if any(s.id == sid for s in c.sessions))
    primary = next(i for i in course.indications if i.primary)
    assert f"Diagnosis: {primary.code} {primary.display}" in text


@pytest.mark.parametrize("sid", ["cl-001-dose-01", "cl-004-dose-01"])
def test_the_demo_dosing_notes_have_a_plan(demo_doc, sid) -> None:
    note = _note(demo_doc, sid, "kap-dosing")
    plan = "\n".join(t for b in note.section("plan").blocks for t in _texts(b))
    assert "Not documented" not in plan and "Integration session" in plan


def _texts(block):
    if isinstance(block, Paragraph):
        return [block.text]
    items = getattr(block, "items", None) or getattr(block, "rows", None) or ()
    return [" ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in items]


def test_adjuncts_are_named_beside_no_adverse_events(demo_doc) -> None:
    note = _note(demo_doc, "cl-001-dose-01", "kap-dosing")  # ondansetron given, no AE
    text = "\n".join(t for b in note.section("adverse_events").blocks for t in _texts(b))
    assert "No adverse events recorded" in text
    assert "ondansetron 4 mg" in text and "nausea prophylaxis" in text


def test_esketamine_shows_no_mg_per_kg_and_names_the_prescriber(demo_doc) -> None:
    note = _note(demo_doc, "cl-004-dose-01", "kap-dosing")
    text = "\n".join(note.iter_text())
    assert "mg/kg" not in text
    assert "Ordered by" in text and "Dr. Lee Ames" in text
