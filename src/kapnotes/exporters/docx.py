"""Word (.docx) exporter: a :class:`~kapnotes.notes.document.Note` as a professional clinical note.

How the file is made (see ``docs/architecture.md``): each base document — python-docx's default
template in the house style, or a clinic template — is prepared once with python-docx's public
layer (``Document``, ``styles``, ``sections``, headers and footers, ``core_properties``,
``save``) and kept as a :class:`~kapnotes.exporters.docx_package.BasePackage`. Each note is then
written as WordprocessingML text (:mod:`kapnotes.exporters.docx_xml`: the elements, attribute
order and escaping python-docx writes) into that package's body, page headers and page footers;
its core properties are set through python-docx's ``CoreProperties``; the zip is written with
the unchanged parts copied already compressed. Tables are written row by row, each row kept
together on a page, the header row of a data table repeated on every page; page numbers are
PAGE / NUMPAGES fields; paragraph and table styles are written as the style ids resolved once
per base document.

Layout
------

* **Page header, on every page**: the clinic letterhead (name and lines) on the left, the client
  (name, date of birth, MRN) on the right, then a rule; a draft carries ``DRAFT — NOT SIGNED`` in
  red under the rule on every page.
* **Page footer**: the confidentiality line, the note title and ``Page X of Y``.
* **Body**: for a draft, a red boxed ``DRAFT — NOT SIGNED`` notice; the title; a line with the
  subject, status, note format and creation time; the session facts table (label / value pairs,
  two per row); each section (heading, then its blocks); the signature blocks; the addenda.
* **Signature block**: a box with the statement (``Electronically signed by ...``), signer,
  credentials, role, time signed and the content hash, shortened for the eye and in full in small
  print. An unsigned block says ``Not signed`` and leaves a line to sign on.
* **Document properties**: title, author, subject, keywords, category, status, created and
  modified (from ``note.created``; a naive time is taken as UTC).

Output is deterministic: the same Note (and template) gives the same XML in every part, and the
same bytes (every zip entry carries the note's time: ``created``, else the latest signature or
addendum, else 1980-01-01). Still, to identify a note, hash the Note's JSON, not the .docx.

Styles
------

Without a template the document uses python-docx's default template, restyled: Calibri 10.5 pt
(table text 9.5 pt), 2 cm margins on US Letter, navy headings. The exporter also uses styles of
its own, all named ``KAP ...`` (``KAP Letterhead``, ``KAP Small``, ``KAP Rule``, ``KAP Draft``,
``KAP Meta``, ``KAP Caption``, ``KAP Compact``, ``KAP Spacer``, ``KAP Table``): they are added
when the document does not define them, so a clinic template may define any of them to restyle
that part.

Clinic template (``ExportOptions.template``)
-------------------------------------------

A path to a .docx (or .dotx) file. Its styles, page size, margins and page header and footer are
used; its body is discarded (put letterheads and logos in the page header).

* The template must define the styles in :data:`REQUIRED_STYLES`; otherwise
  :class:`~kapnotes.exporters.TemplateError` names every missing style and the template.
  (A template saved by Word lacks a built-in style it never used: apply the style once, delete the
  text, save.)
* The exporter does not restyle a template: fonts, sizes and colours are the clinic's.
* A template page header with any content (text, a logo) *is* the letterhead: it is kept, and the
  client banner (and draft mark) is added below it, on every page (first-page and even-page
  headers included). A template header without content is replaced by the kapnotes letterhead.
* A template page footer is kept, and the confidentiality line and ``Page X of Y`` are added
  below it; so a template footer should not carry page numbers of its own.
* A missing file, or a file that is not a Word document, raises
  :class:`~kapnotes.exporters.TemplateError` too.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section as DocxSection
from docx.section import _Footer, _Header
from docx.shared import Cm, Emu, Inches, Length, Pt, RGBColor
from docx.styles.style import ParagraphStyle

from kapnotes.exporters import (
    DRAFT_MARK,
    DRAFT_NOTICE,
    HASH_LABEL,
    ExportError,
    TemplateError,
    addendum_details,
    addendum_signature,
    addendum_title,
    label_text,
    name_with_credentials,
    note_meta,
    patient_banner,
    short_hash,
    signature_view,
    signatures_to_show,
)
from kapnotes.exporters.docx_package import SLOT_TAG, BasePackage, Pictures, core_properties
from kapnotes.exporters.docx_xml import (
    Cell,
    Para,
    border,
    field,
    row,
    run,
    table,
    table_properties,
)
from kapnotes.exporters.docx_xml import attr as xml_attr
from kapnotes.exporting import ExportOptions
from kapnotes.notes.document import (
    Block,
    BulletList,
    Fields,
    Figure,
    Note,
    Paragraph,
    Section,
    SignatureBlock,
    Table,
)
from kapnotes.notes.sanitize import docx_text, one_line

__all__ = ["MEDIA_TYPE", "REQUIRED_STYLES", "export"]

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: Styles a clinic template must define (name -> kind).
REQUIRED_STYLES: dict[str, WD_STYLE_TYPE] = {
    "Normal": WD_STYLE_TYPE.PARAGRAPH,
    "Title": WD_STYLE_TYPE.PARAGRAPH,
    "Heading 1": WD_STYLE_TYPE.PARAGRAPH,
    "Heading 2": WD_STYLE_TYPE.PARAGRAPH,
    "List Bullet": WD_STYLE_TYPE.PARAGRAPH,
    "Table Grid": WD_STYLE_TYPE.TABLE,
}

FONT = "Calibri"
BODY_SIZE = Pt(10.5)
MARGIN = Cm(2)
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
RED = RGBColor(0xC0, 0x00, 0x00)
RULE_COLOR = "8EA0BF"
HEADER_FILL = "D9E2F3"  # table header rows
LABEL_FILL = "F2F2F2"  # label cells of facts and fields
SIGNED_FILL = "F5F8FC"
DRAFT_FILL = "FDECEC"
FACTS_WIDTHS = (0.2, 0.3, 0.2, 0.3)
FIELDS_WIDTHS = (0.3, 0.7)
TEMPLATE_CT = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCUMENT_CT = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def export(note: Note, options: ExportOptions | None = None) -> bytes:
    """The note as a .docx file (bytes).

    :raises TemplateError: the template is missing, not a Word file, or lacks a needed style.
    :raises ExportError: a figure is not a readable PNG image.
    """
    options = options or ExportOptions()
    base = _house_package() if options.template is None else _template_package(Path(options.template))
    writer = _Writer(base, note)
    parts = writer.write()
    core = core_properties(base)
    if core is not None:
        _set_properties(core.core_properties, note)
    when = note.created or _latest_time(note)
    return base.write(parts, writer.pictures, core, _utc_naive(when) if when else None)


# --- base documents -------------------------------------------------------------------------------
#
# Restyling a document and adding the KAP styles costs more than writing a short note, and so do
# parsing a package and writing it back. So each base document (the house style, or a clinic
# template) is prepared once with python-docx — restyled, its body emptied, its page headers and
# footers made ready — and kept as a BasePackage: its unchanged parts compressed, and the body,
# headers and footers split where a note's XML goes. Templates are cached by the SHA-256 of their
# content, so an edited template is picked up at once.

_TEMPLATE_CACHE: dict[bytes, BasePackage] = {}
_TEMPLATE_CACHE_SIZE = 8


@functools.lru_cache(maxsize=1)
def _house_base() -> bytes:
    """python-docx's default template in the house style, with the KAP styles, as bytes."""
    doc = docx.Document()
    _restyle(doc)
    _set_page(doc.sections[0])
    _own_styles(doc)
    return _to_bytes(doc)


