"""The Word dosing note a prescriber would sign, read back through LibreOffice: every signature
line (author, co-signer, prescriber attestation), the diagnosis, and on a draft the findings that
block signing in a box under the DRAFT banner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kapnotes.rendering import build_note, export_note

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


def _docx_text(doc, sid: str, tmp_path: Path) -> str:
    session = next(s for c in doc.courses for s in c.sessions if s.id == sid)
    note = build_note(session, format="kap-dosing", document=doc)
    path = tmp_path / f"{sid}.docx"
    path.write_bytes(export_note(note, to="docx"))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "txt:Text", "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return (tmp_path / f"{sid}.txt").read_text(encoding="utf-8-sig")


def test_the_word_dosing_drafts_show_attestation_diagnosis_and_blocking_findings(
    demo_doc, tmp_path
) -> None:
    text = _docx_text(demo_doc, "cl-002-dose-03", tmp_path)  # the at-risk session
    draft = text.index("DRAFT")
    box = text.index("Signing is blocked")
    title = text.index("KAP dosing session record")
    assert draft < box < title  # the box is under the DRAFT banner, before the note
    assert "KAP-RISK-002" in text[box:title] and "KAP-RISK-003" in text[box:title]
    assert "KAP-GO-002" not in text[box:title]  # a warning does not block signing
    assert "Diagnosis: F33.1" in text
    assert "prescriber attestation" in text.lower() and "Dr. Lee Ames" in text
    assert "co-signer (supervisor)" in text  # th-kim is pre-licensed


def test_the_word_esketamine_draft_has_every_signature_line_and_no_box(demo_doc, tmp_path) -> None:
    text = _docx_text(demo_doc, "cl-004-dose-01", tmp_path)
    assert "Signing is blocked" not in text
    assert "Diagnosis:" in text
    lower = text.lower()
    assert "author" in lower and "prescriber attestation" in lower
    assert "mg/kg" not in text


def _pdf_lines(note, tmp_path: Path) -> list[str]:
    """The note in Word, laid out by LibreOffice as a PDF and read back with its layout."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    path = tmp_path / "note.docx"
    path.write_bytes(export_note(note, to="docx"))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    subprocess.run(["pdftotext", "-layout", str(tmp_path / "note.pdf")], check=True, timeout=60)
    return (tmp_path / "note.txt").read_text(encoding="utf-8").splitlines()


def test_the_word_timeline_headers_do_not_break_mid_word(demo_doc, tmp_path) -> None:
    """The monitoring timeline's header keeps ``MOAA/S`` and ``CADSS`` whole (they broke as
    ``MOAA/ S`` and ``CADS S``)."""
    session = next(s for c in demo_doc.courses for s in c.sessions if s.id == "cl-004-dose-01")
    lines = _pdf_lines(build_note(session, format="kap-dosing", document=demo_doc), tmp_path)
    headers = [line.split() for line in lines if line.split()[:2] == ["Min", "Time"]]
    assert headers, "the monitoring timeline header was not found"
    for words in headers:
        assert "MOAA/S" in words and "CADSS" in words, words


def test_the_word_outcome_table_headers_do_not_break_mid_word(demo_doc, tmp_path) -> None:
    """The ten-column outcome table of the progress note is set smaller rather than breaking
    its header words (``Chan ge``)."""
    session = demo_doc.courses[0].sessions[-1]
    lines = _pdf_lines(build_note(session, format="progress", document=demo_doc), tmp_path)
    header = [line.split() for line in lines if line.split()[:2] == ["Measure", "Baseline"]]
    assert header, "the outcome table header was not found"
    words = header[0]
    for word in ("Latest", "Change", "Response", "Remission", "Reliable", "Complete"):
        assert word in words, words
