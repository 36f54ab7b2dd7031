"""WordprocessingML for the Word exporter, written as text: runs, paragraphs, tables, fields.

The body, page headers and page footers of a note are built here as strings, which is many times
faster than building them element by element through python-docx (whose ``add_paragraph`` /
``add_run`` / ``add_row`` create, look up and re-order lxml elements one at a time). The XML is
exactly what python-docx writes for the same calls — same elements, same attribute order, same
``xml:space="preserve"`` rule, same escaping as lxml's serializer — so a document reads back
alike in python-docx, Word and LibreOffice.

Text must be sanitized first (:func:`kapnotes.notes.sanitize.docx_text`): :func:`run` turns
``"\\t"`` into ``<w:tab/>`` and ``"\\n"`` into ``<w:br/>`` and escapes ``&``, ``<`` and ``>``, and
nothing else; a character XML 1.0 cannot hold would make an unreadable file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["Cell", "Para", "attr", "border", "field", "row", "run", "table", "table_properties",
           "text"]

TBL_LOOK = (
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
    'w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
)
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r]')
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTR_ESCAPES = {**_TEXT_ESCAPES, '"': "&quot;", "\t": "&#9;", "\n": "&#10;"}
_BREAKS = re.compile("([\t\r\n])")


def text(value: str) -> str:
    """``value`` escaped for element content (as lxml writes it)."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return _TEXT_SPECIAL.sub(lambda m: _TEXT_ESCAPES[m.group()], value)


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute (as lxml writes it)."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return _ATTR_SPECIAL.sub(lambda m: _ATTR_ESCAPES[m.group()], value)


def _t(chunk: str) -> str:
    if len(chunk.strip()) < len(chunk):
        return f'<w:t xml:space="preserve">{text(chunk)}</w:t>'
    return f"<w:t>{text(chunk)}</w:t>"


def _content(value: str) -> str:
    """The inner content of a run for ``value``: ``w:t`` pieces, ``w:tab`` and ``w:br``."""
    if "\t" not in value and "\n" not in value and "\r" not in value:
        return _t(value) if value else ""
    out = []
    for piece in _BREAKS.split(value):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\n", "\r"):
            out.append("<w:br/>")
        elif piece:
            out.append(_t(piece))
    return "".join(out)


def run(value: str = "", *, bold: bool = False, color: str | None = None,
        half_points: int | None = None) -> str:
    """A ``w:r`` with ``value`` (sanitized text), bold, coloured (hex ``RRGGBB``) or sized."""
    props = ""
    if bold or color is not None or half_points is not None:
        props = (
            "<w:rPr>"
            + ("<w:b/>" if bold else "")
            + (f'<w:color w:val="{color}"/>' if color is not None else "")
            + (f'<w:sz w:val="{half_points}"/>' if half_points is not None else "")
            + "</w:rPr>"
        )
    content = _content(value)
    if not props and not content:
        return "<w:r/>"
    return f"<w:r>{props}{content}</w:r>"


def field(instruction: str, shown: str) -> str:
    """A field (``PAGE``, ``NUMPAGES``): begin, instruction, separate, last result, end runs."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {text(instruction)} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run(shown)
        + FIELD_END
    )


FIELD_END = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def border(side: str, color: str, *, size: int, space: int) -> str:
    """One single-line border (``w:top``, ``w:left``, ...): ``size`` in eighths of a point."""
    return f'<w:{side} w:val="single" w:sz="{size}" w:space="{space}" w:color="{color}"/>'


class Para:
    """A ``w:p`` being written: its properties, then runs appended to :attr:`runs`.

    Properties are written in the schema's order of ``w:pPr`` (pStyle, keepNext, pBdr, tabs,
    spacing, jc); a paragraph without properties or runs is ``<w:p/>``.
    """

    __slots__ = ("after", "before", "borders", "jc", "keep_next", "runs", "style", "tab_right")

    def __init__(self, style: str | None, value: str = "") -> None:
        self.style = style
        self.keep_next = False
        self.borders: str | None = None  # the w:pBdr children
        self.tab_right: int | None = None  # a right tab stop, twips
        self.before: int | None = None  # w:spacing/@w:before, twips
        self.after: int | None = None  # w:spacing/@w:after, twips
        self.jc: str | None = None
        self.runs: list[str] = [run(value)] if value else []

    def xml(self) -> str:
        props = []
        if self.style is not None:
            props.append(f'<w:pStyle w:val="{attr(self.style)}"/>')
        if self.keep_next:
            props.append("<w:keepNext/>")
        if self.borders is not None:
            props.append(f"<w:pBdr>{self.borders}</w:pBdr>")
        if self.tab_right is not None:
            props.append(f'<w:tabs><w:tab w:pos="{self.tab_right}" w:val="right"/></w:tabs>')
        if self.before is not None or self.after is not None:
            props.append(
                "<w:spacing"
                + (f' w:before="{self.before}"' if self.before is not None else "")
                + (f' w:after="{self.after}"' if self.after is not None else "")
                + "/>"
            )
        if self.jc is not None:
            props.append(f'<w:jc w:val="{self.jc}"/>')
        inner = ("<w:pPr>" + "".join(props) + "</w:pPr>" if props else "") + "".join(self.runs)
        return f"<w:p>{inner}</w:p>" if inner else "<w:p/>"


class Cell:
    """A ``w:tc`` being written: width, optional left border and shading, its paragraphs.

    Like a new python-docx cell it starts with one empty paragraph, :attr:`first`.
    """

    __slots__ = ("border_left", "fill", "paragraphs", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        self.border_left: str | None = None
        self.fill: str | None = None
        self.paragraphs: list[Para] = [Para(None)]

    @property
    def first(self) -> Para:
        return self.paragraphs[0]

    def add(self, para: Para) -> Para:
        self.paragraphs.append(para)
        return para

    def xml(self) -> str:
        props = f'<w:tcW w:type="dxa" w:w="{self.width}"/>'
        if self.border_left is not None:
            props += f"<w:tcBorders>{self.border_left}</w:tcBorders>"
        if self.fill is not None:
            props += f'<w:shd w:val="clear" w:color="auto" w:fill="{self.fill}"/>'
        return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(p.xml() for p in self.paragraphs)}</w:tc>"


def table_properties(style: str | None, *, center: bool, fixed: bool) -> str:
    """The ``w:tblPr`` of a new table (python-docx's, with style, alignment and layout)."""
    return (
        "<w:tblPr>"
        + (f'<w:tblStyle w:val="{attr(style)}"/>' if style is not None else "")
        + '<w:tblW w:type="auto" w:w="0"/>'
        + ('<w:jc w:val="center"/>' if center else "")
        + f'<w:tblLayout w:type="{"fixed" if fixed else "autofit"}"/>'
        + TBL_LOOK
        + "</w:tblPr>"
    )


def table(properties: str, widths: Iterable[int], rows: Iterable[str]) -> str:
    """A ``w:tbl``: its properties, a grid of ``widths`` (twips) and its rows."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return f"<w:tbl>{properties}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def row(cells: Iterable[Cell], *, keep_together: bool, header: bool = False) -> str:
    """A ``w:tr``: kept together across pages (and repeated as the header row) when asked."""
    props = ""
    if keep_together or header:
        props = (
            "<w:trPr>"
            + ("<w:cantSplit/>" if keep_together else "")
            + ("<w:tblHeader/>" if header else "")
            + "</w:trPr>"
        )
    return f"<w:tr>{props}{''.join(c.xml() for c in cells)}</w:tr>"