@functools.lru_cache(maxsize=1)
def _house_package() -> BasePackage:
    return _prepare_package(_house_base())


def _template_package(path: Path) -> BasePackage:
    """The template, prepared; every problem as a TemplateError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(path, f"cannot be read ({exc.strerror or exc})") from exc
    key = hashlib.sha256(data).digest()
    base = _TEMPLATE_CACHE.get(key)
    if base is None:
        base = _prepare_package(_prepare_template(path, data))
        if len(_TEMPLATE_CACHE) >= _TEMPLATE_CACHE_SIZE:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[key] = base
    return base


def _prepare_template(path: Path, data: bytes) -> bytes:
    """The template checked, with an empty body and the KAP styles, as bytes."""
    try:
        doc = docx.Document(io.BytesIO(_as_document_package(data)))
    except Exception as exc:  # python-docx raises many kinds on a bad file
        raise TemplateError(
            path, f"is not a Word .docx file ({type(exc).__name__}: {exc})"
        ) from exc
    _check_styles(doc, path)
    _clear_body(doc)
    _own_styles(doc)
    return _to_bytes(doc)


def _to_bytes(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _as_document_package(data: bytes) -> bytes:
    """A .dotx (Word template) package relabelled as a .docx, which python-docx opens."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data  # let python-docx say what is wrong
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        if "[Content_Types].xml" not in src.namelist():
            return data
        if TEMPLATE_CT not in src.read("[Content_Types].xml"):
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                content = src.read(info)
                if info.filename == "[Content_Types].xml":
                    content = content.replace(TEMPLATE_CT, DOCUMENT_CT)
                dst.writestr(info, content)
    return out.getvalue()


def _check_styles(doc: DocxDocument, path: Path) -> None:
    present = {(s.name, s.type) for s in doc.styles}
    missing = tuple(n for n, kind in REQUIRED_STYLES.items() if (n, kind) not in present)
    if missing:
        raise TemplateError(
            path,
            f"lacks the style{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            "that kapnotes needs (in Word: apply each style once, delete the text, save)",
            missing_styles=missing,
        )


