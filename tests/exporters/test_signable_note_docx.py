"""The Word dosing note a prescriber would sign, read back through LibreOffice: every signature
line (author, co-signer, prescriber attestation), the diagnosis, and on a draft the findings that
block signing in a box under the DRAFT banner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kapnotes.rendering import build_note, export_note

pytestmark = [
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed"),
    pytest.mark.slow,  # LibreOffice: not in `make test-fast`
]

#: The notes read back: (session, format, what LibreOffice converts it to).
NOTES = {
    "dosing-draft": ("cl-002-dose-03", "kap-dosing", "txt:Text"),  # the at-risk session
    "esketamine-draft": ("cl-004-dose-01", "kap-dosing", "txt:Text"),
    "timeline": ("cl-004-dose-01", "kap-dosing", "pdf"),
    "outcomes": (None, "progress", "pdf"),  # the first course's last session
}


@pytest.fixture(scope="module")
def read_back(demo_doc, tmp_path_factory) -> dict[str, str]:
    """Each note of ``NOTES`` in Word, read back by LibreOffice: the text of the text export,
    or the lines of ``pdftotext -layout`` of the PDF. One LibreOffice run per target."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    tmp = tmp_path_factory.mktemp("signable")
    sessions = {s.id: s for c in demo_doc.courses for s in c.sessions}
    by_target: dict[str, list[Path]] = {}
    for name, (sid, fmt, target) in NOTES.items():
        session = sessions[sid] if sid else demo_doc.courses[0].sessions[-1]
        path = tmp / f"{name}.docx"
        path.write_bytes(export_note(build_note(session, format=fmt, document=demo_doc), to="docx"))
        by_target.setdefault(target, []).append(path)
    for target, paths in by_target.items():
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/lo",
             "--convert-to", target, "--outdir", str(tmp), *map(str, paths)],
            check=True, capture_output=True, timeout=180,
        )
    out = {}
    for name, (_, _, target) in NOTES.items():
        if target == "pdf":
            subprocess.run(["pdftotext", "-layout", str(tmp / f"{name}.pdf")], check=True, timeout=60)
        out[name] = (tmp / f"{name}.txt").read_text(encoding="utf-8-sig")
    return out


def test_the_word_dosing_drafts_show_attestation_diagnosis_and_blocking_findings(read_back) -> None:
    text = read_back["dosing-draft"]
    draft = text.index("DRAFT")
    box = text.index("Signing is blocked")
    title = text.index("KAP dosing session record")
    assert draft < box < title  # the box is under the DRAFT banner, before the note
    assert "KAP-RISK-002" in text[box:title] and "KAP-RISK-003" in text[box:title]
    assert "KAP-GO-002" not in text[box:title]  # a warning does not block signing
    assert "Diagnosis: F33.1" in text
    assert "prescriber attestation" in text.lower() and "Dr. Lee Ames" in text
    assert "co-signer (supervisor)" in text  # th-kim is pre-licensed


def test_the_word_esketamine_draft_has_every_signature_line_and_no_box(read_back) -> None:
    text = read_back["esketamine-draft"]
    assert "Signing is blocked" not in text
    assert "Diagnosis:" in text
    lower = text.lower()
    assert "author" in lower and "prescriber attestation" in lower
    assert "mg/kg" not in text


def test_the_word_timeline_headers_do_not_break_mid_word(read_back) -> None:
    """The monitoring timeline's header keeps ``MOAA/S`` and ``CADSS`` whole (they broke as
    ``MOAA/ S`` and ``CADS S``)."""
    lines = read_back["timeline"].splitlines()
    headers = [line.split() for line in lines if line.split()[:2] == ["Min", "Time"]]
    assert headers, "the monitoring timeline header was not found"
    for words in headers:
        assert "MOAA/S" in words and "CADSS" in words, words


def test_the_word_outcome_table_headers_do_not_break_mid_word(read_back) -> None:
    """The ten-column outcome table of the progress note is set smaller rather than breaking
    its header words (``Chan ge``)."""
    lines = read_back["outcomes"].splitlines()
    header = [line.split() for line in lines if line.split()[:2] == ["Measure", "Baseline"]]
    assert header, "the outcome table header was not found"
    words = header[0]
    for word in ("Latest", "Change", "Response", "Remission", "Reliable", "Complete"):
        assert word in words, words
