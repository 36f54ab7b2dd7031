"""Every built-in format renders to every built-in exporter for every demo session; the Word
files open in LibreOffice with the expected text."""

from __future__ import annotations

import datetime as dt
import io
import json

import attrs
import docx
import pytest

from kapnotes.model import NoteStatus, Signature, SignatureRole
from kapnotes.plugins import registry
from kapnotes.rendering import render
from kapnotes.store import session_content_hash
from tests.readers import docx_to_pdf, pdf_text, require_soffice

BUILTIN_FORMATS = ("soap", "dap", "birp", "girp", "pirp", "kap-dosing", "integration")
BUILTIN_EXPORTERS = ("docx", "markdown", "text", "json")


def test_every_format_to_every_exporter_for_every_demo_session(demo_doc):
    formats = [registry().note_formats.get(n) for n in BUILTIN_FORMATS]
    rendered = 0
    for _course, session in demo_doc.iter_sessions():
        for fmt in formats:
            if not fmt.applies_to(session):
                continue
            for to in BUILTIN_EXPORTERS:
                data = render(session, document=demo_doc, format=fmt.name, to=to)
                assert data, (session.id, fmt.name, to)
                if to == "docx":
                    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
                    assert session.kind.label.lower() in body.lower() or fmt.name in body.lower()
                elif to == "json":
                    assert json.loads(data)["format"] == fmt.name
                else:
                    assert b"Rowan" in data or b"Jordan" in data or b"Casey" in data or b"Morgan" in data
                rendered += 1
    # 44 sessions: 6 formats for any kind + kap-dosing for 16 dosing + integration for 16
    assert rendered == (44 * 5 + 16 + 16) * len(BUILTIN_EXPORTERS)


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