def _clear_body(doc: DocxDocument) -> None:
    """Remove the template's body content, keeping its final section properties."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


# --- styles and page -----------------------------------------------------------------------------


def _restyle(doc: DocxDocument) -> None:
    """The house style, applied to python-docx's default template (never to a clinic's)."""
    styles = doc.styles
    _set_default_font(styles.element, FONT)
    normal = styles["Normal"]
    _set_font(normal, FONT, BODY_SIZE)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    for name, size, before, after in (
        ("Title", Pt(17), Pt(0), Pt(2)),
        ("Heading 1", Pt(12.5), Pt(12), Pt(4)),
        ("Heading 2", Pt(11), Pt(9), Pt(3)),
    ):
        style = styles[name]
        _set_font(style, FONT, size)
        style.font.bold = True
        style.font.color.rgb = NAVY
        style.paragraph_format.space_before = before
        style.paragraph_format.space_after = after
        style.paragraph_format.keep_with_next = True
    _border(styles["Title"].element, "bottom", RULE_COLOR, size=8, space=3, replace=True)
    _border(styles["Heading 1"].element, "bottom", RULE_COLOR, size=4, space=1)
    bullet = styles["List Bullet"].paragraph_format
    bullet.space_after = Pt(1)
    grid = styles["Table Grid"].paragraph_format
    grid.space_before = Pt(1.5)
    grid.space_after = Pt(1.5)
    grid.line_spacing = 1.0


_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme")


def _set_default_font(styles_element: Any, name: str) -> None:
    """The document default font: ``name`` instead of the theme's (Cambria in python-docx's)."""
    rfonts = styles_element.find(
        "/".join(qn(t) for t in ("w:docDefaults", "w:rPrDefault", "w:rPr", "w:rFonts"))
    )
    if rfonts is None:
        return
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), name)


def _set_font(style: Any, name: str, size: Length) -> None:
    """Font and size of a style, for every script; theme fonts (which would win) removed."""
    style.font.name = name
    style.font.size = size
    rpr = style.element.rPr
    for attr in (*_THEME_FONT_ATTRS, "w:eastAsiaTheme"):
        rpr.rFonts.attrib.pop(qn(attr), None)
    sz, szcs = rpr.find(qn("w:sz")), rpr.find(qn("w:szCs"))
    if szcs is None:
        szcs = OxmlElement("w:szCs")
        sz.addnext(szcs)
    szcs.set(qn("w:val"), sz.get(qn("w:val")))


def _set_page(section: DocxSection) -> None:
    section.top_margin = section.bottom_margin = MARGIN
    section.left_margin = section.right_margin = MARGIN
    section.header_distance = section.footer_distance = Cm(1)


def _own_styles(doc: DocxDocument) -> dict[str, ParagraphStyle]:
    """The ``KAP ...`` styles: the document's own if it defines them, else added here."""
    specs: dict[str, Callable[[ParagraphStyle], None]] = {
        "KAP Letterhead": lambda s: _style(s, size=12, bold=True, color=NAVY),
        "KAP Small": lambda s: _style(s, size=8, color=GREY),
        "KAP Rule": _rule_style,
        "KAP Draft": _draft_style,
        "KAP Meta": lambda s: _style(s, size=9, color=GREY, after=1),
        "KAP Caption": _caption_style,
        "KAP Compact": lambda s: _style(s, after=1),
        "KAP Spacer": lambda s: _style(s, size=6),
        "KAP Table": lambda s: _style(s, size=TABLE_TEXT_PT, before=1.5, after=1.5),
    }
    names = {s.name for s in doc.styles}
    out: dict[str, ParagraphStyle] = {}
    for name, build in specs.items():
        if name in names:
            out[name] = doc.styles[name]
            continue
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.quick_style = False
        build(style)
        out[name] = style
    return out


def _style(
    style: ParagraphStyle,
    *,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    color: RGBColor | None = None,
    before: float = 0,
    after: float = 0,
) -> None:
    if size is not None:
        style.font.size = Pt(size)
    style.font.bold = bold or None
    style.font.italic = italic or None
    if color is not None:
        style.font.color.rgb = color
    style.paragraph_format.space_before = Pt(before)
    style.paragraph_format.space_after = Pt(after)
    style.paragraph_format.line_spacing = 1.0


def _caption_style(style: ParagraphStyle) -> None:
    _style(style, size=9, italic=True, color=GREY, after=3)
    style.paragraph_format.keep_with_next = True


def _rule_style(style: ParagraphStyle) -> None:
    _style(style, size=9, bold=True, color=RED, after=8)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _border(style.element, "bottom", RULE_COLOR, size=6, space=1)


def _draft_style(style: ParagraphStyle) -> None:
    _style(style, size=13, bold=True, color=RED, after=10)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for side in ("top", "left", "bottom", "right"):
        _border(style.element, side, "C00000", size=12, space=4)
    _shade_ppr(style.element, DRAFT_FILL)



