"""The Word exporter, read back with python-docx (headers, footers and tables included)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import attrs
import docx
import pytest
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kapnotes.errors import KapnotesError
from kapnotes.exporters import DRAFT_MARK, ExportError, TemplateError
from kapnotes.exporters.docx import export
from kapnotes.exporting import ExportOptions
from kapnotes.notes.document import (
    Figure,
    Letterhead,
    Note,
    Paragraph,
    PatientBanner,
    Section,
    Table,
)
from kapnotes.notes.sanitize import PLACEHOLDERS, clean
from tests.readers import docx_all_text, docx_footer_xml, docx_header_text

from .conftest import ODD_STRINGS
from .notes import HASH_AUTHOR, empty_note, note_with_text


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in sorted(z.namelist())}


def read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


# --- content -------------------------------------------------------------------------------------


def test_every_piece_of_text_is_in_the_document(note: Note) -> None:
    text = docx_all_text(export(note))
    missing = [t for t in note.iter_text() if t not in text]
    assert not missing


def test_draft_every_piece_of_text_and_the_draft_mark(draft: Note) -> None:
    data = export(draft)
    text = docx_all_text(data)
    assert [t for t in draft.iter_text() if t not in text] == []
    assert DRAFT_MARK in docx_header_text(data), "the draft mark is on every page"
    body = [p.text for p in read(data).paragraphs]
    assert body[0].startswith(DRAFT_MARK), "and at the top of the note"
    assert "Not signed" in text and "Signature: ____" in text


def test_signed_note_has_no_draft_mark(note: Note) -> None:
    text = docx_all_text(export(note))
    assert DRAFT_MARK not in text
    assert "Electronically signed by Dr. Avery Example, MD" in text
    assert HASH_AUTHOR in text, "the full hash"
    assert f"{HASH_AUTHOR[:12]}…{HASH_AUTHOR[-8:]}" in text, "and the short one"


def test_page_header_has_letterhead_and_client_banner(note: Note) -> None:
    header = docx_header_text(export(note))
    for piece in (
        "Synthetic Harbor Psychiatry",
        "Tel (555) 010-0100",
        "Jordan Q. Testperson",
        "DOB: 1984-07-19",
        "MRN: SYN-004217",
    ):
        assert piece in header


def test_footer_has_page_x_of_y_fields_and_confidentiality(note: Note) -> None:
    xml = docx_footer_xml(export(note))
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", xml)
    assert [i.strip() for i in instructions] == ["PAGE", "NUMPAGES"]
    assert xml.count('w:fldCharType="begin"') == 2 and xml.count('w:fldCharType="end"') == 2
    footer_text = "\n".join(p.text for p in read(export(note)).sections[0].footer.paragraphs)
    assert "Page 1 of 1" in footer_text
    assert note.confidentiality in footer_text


def test_tables_header_row_bold_shaded_repeated(note: Note) -> None:
    doc = read(export(note))
    vitals = next(t for t in doc.tables if t.rows[0].cells[0].text == "Time")
    assert len(vitals.rows) == 16
    assert vitals.style.name == "Table Grid"
    header_tr = vitals.rows[0]._tr
    assert header_tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    for cell in vitals.rows[0].cells:
        assert all(run.bold for run in cell.paragraphs[0].runs)
        assert cell._tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}").get(qn("w:fill")) == "D9E2F3"
    assert [c.text for c in vitals.rows[1].cells] == list(
        note.section("monitoring").blocks[0].rows[0]
    )


def test_facts_table_pairs_and_fields_table(note: Note) -> None:
    doc = read(export(note))
    facts = doc.tables[0]
    assert [c.text for c in facts.rows[0].cells] == [
        "Date of service",
        "2026-03-02",
        "Session",
        "Dosing session 3 of 6",
    ]
    fields = next(t for t in doc.tables if t.rows[0].cells[0].text == "Medication")
    assert [(r.cells[0].text, r.cells[1].text) for r in fields.rows][2] == (
        "Dose",
        "0.5 mg/kg = 35 mg",
    )


def test_headings_paragraph_labels_and_bullets(note: Note) -> None:
    doc = read(export(note))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in note.sections] + ["Signatures", "Addenda"]
    assert [p.text for p in doc.paragraphs if p.style.name == "Title"] == [note.title]
    labelled = next(p for p in doc.paragraphs if p.text.startswith("Chief concern:"))
    assert labelled.runs[0].bold and labelled.runs[0].text == "Chief concern:"
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets[0].startswith("Informed consent")
    multi = next(p for p in doc.paragraphs if p.text.startswith("Intention for today"))
    assert "\n" in multi.text, "a line break in the text is a line break in Word"


def test_figure_is_embedded_with_width_and_alt_text(note: Note) -> None:
    data = export(note)
    doc = read(data)
    (shape,) = doc.inline_shapes
    assert abs(shape.width.inches - 4.0) < 0.01
    assert shape._inline.docPr.get("descr") == "Heart rate over the session (synthetic)"
    assert any(name.startswith("word/media/") for name in parts(data))


def test_figure_wider_than_the_page_is_scaled_to_the_text_width(note: Note) -> None:
    wide = attrs.evolve(note.section("monitoring").blocks[1], width_in=20.0)
    section = attrs.evolve(note.section("monitoring"), blocks=(wide,))
    doc = read(export(attrs.evolve(note, sections=(section,))))
    s = doc.sections[0]
    assert doc.inline_shapes[0].width <= s.page_width - s.left_margin - s.right_margin


def test_a_figure_that_is_not_a_png_is_a_clear_error(note: Note) -> None:
    bad = Section("f", "F", (Figure(b"not an image", caption="Broken chart"),))
    with pytest.raises(ExportError, match="Broken chart"):
        export(attrs.evolve(note, sections=(bad,)))


def test_addenda_after_the_body_with_their_signatures(note: Note) -> None:
    doc = read(export(note))
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("Addenda") > texts.index("Signatures")
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert h2 == ["Addendum 1 — 2026-03-04 10:12 +00:00", "Amendment 2 — 2026-03-05 08:45 +00:00"]
    all_text = docx_all_text(export(note))
    assert "Reason" in all_text and "Transcription error in the lot number" in all_text


def test_core_properties_come_from_the_note(note: Note) -> None:
    props = read(export(note)).core_properties
    assert props.title == note.title
    assert props.author == note.author
    assert props.subject == note.subject
    assert props.created == dt.datetime(2026, 3, 2, 14, 55, tzinfo=dt.timezone.utc)
    assert props.modified == props.created
    assert "kap-dosing" in props.keywords
    assert props.category == "Clinical note"
    assert props.content_status == "Amended"
    assert props.revision == 3


def test_page_setup_and_house_style(note: Note) -> None:
    doc = read(export(note))
    section = doc.sections[0]
    assert abs(section.left_margin.cm - 2) < 0.01 and abs(section.top_margin.cm - 2) < 0.01
    normal = doc.styles["Normal"]
    assert normal.font.name == "Calibri" and normal.font.size.pt == 10.5


# --- determinism ---------------------------------------------------------------------------------


def test_same_note_same_xml_in_every_part(note: Note, draft: Note) -> None:
    for n in (note, draft, attrs.evolve(note, created=None)):
        assert parts(export(n)) == parts(export(n))


def test_different_notes_differ(note: Note, draft: Note) -> None:
    assert parts(export(note))["word/document.xml"] != parts(export(draft))["word/document.xml"]


# --- any text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_odd_text_everywhere_renders(text: str) -> None:
    data = export(note_with_text(text))
    all_text = docx_all_text(data)
    if clean(text).strip():
        assert clean(text) in all_text
    read(data)  # python-docx can open it again


def test_control_characters_are_shown_as_pictures() -> None:
    data = export(note_with_text("a\x00b\x1bc\x0bd"))
    assert "a\u2400b\u241bc\u240bd" in docx_all_text(data)


PROBE = "Probe"


def probe_note(text: str) -> Note:
    return Note(
        title="Probe note",
        format="test",
        letterhead=Letterhead("Clinic"),
        patient=PatientBanner(text, None, None),
        facts=(("Fact", text),),
        sections=(Section("s", "S", (Paragraph(text, label=PROBE), Table(("C",), ((text,),)))),),
        status="signed",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_renders_and_its_printable_content_survives(text: str) -> None:
    doc = read(export(probe_note(text)))
    para = next(p for p in doc.paragraphs if p.text.startswith(PROBE + ":"))
    assert para.text == f"{PROBE}: {clean(text)}"
    cell = next(t for t in doc.tables if t.rows[0].cells[0].text == "C").rows[1].cells[0]
    assert cell.text == clean(text)
    assert printable(para.text[len(PROBE) + 2 :]) == printable(text)


def printable(text: str) -> str:
    """The printable characters of ``text``, the sanitizer's placeholders left out."""
    return "".join(c for c in text if c.isprintable() and c not in PLACEHOLDERS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(exclude_categories=())))
