"""Every built-in format renders to every built-in exporter for every demo session; the Word
files open in LibreOffice with the expected text."""

from __future__ import annotations

import datetime as dt
import io
import json

import attrs
import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapnotes.model import NoteStatus, Signature, SignatureRole
from kapnotes.plugins import registry
from kapnotes.rendering import render
from kapnotes.store import session_content_hash
from tests.readers import docx_to_pdf, pdf_text, require_soffice

BUILTIN_FORMATS = ("soap", "dap", "birp", "girp", "pirp", "kap-dosing", "integration")
BUILTIN_EXPORTERS = ("docx", "markdown", "text", "json")


def _check_rendered(demo_doc, session, fmt_name: str, to: str) -> None:
    data = render(session, document=demo_doc, format=fmt_name, to=to)
    assert data, (session.id, fmt_name, to)
    if to == "docx":
        body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        assert session.kind.label.lower() in body.lower() or fmt_name in body.lower()
    elif to == "json":
        assert json.loads(data)["format"] == fmt_name
    else:
        assert b"Rowan" in data or b"Jordan" in data or b"Casey" in data or b"Morgan" in data


def _covering_set(demo_doc):
    """For each format and each session kind it applies to, the first demo session of that kind
    that has the most parts (dosing, measures, interventions, risk): every code path of a format
    is reached by one session per kind; the rest repeat those paths (0.1 rendered all 1,008)."""
    best: dict[tuple[str, str], object] = {}
    for _course, session in demo_doc.iter_sessions():
        parts = sum(
            bool(x)
            for x in (session.dosing, session.measures, session.interventions, session.risk,
                      session.narrative, session.plan, session.pre_screen)
        )
        for name in BUILTIN_FORMATS:
            fmt = registry().note_formats.get(name)
            if not fmt.applies_to(session):
                continue
            key = (name, session.kind.value)
            if key not in best or parts > best[key][0]:
                best[key] = (parts, session)
    return {key: s for key, (_, s) in best.items()}


def test_each_format_applies_to_the_sessions_it_should(demo_doc):
    applicable = sum(
        registry().note_formats.get(name).applies_to(session)
        for _course, session in demo_doc.iter_sessions()
        for name in BUILTIN_FORMATS
    )
    # 44 sessions: 5 formats for any kind + kap-dosing for 16 dosing + integration for 16
    assert applicable == 44 * 5 + 16 + 16


def test_every_format_to_every_exporter_for_each_session_kind(demo_doc):
    cover = _covering_set(demo_doc)
    kinds = {s.kind.value for _c, s in demo_doc.iter_sessions()}
    # every general format meets every kind; kap-dosing and integration their own
    assert len(cover) == 5 * len(kinds) + 2, sorted(cover)
    for (name, _kind), session in sorted(cover.items()):
        for to in BUILTIN_EXPORTERS:
            _check_rendered(demo_doc, session, name, to)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_demo_session_in_any_applicable_format_and_exporter(demo_doc, data):
    sessions = [s for _c, s in demo_doc.iter_sessions()]
    session = data.draw(st.sampled_from(sessions), label="session")
    names = [n for n in BUILTIN_FORMATS if registry().note_formats.get(n).applies_to(session)]
    name = data.draw(st.sampled_from(names), label="format")
    to = data.draw(st.sampled_from(BUILTIN_EXPORTERS), label="exporter")
    _check_rendered(demo_doc, session, name, to)


def _signed(demo_doc, session_id: str):
    course, s = demo_doc.find_session(session_id)
    sig = Signature(
        clinician_id="dr-ames", signer_name="Dr. Lee Ames", credentials="MD", role=SignatureRole.AUTHOR,
        signed_at=s.end + dt.timedelta(hours=1), content_hash=session_content_hash(s),
        statement="Electronically signed by the author.",
    )
    return course, attrs.evolve(s, status=NoteStatus.SIGNED, signatures=(sig,))


@pytest.mark.slow
def test_word_notes_of_every_format_read_back_in_libreoffice(demo_doc, tmp_path):
    require_soffice()
    _, dosing = _signed(demo_doc, "cl-001-dose-01")
    _, integration = _signed(demo_doc, "cl-001-integ-01")
    paths = []
    for fmt in BUILTIN_FORMATS:
        s = integration if fmt == "integration" else dosing
        p = tmp_path / f"{fmt}.docx"
        p.write_bytes(render(s, document=demo_doc, format=fmt, to="docx"))
        paths.append(p)
    pdfs = docx_to_pdf(paths, tmp_path / "pdf", tmp_path / "profile")
    phq9 = next(m for m in dosing.measures if m.instrument == "phq9")
    phq9_total = sum(phq9.items)
    for fmt, pdf in zip(BUILTIN_FORMATS, pdfs, strict=True):
        text = " ".join(pdf_text(pdf).split())
        assert "Rowan Example" in text, fmt
        assert "DEMO-107919" in text, fmt
        assert "Page 1 of" in text, fmt
        assert "Dr. Lee Ames" in text, fmt
        signed = integration if fmt == "integration" else dosing
        assert signed.signatures[0].content_hash[:12] in text, fmt  # the signature block's hash
        assert "DRAFT" not in text, fmt
        if fmt == "integration":
            assert "Integration" in text
            assert "Journal for ten minutes after waking" in text
        else:
            assert "34 mg" in text, fmt  # the dose
            assert "0.50 mg/kg" in text, fmt
            assert "PHQ-9" in text, fmt  # the pre-dose score (the band may wrap in a narrow cell)
            assert f" {phq9_total} " in f" {text} ", fmt
            vit = dosing.dosing.vitals()[1]
            assert f"{vit.systolic}/{vit.diastolic}" in text, fmt  # a vitals value
    headings = {"soap": ("Subjective", "Objective", "Assessment", "Plan"),
                "dap": ("Data", "Assessment", "Plan"),
                "birp": ("Behavior", "Intervention", "Response", "Plan"),
                "girp": ("Goal", "Intervention", "Response", "Plan"),
                "pirp": ("Problem", "Intervention", "Response", "Plan"),
                "kap-dosing": ("Medicine", "Monitoring timeline", "Discharge")}
    for fmt, pdf in zip(BUILTIN_FORMATS, pdfs, strict=True):
        text = pdf_text(pdf)
        for h in headings.get(fmt, ()):
            assert h in text, (fmt, h)
