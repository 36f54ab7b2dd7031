"""The Word exporter's XML text builders write what python-docx (lxml) writes for the same text,
and its package writer a valid, deterministic zip."""

from __future__ import annotations

import io
import zipfile

import attrs
import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls
from docx.text.paragraph import Paragraph as DocxParagraph
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kapnotes.exporters.docx import export
from kapnotes.exporters.docx_xml import Para, attr, run, text
from kapnotes.notes.sanitize import docx_text

from .notes import full_note

W = nsdecls("w")


def _lxml_run(value: str, *, bold: bool, half_points: int | None) -> str:
    """The ``w:r`` python-docx builds for ``add_run(value)`` (bold, sized), serialized."""
    p = DocxParagraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    r = p.add_run(value)
    if bold:
        r.bold = True
    if half_points is not None:
        r.font.size = docx.shared.Pt(half_points / 2)
    xml = etree.tostring(r._r, encoding="unicode")
    return xml.replace(f" {W}", "")


@settings(max_examples=150, deadline=None)
@given(st.text(), st.booleans(), st.sampled_from([None, 18, 22]))
def test_a_run_is_what_python_docx_writes(value: str, bold: bool, size: int | None) -> None:
    clean = docx_text(value)
    assert run(clean, bold=bold, half_points=size) == _lxml_run(clean, bold=bold, half_points=size)


def test_runs_of_odd_text() -> None:
    for value in ("", " ", "a\tb", "\n", "x\n\ny ", "<&>]]>", " lead", "trail\u00a0", "\u3000"):
        assert run(value) == _lxml_run(value, bold=False, half_points=None), repr(value)


@given(st.text())
def test_escaping_is_lxmls(value: str) -> None:
    clean = docx_text(value)
    element = etree.Element("a", b=clean)
    element.text = clean
    assert etree.tostring(element, encoding="unicode") == f'<a b="{attr(clean)}">{text(clean)}</a>'


def test_an_empty_paragraph_and_one_with_properties() -> None:
    assert Para(None).xml() == "<w:p/>"
    p = Para("KAPMeta", "x")
    p.after = 160
    p.jc = "center"
    assert p.xml() == (
        '<w:p><w:pPr><w:pStyle w:val="KAPMeta"/><w:spacing w:after="160"/><w:jc w:val="center"/>'
        "</w:pPr><w:r><w:t>x</w:t></w:r></w:p>"
    )


def test_same_note_same_bytes() -> None:
    note = full_note()
    assert export(note) == export(note)
    assert export(attrs.evolve(note, created=None)) == export(attrs.evolve(note, created=None))


def test_the_zip_is_valid_deflated_and_dated_by_the_note() -> None:
    note = full_note()
    with zipfile.ZipFile(io.BytesIO(export(note))) as z:
        assert z.testzip() is None
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
        assert {i.date_time for i in infos} == {(2026, 3, 2, 14, 55, 0)}  # note.created, UTC
        assert len({i.filename for i in infos}) == len(infos)


def test_a_note_without_any_time_is_dated_1980() -> None:
    """The first day a zip can hold; never the clock."""
    note = attrs.evolve(full_note(), created=None, signatures=(), addenda=())
    with zipfile.ZipFile(io.BytesIO(export(note))) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