def test_any_code_points_even_surrogates_render(text: str) -> None:
    doc = read(export(probe_note(text)))
    assert any(p.text == f"{PROBE}: {clean(text)}" for p in doc.paragraphs)


# --- template ------------------------------------------------------------------------------------


def make_template(path: Path, *, drop: tuple[str, ...] = (), first_page: bool = False) -> Path:
    doc = docx.Document()
    header = doc.sections[0].header
    header.paragraphs[0].text = "ACME TEMPLATE LETTERHEAD"
    doc.sections[0].footer.paragraphs[0].text = "Template footer line"
    if first_page:
        doc.sections[0].different_first_page_header_footer = True
        doc.sections[0].first_page_header.paragraphs[0].text = "FIRST PAGE LETTERHEAD"
    doc.add_paragraph("Template body text that must be discarded")
    doc.styles["Normal"].font.name = "Georgia"
    for name in drop:
        element = doc.styles[name].element
        element.getparent().remove(element)
    doc.save(path)
    return path


def test_template_styles_and_header_are_used(note: Note, tmp_path: Path) -> None:
    template = make_template(tmp_path / "clinic.docx")
    data = export(note, ExportOptions(template=template))
    doc = read(data)
    header = docx_header_text(data)
    assert "ACME TEMPLATE LETTERHEAD" in header, "the template's letterhead is kept"
    assert "Jordan Q. Testperson" in header and "MRN: SYN-004217" in header
    assert "Synthetic Harbor Psychiatry" not in header, "no second letterhead"
    footer = "\n".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert "Template footer line" in footer and "Page 1 of 1" in footer
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "must be discarded" not in body
    assert note.title in body
    assert doc.styles["Normal"].font.name == "Georgia", "the template's styles are not changed"
    text = docx_all_text(data)
    assert [
        t
        for t in note.iter_text()
        if t not in text and t not in note.letterhead.lines and t != note.letterhead.clinic_name
    ] == []