def _prepare_package(data: bytes) -> BasePackage:
    """A base document (empty body, KAP styles) ready for notes: its page headers and footers
    made as a note needs them, and a slot where a note's XML goes in each and in the body."""
    doc = docx.Document(io.BytesIO(data))
    section = doc.sections[-1]
    headers: dict[str, bool] = {}
    slots = []
    for header in _headers_in_use(doc, section):
        letterhead = not _has_content(header)
        if letterhead:
            _clear(header)  # (creates the header part when the section has none)
        if header.part not in slots:
            headers[_zip_name(header.part)] = letterhead
            slots.append(header.part)
    footers = []
    for footer in _footers_in_use(doc, section):
        if not _has_content(footer):
            _clear(footer)
        if footer.part not in slots:
            footers.append(_zip_name(footer.part))
            slots.append(footer.part)
    for part in slots:
        part.element.append(OxmlElement(SLOT_TAG))
    body = doc.element.body
    sect_pr = body.find(qn("w:sectPr"))
    if sect_pr is not None:
        sect_pr.addprevious(OxmlElement(SLOT_TAG))
    else:
        body.append(OxmlElement(SLOT_TAG))
    styles = {name: doc.styles[name] for name in REQUIRED_STYLES}
    styles.update(_own_styles(doc))
    default = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    ids: dict[str, str | None] = {
        name: (None if default is not None and style == default else style.style_id)
        for name, style in styles.items()
    }
    doc.core_properties  # noqa: B018 (python-docx adds the part to a package without one)
    package = doc.part.package
    assert package is not None
    core = next(
        r.target_part for r in package.rels.values()
        if not r.is_external and r.reltype == RT.CORE_PROPERTIES
    )
    root = doc.element.nsmap
    picture_ns = "".join(
        f' xmlns:{prefix}="{uri}"' for prefix, uri in _PICTURE_NS if root.get(prefix) != uri
    )
    return BasePackage(
        _to_bytes(doc),
        body=_zip_name(doc.part),
        headers=headers,
        footers=footers,
        core=_zip_name(core),
        style_ids=ids,
        width=int(_text_width(section)),
        picture_ns=picture_ns,
    )


