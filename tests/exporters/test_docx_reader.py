"""A real reader: the Word notes opened by LibreOffice, printed to PDF, read with pdftotext."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kapnotes.exporters import DRAFT_MARK
from kapnotes.exporters.docx import export
from tests.readers import docx_to_pdf, pdf_page_png, pdf_pages, require_soffice

from .conftest import ODD_STRINGS
from .notes import draft_note, full_note, note_with_text

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The full and the draft note as PDFs (one LibreOffice run, private profile)."""
    require_soffice()
    work = tmp_path_factory.mktemp("libreoffice")
    sources = {
        "full": full_note(),
        "draft": draft_note(),
        "odd": note_with_text("\n".join(ODD_STRINGS)),
    }
    paths = []
    for name, note in sources.items():
        path = work / f"{name}-note.docx"
        path.write_bytes(export(note))
        paths.append(path)
    converted = docx_to_pdf(paths, work / "pdf", work / "profile")
    return dict(zip(sources, converted, strict=True))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_signed_note_as_printed(pdfs: dict[str, Path]) -> None:
    pages = pdf_pages(pdfs["full"])
    text = squash("\n".join(pages))
    note = full_note()
    assert note.title in text
    for section in note.sections:
        assert section.heading in text
    assert "Signatures" in text and "Addenda" in text
    assert "SYN-LOT-0042 / 2027-05" in text, "a fields table value"
    assert "Dose given" in text, "a table value"
    assert "Electronically signed by Dr. Avery Example, MD on 2026-03-02 15:10:42 UTC" in text
    assert DRAFT_MARK not in text
    assert len(pages) >= 2


def test_every_page_has_the_banner_page_numbers_and_confidentiality(
    pdfs: dict[str, Path],
) -> None:
    pages = pdf_pages(pdfs["full"])
    total = len(pages)
    for k, page in enumerate(pages, start=1):
        flat = squash(page)
        assert f"Page {k} of {total}" in flat, f"page {k}"
        assert "MRN: SYN-004217" in flat and "Jordan Q. Testperson" in flat, f"page {k}"
        assert "DOB: 1984-07-19" in flat, f"page {k}"
        assert "CONFIDENTIAL: protected health information" in flat, f"page {k}"
        assert "Synthetic Harbor Psychiatry" in flat, f"page {k}"


def test_draft_is_marked_on_every_page(pdfs: dict[str, Path]) -> None:
    pages = pdf_pages(pdfs["draft"])
    assert "Page 1 of" in pages[0]
    for k, page in enumerate(pages, start=1):
        assert DRAFT_MARK in page, f"page {k}"
    assert "This note has not been signed" in squash(pages[0])
    assert "Not signed" in squash("\n".join(pages))


def test_odd_unicode_and_control_characters_open_and_print(pdfs: dict[str, Path]) -> None:
    text = squash("\n".join(pdf_pages(pdfs["odd"])))
    for piece in ("ANSI red", "vertical", "paired", "non-characters", "AT&T", "中文"):
        assert piece in text
    assert "\u241b" in text, "ESC shown as its control picture"


def test_first_page_renders_to_an_image(pdfs: dict[str, Path]) -> None:
    png = pdf_page_png(pdfs["full"], page=1, resolution=60)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