def test_template_first_page_header_also_gets_the_banner(draft: Note, tmp_path: Path) -> None:
    template = make_template(tmp_path / "clinic.docx", first_page=True)
    doc = read(export(draft, ExportOptions(template=template)))
    first = "\n".join(p.text for p in doc.sections[0].first_page_header.paragraphs)
    assert "FIRST PAGE LETTERHEAD" in first and "MRN: SYN-004217" in first
    assert DRAFT_MARK in first


def test_template_without_header_gets_the_kapnotes_letterhead(note: Note, tmp_path: Path) -> None:
    path = tmp_path / "plain.docx"
    docx.Document().save(path)
    header = docx_header_text(export(note, ExportOptions(template=path)))
    assert "Synthetic Harbor Psychiatry" in header and "MRN: SYN-004217" in header


def test_template_missing_styles_is_a_clear_error(note: Note, tmp_path: Path) -> None:
    template = make_template(tmp_path / "broken.docx", drop=("Table Grid", "List Bullet"))
    with pytest.raises(TemplateError) as caught:
        export(note, ExportOptions(template=template))
    err = caught.value
    assert isinstance(err, KapnotesError)
    assert err.missing_styles == ("List Bullet", "Table Grid")
    message = str(err)
    assert "'Table Grid'" in message and "'List Bullet'" in message
    assert str(template) in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"this is not a Word file", "not a Word .docx file"), (None, "cannot be read")],
)
def test_bad_template_file_is_a_clear_error(
    note: Note, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "template.docx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TemplateError, match=re.escape(expected)) as caught:
        export(note, ExportOptions(template=path))
    assert str(path) in str(caught.value)


def test_a_zip_that_is_not_a_word_file_is_a_clear_error(note: Note, tmp_path: Path) -> None:
    path = tmp_path / "template.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(TemplateError, match=re.escape("not a Word .docx file")):
        export(note, ExportOptions(template=path))


def test_dotx_template_is_accepted(note: Note, tmp_path: Path) -> None:
    docx_path = make_template(tmp_path / "clinic.docx")
    dotx_path = tmp_path / "clinic.dotx"
    with zipfile.ZipFile(docx_path) as src, zipfile.ZipFile(dotx_path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(info, data)
    header = docx_header_text(export(note, ExportOptions(template=dotx_path)))
    assert "ACME TEMPLATE LETTERHEAD" in header


def test_edited_template_is_picked_up(note: Note, tmp_path: Path) -> None:
    path = make_template(tmp_path / "clinic.docx")
    export(note, ExportOptions(template=path))
    doc = docx.Document(path)
    doc.sections[0].header.paragraphs[0].text = "NEW LETTERHEAD"
    doc.save(path)
    assert "NEW LETTERHEAD" in docx_header_text(export(note, ExportOptions(template=path)))


def test_a_minimal_note_with_empty_blocks_is_valid(tmp_path: Path) -> None:
    data = export(empty_note())
    xml = parts(data)["word/document.xml"].decode()
    for table in re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S):
        assert "<w:tr" in table, "a table without rows is invalid"
    assert "Empty caption" in docx_all_text(data)