_PICTURE_NS = (
    ("wp", "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"),
    ("a", "http://schemas.openxmlformats.org/drawingml/2006/main"),
    ("pic", "http://schemas.openxmlformats.org/drawingml/2006/picture"),
    ("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
)


def _zip_name(part: Any) -> str:
    return str(part.partname).lstrip("/")


# --- the writer ----------------------------------------------------------------------------------


class _Writer:
    """Writes one note as the XML of the slots of a base package (page headers, page footers,
    body), with :mod:`~kapnotes.exporters.docx_xml`.

    Paragraph and table styles are written as the style ids resolved once per base document.
    """

    def __init__(self, base: BasePackage, note: Note) -> None:
        self.base = base
        self.note = note
        self.ids = base.style_ids
        self.width = base.width  # EMU
        self.pictures = Pictures(base)
        self.body: list[Any] = []  # Para, _Tbl
        self._after = "start"  # what the body ends with: start, heading, text, caption, table
        self._blocks: dict[type, Callable[[Any], None]] = {
            Paragraph: self._paragraph,
            BulletList: self._bullets,
            Fields: self._fields,
            Table: self._table,
            Figure: self._figure,
            SignatureBlock: self._signature,
        }

    def write(self) -> dict[str, str]:
        """The XML of each slot: zip name -> XML."""
        out: dict[str, str] = {}
        for name, letterhead in self.base.headers.items():
            out[name] = self._header(letterhead)
        for name in self.base.footers:
            out[name] = self._footer()
        self._body()
        out[self.base.body_part] = "".join(item.xml() for item in self.body)
        return out

    # paragraphs and tables

    def _p(self, container: list[Any], text: str = "", style: str = "Normal") -> Para:
        """A paragraph added to ``container`` (body, cell, header), with a style by name."""
        p = Para(self.ids[style], text)
        container.append(p)
        return p

    def _new_table(self, widths: Sequence[float], *, fixed: bool) -> _Tbl:
        """An empty bordered table, centred, with columns of ``widths`` (fractions of the line)."""
        if self._after in ("table", "text"):  # adjacent tables would be joined into one
            self._p(self.body, style="KAP Spacer")
        columns = [_twips(int(self.width * fraction)) for fraction in widths]
        table = _Tbl(table_properties(self.ids["Table Grid"], center=True, fixed=fixed), columns)
        self.body.append(table)
        self._after = "table"
        return table

    # page header and footer

    def _header(self, letterhead: bool) -> str:
        items: list[Any] = []
        if letterhead:
            self._letterhead_and_banner(items)
        else:
            self._banner_line(items)
        rule = self._p(items, style="KAP Rule")
        if self.note.is_draft:
            rule.runs.append(run(DRAFT_MARK))
        return "".join(item if isinstance(item, str) else item.xml() for item in items)

    def _letterhead_and_banner(self, items: list[Any]) -> None:
        """A borderless two-column table: the clinic on the left, the client on the right."""
        widths = [_twips(int(self.width * fraction)) for fraction in (0.62, 0.38)]
        left, right = Cell(widths[0]), Cell(widths[1])
        lh = self.note.letterhead
        left.first.style = self.ids["KAP Letterhead"]
        left.first.runs.append(run(docx_text(lh.clinic_name)))
        for line in lh.lines:
            self._p(left.paragraphs, docx_text(line), "KAP Small")
        banner = patient_banner(self.note)
        first = right.first
        first.style = self.ids["KAP Letterhead"]
        first.jc = "right"
        first.runs.append(run(docx_text(banner[0][1]), half_points=_half_points(11)))
        for label, value in banner[1:]:
            p = self._p(right.paragraphs, style="KAP Small")
            p.jc = "right"
            p.runs.append(run(f"{label}: ", bold=True))
            p.runs.append(run(docx_text(value)))
        properties = table_properties(None, center=False, fixed=True)
        items.append(table(properties, widths, [row((left, right), keep_together=False)]))

    def _banner_line(self, items: list[Any]) -> None:
        """The client banner as one right-aligned line, under a template's own letterhead."""
        p = self._p(items, style="KAP Small")
        p.jc = "right"
        for i, (label, value) in enumerate(patient_banner(self.note)):
            p.runs.append(run(("    " if i else "") + f"{label}: ", bold=True))
            p.runs.append(run(docx_text(value)))

    def _footer(self) -> str:
        items: list[Any] = []
        conf = self._p(items, docx_text(self.note.confidentiality), "KAP Small")
        conf.borders = border("top", RULE_COLOR, size=4, space=3)
        line = self._p(items, style="KAP Small")
        line.tab_right = _twips(self.width)
        line.runs += [
            run(docx_text(one_line(self.note.title)) + "\t"),
            run("Page "),
            field("PAGE", "1"),
            run(" of "),
            field("NUMPAGES", "1"),
        ]
        return "".join(item.xml() for item in items)

    # body

    def _body(self) -> None:
        note = self.note
        if note.is_draft:
            p = self._p(self.body, DRAFT_MARK, "KAP Draft")
            p.runs.append(run("\n" + DRAFT_NOTICE, half_points=_half_points(9)))
            if note.blocking:
                box = self._p(self.body, "Signing is blocked until these findings are resolved:",
                              "KAP Draft")
                for line in note.blocking:
                    box.runs.append(run("\n\u2022 " + docx_text(line), half_points=_half_points(9)))
        self._p(self.body, docx_text(note.title), "Title")
        self._meta()
        if note.facts:
            self._facts(note.facts)
        for section in note.sections:
            self._section(section)
        self._signatures()
        self._addenda()

    def _meta(self) -> None:
        if self.note.subject:
            self._p(self.body, docx_text(self.note.subject), "KAP Meta")
        p = self._p(self.body, style="KAP Meta")
        p.after = _SPACE_8PT
        for i, (label, value) in enumerate(note_meta(self.note)):
            p.runs.append(run(("   ·   " if i else "") + f"{label}: "))
            p.runs.append(run(docx_text(value), bold=True))

    def _facts(self, facts: Sequence[tuple[str, str]]) -> None:
        """Session facts: label / value pairs, two pairs per row."""
        widths = FACTS_WIDTHS if len(facts) > 1 else FIELDS_WIDTHS
        table = self._new_table(widths, fixed=True)
        per_row = len(widths) // 2
        for start in range(0, len(facts), per_row):
            cells = table.add_row()
            for k, (label, value) in enumerate(facts[start : start + per_row]):
                self._label_cell(cells[2 * k], label)
                self._cell(cells[2 * k + 1], value)

    def _section(self, section: Section) -> None:
        self._heading(section.heading, "Heading 1")
        for block in section.blocks:
            self._block(block)

    def _heading(self, text: str, style: str) -> None:
        self._p(self.body, docx_text(text), style)
        self._after = "heading"

    def _block(self, block: Block) -> None:
        write = self._blocks.get(type(block))
        if write is None:  # a subclass of a block type
            kinds = [k for k in self._blocks if isinstance(block, k)]
            if not kinds:
                raise ExportError(f"the Word exporter cannot show a {type(block).__name__} block")
            write = self._blocks[kinds[0]]
        write(block)

    def _text(self, text: str, style: str = "Normal") -> Para:
        """A body paragraph; one right after a table gets a little space above it."""
        p = self._p(self.body, text, style)
        if self._after == "table":
            p.before = _SPACE_6PT
        self._after = "caption" if style == "KAP Caption" else "text"
        return p

    def _paragraph(self, block: Paragraph) -> None:
        p = self._text("")
        if block.label:
            p.runs.append(run(docx_text(label_text(block.label)), bold=True))
            p.runs.append(run(" "))
        p.runs.append(run(docx_text(block.text)))

    def _bullets(self, block: BulletList) -> None:
        for item in block.items:
            self._text(docx_text(item), "List Bullet")

    def _fields(self, block: Fields) -> None:
        if not block.items:  # a table without rows is not valid WordprocessingML
            return
        table = self._new_table(FIELDS_WIDTHS, fixed=True)
        for label, value in block.items:
            cells = table.add_row()
            self._label_cell(cells[0], label)
            self._cell(cells[1], value)

    def _table(self, block: Table) -> None:
        if block.caption:
            self._text(docx_text(block.caption), "KAP Caption")
        if not block.columns:
            return
        fractions, size = _table_layout(block)
        table = self._new_table(fractions, fixed=False)
        smaller = _half_points(size) if size < TABLE_TEXT_PT else None
        header = table.add_row(header=True)
        for cell, name in zip(header, block.columns, strict=True):
            cell.fill = HEADER_FILL
            self._cell(cell, name, bold=True, half_points=smaller)
        for values in block.rows:
            for cell, value in zip(table.add_row(), values, strict=True):
                self._cell(cell, value, half_points=smaller)

    def _figure(self, block: Figure) -> None:
        p = self._text("", "KAP Compact")
        p.jc = "center"
        p.keep_next = True
        p.before = _SPACE_6PT
        width = self.width if block.width_in <= 0 else min(Inches(block.width_in), self.width)
        try:
            image = Image.from_blob(block.image)
            cx, cy = image.scaled_dimensions(Emu(int(width)), None)
        except Exception as exc:  # python-docx raises many kinds on bad images
            raise ExportError(
                f"figure {one_line(block.caption)!r}: not a readable PNG image ({exc})"
            ) from exc
        rid, shape_id = self.pictures.add(image)
        p.runs.append(_picture_run(self.base.picture_ns, shape_id, rid, image.filename, cx, cy,
                                   one_line(block.caption)))
        caption = self._p(self.body, style="KAP Caption")
        caption.jc = "center"
        caption.runs.append(run("Figure: ", bold=True))
        caption.runs.append(run(docx_text(block.caption)))

    def _signature(self, sig: SignatureBlock) -> None:
        view = signature_view(sig)
        table = self._new_table((1.0,), fixed=True)
        (cell,) = table.add_row()
        cell.fill = SIGNED_FILL if view.signed else DRAFT_FILL
        accent = "1F3864" if view.signed else "C00000"
        cell.border_left = border("left", accent, size=18, space=0)
        head = cell.first
        head.style = self.ids["KAP Compact"]
        head.runs.append(run(docx_text(view.headline), bold=True,
                             color=str(NAVY if view.signed else RED)))
        for label, value in view.details:
            self._labelled(cell, label, value)
        if view.content_hash:
            self._labelled(cell, HASH_LABEL, short_hash(view.content_hash))
            self._p(cell.paragraphs, docx_text(view.content_hash), "KAP Small")
        if not view.signed:
            p = self._p(cell.paragraphs, style="KAP Compact")
            p.before = _SPACE_14PT
            p.runs.append(run("Signature: ______________________________    Date: ______________"))

    def _signatures(self) -> None:
        sigs = signatures_to_show(self.note)
        if not sigs:
            return
        self._heading("Signature" if len(sigs) == 1 else "Signatures", "Heading 1")
        for sig in sigs:
            self._signature(sig)

    def _addenda(self) -> None:
        if not self.note.addenda:
            return
        self._heading("Addenda", "Heading 1")
        for i, addendum in enumerate(self.note.addenda, start=1):
            self._heading(addendum_title(i, addendum), "Heading 2")
            self._fields(Fields(addendum_details(addendum)))
            self._text(docx_text(addendum.text))
            self._signature(addendum_signature(addendum))

    # small pieces

    def _label_cell(self, cell: Cell, label: str) -> None:
        cell.fill = LABEL_FILL
        self._cell(cell, label, bold=True)

    def _cell(
        self, cell: Cell, text: str, *, bold: bool = False, half_points: int | None = None
    ) -> None:
        """Text in a new (empty) table cell, in the table text style (``half_points``: smaller)."""
        p = cell.first
        p.style = self.ids["KAP Table"]
        p.runs.append(run(docx_text(text), bold=bold, half_points=half_points))

    def _labelled(self, cell: Cell, label: str, value: str) -> None:
        p = self._p(cell.paragraphs, style="KAP Compact")
        p.runs.append(run(f"{label}: ", bold=True))
        p.runs.append(run(docx_text(value)))


class _Tbl:
    """A body table being written: rows are added, each row's cells as wide as their column.

    Every row is kept together across pages; the cell widths are written as well as the grid's
    (LibreOffice lays a table out by its cells' widths, and without them shares the line
    equally: headers broke mid-word, ``MOAA/ S``, in narrow columns).
    """

    __slots__ = ("columns", "properties", "rows")

    def __init__(self, properties: str, columns: list[int]) -> None:
        self.properties = properties
        self.columns = columns
        self.rows: list[tuple[list[Cell], bool]] = []

    def add_row(self, *, header: bool = False) -> list[Cell]:
        """A new row (``header``: repeated at the top of every page of the table); its cells."""
        cells = [Cell(w) for w in self.columns]
        self.rows.append((cells, header))
        return cells

    def xml(self) -> str:
        rows = [row(cells, keep_together=True, header=header) for cells, header in self.rows]
        return table(self.properties, self.columns, rows)


def _twips(emu: int) -> int:
    """A length in twips, as python-docx rounds it."""
    twips: int = Emu(emu).twips
    return twips


def _half_points(points: float) -> int:
    """A font size in half-points, as python-docx writes ``Pt(points)``."""
    return int(Pt(points).pt * 2)


_SPACE_6PT = Pt(6).twips
_SPACE_8PT = Pt(8).twips
_SPACE_14PT = Pt(14).twips


def _picture_run(
    namespaces: str, shape_id: int, rid: str, filename: str, cx: int, cy: int, descr: str
) -> str:
    """A run with an inline picture (python-docx's ``wp:inline``, with alt text);
    ``namespaces``: the declarations it needs that the body's root does not make."""
    return (
        "<w:r><w:drawing>"
        f"<wp:inline{namespaces}>"
        f'<wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:docPr id="{shape_id}" name="Picture {shape_id}" descr="{xml_attr(descr)}"/>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="{xml_attr(filename)}"/><pic:cNvPicPr/>'
        f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/>'
        '</a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


# --- headers and footers -------------------------------------------------------------------------


def _headers_in_use(doc: DocxDocument, section: DocxSection) -> list[_Header]:
    """Every header a page of this section can show (first-page and even-page ones too)."""
    out = [section.header]
    if section.different_first_page_header_footer:
        out.append(section.first_page_header)
    if doc.settings.odd_and_even_pages_header_footer:
        out.append(section.even_page_header)
    return out


def _footers_in_use(doc: DocxDocument, section: DocxSection) -> list[_Footer]:
    out = [section.footer]
    if section.different_first_page_header_footer:
        out.append(section.first_page_footer)
    if doc.settings.odd_and_even_pages_header_footer:
        out.append(section.even_page_footer)
    return out


def _has_content(container: _Header | _Footer) -> bool:
    """Whether a header or footer shows anything (text, a table, a picture)."""
    if container.is_linked_to_previous:
        return False
    element = container.part.element
    return bool(element.xpath(".//w:t[normalize-space(.)] | .//w:drawing | .//w:pict | .//w:tbl"))


def _clear(container: _Header | _Footer) -> None:
    """Remove every paragraph and table of a header or footer."""
    element = container.part.element
    for child in list(element):
        if child.tag in (qn("w:p"), qn("w:tbl"), qn("w:sdt")):
            element.remove(child)


def _text_width(section: DocxSection) -> Length:
    """Width between the margins (6.5 in when a template does not say)."""
    page, left, right = section.page_width, section.left_margin, section.right_margin
    if page is None or left is None or right is None or page - left - right <= 0:
        return Inches(6.5)
    return Emu(page - left - right)


# --- WordprocessingML for styles, which python-docx has no API for --------------------------------


def _shade_ppr(style_element: Any, fill: str) -> None:
    shd = OxmlElement("w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill})
    _insert_in_order(style_element.get_or_add_pPr(), shd)


def _border(
    element: Any,
    side: str,
    color: str,
    *,
    size: int,
    space: int,
    tag: str = "w:pBdr",
    replace: bool = False,
) -> None:
    """A single-line border on one side of a paragraph, a style's paragraphs, or a cell.

    ``element`` is a style (``w:style``), a ``w:pPr`` or a ``w:tcPr``; ``size`` is in eighths of
    a point, ``space`` in points.
    """
    props = element.get_or_add_pPr() if element.tag == qn("w:style") else element
    borders = props.find(qn(tag))
    if borders is not None and replace:
        props.remove(borders)
        borders = None
    if borders is None:
        borders = OxmlElement(tag)
        _insert_in_order(props, borders)
    line = OxmlElement(
        f"w:{side}",
        {
            qn("w:val"): "single",
            qn("w:sz"): str(size),
            qn("w:space"): str(space),
            qn("w:color"): color,
        },
    )
    # Children of w:pBdr / w:tcBorders have a fixed order: top, left, bottom, right.
    order = ("top", "left", "start", "bottom", "right", "end")
    later = [c for c in borders if c.tag.rpartition("}")[2] in order[order.index(side) + 1 :]]
    if later:
        later[0].addprevious(line)
    else:
        borders.append(line)


# Schema order of the children of w:pPr and w:tcPr that we may insert.
_PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
_TCPR_ORDER = (
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
)


def _insert_in_order(parent: Any, child: Any) -> None:
    """Insert ``child`` into ``w:pPr`` or ``w:tcPr`` where the schema wants it."""
    order = _TCPR_ORDER if parent.tag == qn("w:tcPr") else _PPR_ORDER
    name = child.tag.rpartition("}")[2]
    after = set(order[order.index(name) + 1 :])
    for existing in parent:
        if existing.tag.rpartition("}")[2] in after:
            existing.addprevious(child)
            return
    parent.append(child)


def _table_layout(block: Table) -> tuple[tuple[float, ...], float]:
    """The column widths (:func:`_column_fractions`) and text size (:func:`_table_text_pt`) of
    a table, from one pass over its text."""
    needs, wants = _column_needs_and_wants(block)
    size = _table_text_pt(needs)
    return _column_fractions(needs, wants, size), size


def _column_fractions(
    needs: list[float], wants: list[float], size: float
) -> tuple[float, ...]:
    """Column widths (fractions of the line) fitted to the text of each column, set in
    ``size`` points.

    Each column needs room for its longest word (a bold header word counts 10 % wider) and
    wants room for its longest line (capped at 40 characters). If every column can have what
    it wants, widths are proportional to that; else each gets its need and the rest of the line
    is shared by what they want more; only when even the needs do not fit are words broken.
    Lengths are in average characters (:func:`_word_width`: capitals and ``m``/``w`` count wider)
    plus 2.5 for the cell margins: good enough for proportions, and enough that a short capital
    header (``MOAA/S``, ``CADSS``) is not broken mid-word.
    """
    line_chars = LINE_CHARS * TABLE_TEXT_PT / size
    if sum(wants) <= line_chars:
        widths = wants
    elif sum(needs) <= line_chars:
        spare = line_chars - sum(needs)
        more = [w - n for w, n in zip(wants, needs, strict=True)]
        widths = [n + spare * m / sum(more) for n, m in zip(needs, more, strict=True)]
    else:
        widths = needs
    total = sum(widths)
    return tuple(w / total for w in widths)


LINE_CHARS = 85.0  # characters of table text (TABLE_TEXT_PT) across the text width, roughly
TABLE_TEXT_PT = 9.5  # the size of the KAP Table style
SMALLEST_TABLE_TEXT_PT = 6.5  # a table too wide for its words is set this small at the least


def _column_needs_and_wants(block: Table) -> tuple[list[float], list[float]]:
    """Per column, the room for its longest word and for its longest line (average characters)."""
    needs, wants = [], []
    for i, name in enumerate(block.columns):
        cells = [row[i] for row in block.rows]
        word = max([1.15 * _longest_word(name), *(_longest_word(c) for c in cells)])
        line = max(_longest_line(t) for t in (name, *cells))
        needs.append(word + 2.5)
        wants.append(max(word, min(line, 40)) + 2.5)
    return needs, wants


def _table_text_pt(needs: list[float]) -> float:
    """The text size of a table: the style's, or smaller (down to a floor) when the longest
    words of its columns (``needs``) do not fit across the line at that size (so ``Change`` is
    not broken into ``Chan ge`` in a ten-column outcome table)."""
    need = sum(needs)
    if need <= LINE_CHARS:
        return TABLE_TEXT_PT
    return max(SMALLEST_TABLE_TEXT_PT, TABLE_TEXT_PT * LINE_CHARS / need)


def _longest_word(text: str) -> float:
    return max((_word_width(w) for w in text.split()), default=1.0)


_WIDE = frozenset("mwMW")


@functools.lru_cache(maxsize=8192)
def _word_width(word: str) -> float:
    """The width of ``word`` in average lower-case characters, roughly (capitals are wider)."""
    return sum(1.5 if c in _WIDE else 1.3 if c.isupper() else 1.1 if c.isdigit() else 1.0 for c in word)


def _longest_line(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=1)


# --- document properties ------------------------------------------------------------------------


def _set_properties(props: CoreProperties, note: Note) -> None:
    """Core properties from the note (never python-docx's defaults, never the clock)."""
    props.title = _prop(note.title)
    props.subject = _prop(note.subject or "")
    props.author = _prop(note.author or _first_signer(note))
    props.last_modified_by = props.author
    props.keywords = _prop(f"KAP; ketamine-assisted psychotherapy; clinical note; {note.format}")
    props.category = "Clinical note"
    props.content_status = note.status.capitalize()
    props.comments = "Generated by kapnotes."
    props.revision = 1 + len(note.addenda)
    when = note.created or _latest_time(note)
    if when is not None:
        props.created = props.modified = _utc_naive(when)


def _prop(text: str) -> str:
    return one_line(text)[:255]


def _first_signer(note: Note) -> str:
    if not note.signatures:
        return ""
    first = note.signatures[0]
    return name_with_credentials(first.signer, first.credentials)


def _latest_time(note: Note) -> dt.datetime | None:
    times = [s.signed_at for s in note.signatures if s.signed_at is not None]
    times += [a.written_at for a in note.addenda]
    return max(times, key=_utc_naive) if times else None


def _utc_naive(value: dt.datetime) -> dt.datetime:
    """A datetime in UTC without tzinfo (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
