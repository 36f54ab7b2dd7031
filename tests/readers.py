"""Real readers for the files kapnotes writes, for tests: python-docx, LibreOffice, poppler.

* :func:`docx_all_text` reads a .docx back with python-docx: body paragraphs and tables, and
  every page header and footer (tables in them too), in document order.
* :func:`docx_to_pdf` converts a .docx to PDF with LibreOffice headless (``soffice``), with a
  private user profile so that parallel test runs do not clash. :func:`require_soffice` skips the
  calling test, with the reason, when LibreOffice is not installed.
* :func:`pdf_text` extracts the text of a PDF with ``pdftotext -layout`` (pages are separated by
  form feeds, ``"\\f"``); :func:`pdf_pages` splits it by page; :func:`pdf_page_png` renders a page
  to PNG with ``pdftoppm``, to look at it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.table import Table

SOFFICE_TIMEOUT = 120


def soffice() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The LibreOffice executable; skips the calling test (with the reason) when it is missing."""
    exe = soffice()
    if exe is None:
        pytest.skip("soffice not installed: install LibreOffice (libreoffice-writer) to run it")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed: install poppler-utils to run it")
    return exe


def docx_to_pdf(docx_paths: list[Path], outdir: Path, profile_dir: Path) -> list[Path]:
    """Convert .docx files to PDF in ``outdir`` with one LibreOffice run; the PDF paths.

    :param profile_dir: an empty directory for LibreOffice's user profile (private to the run).
    :raises AssertionError: LibreOffice failed or did not write a PDF.
    """
    exe = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        exe,
        f"-env:UserInstallation={profile_dir.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *(str(p) for p in docx_paths),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, check=False)
    pdfs = [outdir / (p.stem + ".pdf") for p in docx_paths]
    missing = [p.name for p in pdfs if not p.exists()]
    assert not missing, (
        f"LibreOffice did not convert {missing} (exit {done.returncode}):\n"
        f"{done.stdout}\n{done.stderr}"
    )
    return pdfs


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (``pdftotext -layout``); pages end with a form feed."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode("utf-8")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF."""
    pages = pdf_text(pdf).split("\f")
    return [p for p in pages if p.strip()]


def pdf_page_png(pdf: Path, page: int = 1, resolution: int = 60) -> Path:
    """Render one page (from 1) to ``<pdf stem>-<page>.png`` next to the PDF, to look at it."""
    prefix = pdf.with_name(f"{pdf.stem}-page")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(resolution),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return prefix.with_suffix(".png")


def docx_all_text(data: bytes) -> str:
    """Every piece of text in a .docx, one paragraph per line: headers, body, tables, footers."""
    doc = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    for section in doc.sections:
        for hf in (
            section.header,
            section.first_page_header,
            section.even_page_header,
            section.footer,
            section.first_page_footer,
            section.even_page_footer,
        ):
            if not hf.is_linked_to_previous:
                parts.extend(_container_text(hf))
    parts.extend(_container_text(doc))
    return "\n".join(parts)


def docx_header_text(data: bytes) -> str:
    """The text of the primary page header of the first section."""
    doc = docx.Document(io.BytesIO(data))
    return "\n".join(_container_text(doc.sections[0].header))


def docx_footer_xml(data: bytes) -> str:
    """The XML of the primary page footer of the first section."""
    doc = docx.Document(io.BytesIO(data))
    return doc.sections[0].footer.part.blob.decode("utf-8")


def _container_text(container: object) -> Iterator[str]:
    for item in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from _container_text(cell)
        else:
            yield item.text
