"""Pinned Word output: what the docx exporter writes for a fixed set of notes, as fixtures.

Each case is a note (the demo's, one per note format and session kind, and hand-built ones with
odd text, empty blocks, wide tables, figures) and an optional clinic template. For each case the
fixtures in ``pins/docx/`` hold

* ``<case>.json``: the structure as python-docx reads it back (:func:`structure`): every page
  header and footer, body paragraphs with their style names and runs, tables with header-row
  flags and cell contents, fields, pictures, page setup and core properties, and the SHA-256 of
  every part of the package;
* ``<case>.txt``: the text LibreOffice reads (``soffice --convert-to txt:Text``), as bytes.

``tests/exporters/test_docx_pins.py`` compares the exporter's output with them exactly. When the
Word output is meant to change, regenerate them (and review the diff)::

    .venv/bin/python -m tests.exporters.docx_pins

All data is synthetic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import docx
from docx.oxml.ns import qn
from docx.table import Table as DocxTable

from kapnotes.exporters.docx import export
from kapnotes.exporting import ExportOptions
from kapnotes.notes.document import (
    BulletList,
    Fields,
    Figure,
    Letterhead,
    Note,
    Paragraph,
    PatientBanner,
    Section,
    SignatureBlock,
    Table,
)

from .conftest import ODD_STRINGS
from .notes import draft_note, empty_note, full_note, note_with_text, png

PINS = Path(__file__).resolve().parent / "pins" / "docx"
UTC = dt.timezone.utc
SOFFICE_TIMEOUT = 600

# --- the cases -----------------------------------------------------------------------------------


@attrs.frozen
class Case:
    name: str
    note: Note
    template: Callable[[Path], Path] | None = None  # writes the template into a folder

    def export(self, folder: Path) -> bytes:
        """The case exported by the current exporter (its template written into ``folder``)."""
        options = ExportOptions()
        if self.template is not None:
            options = ExportOptions(template=self.template(folder))
        return export(self.note, options)


def _template(
    name: str, *, header: str | None, footer: str | None, first_page: bool = False,
    dotx: bool = False, even_pages: bool = False, logo: bool = False, body_picture: bool = False,
) -> Callable[[Path], Path]:
    """A clinic template made with python-docx (Georgia body text, optional header/footer,
    first-page and even-page headers, a logo in the header, a picture in the discarded body)."""

    def write(folder: Path) -> Path:
        doc = docx.Document()
        section = doc.sections[0]
        if header is not None:
            section.header.paragraphs[0].text = header
        if logo:
            section.header.paragraphs[0].add_run().add_picture(io.BytesIO(png(40, 20)))
        if footer is not None:
            section.footer.paragraphs[0].text = footer
        if first_page:
            section.different_first_page_header_footer = True
            section.first_page_header.paragraphs[0].text = "FIRST PAGE LETTERHEAD"
        if even_pages:
            doc.settings.odd_and_even_pages_header_footer = True
            section.even_page_header.paragraphs[0].text = "EVEN PAGE LETTERHEAD"
        section.left_margin = section.right_margin = docx.shared.Cm(2.5)
        doc.add_paragraph("Template body text that must be discarded")
        if body_picture:
            doc.add_picture(io.BytesIO(png(60, 30)))
        doc.styles["Normal"].font.name = "Georgia"
        doc.core_properties.modified = dt.datetime(2025, 1, 1)
        doc.core_properties.created = dt.datetime(2025, 1, 1)
        path = folder / f"{name}.docx"
        doc.save(path)
        if not dotx:
            return path
        out = folder / f"{name}.dotx"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "[Content_Types].xml":
                    data = data.replace(b"document.main+xml", b"template.main+xml")
                dst.writestr(info, data)
        return out

    return write


def _odd_table_note() -> Note:
    """Tables with empty cells, a very wide table (smaller text), long words, tabs, breaks."""
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
    wide = tuple(f"Column {i} header" for i in range(11))
    sig = SignatureBlock("Dr. Odd Example", "", "author", None, None, None)
    return Note(
        title="Odd <tables> & \"quotes\" 'here'",
        format="test",
        letterhead=Letterhead("Clinic & Co <Ltd>", ("Line\twith tab", "Line\nwith break")),
        patient=PatientBanner("Client ]]> <![CDATA[", dt.date(1990, 2, 3), "MRN&1"),
        facts=(("Only fact", ""),),
        sections=(
            Section("empty", "", ()),
            Section(
                "tables",
                "Tables",
                (
                    Table(("A", "", "C"), (("", "", ""), ("x", "", "z"))),
                    Table(wide, (tuple(long_word if i % 3 == 0 else "" for i in range(11)),),
                          caption="A wide table"),
                    Table(("Only",), ()),
                    Paragraph(long_word, label="Long"),
                    Paragraph("  leading and trailing spaces  "),
                    Paragraph("\t\ttabs first\nthen\n\nblank lines\n"),
                    BulletList(("", " ", "item\twith\ttabs")),
                    Fields((("", ""), ("Label", "value\nover two lines"))),
                    Table(("One",), (("1",),)),
                    Table(("Two",), (("2",),)),
                    Figure(png(60, 30), caption="", width_in=0),
                    Figure(png(900, 100), caption="Wider than the page", width_in=12.0),
                    sig,
                ),
            ),
        ),
        signatures=(sig,),
        status="draft",
        blocking=("KAP-TEST-001: a <blocking> finding & more", "second\tfinding"),
        subject="Subject\twith\ttabs and a very long line " + "y" * 300,
        created=dt.datetime(2026, 2, 1, 8, 30),
    )


def _figures_note() -> Note:
    """A note with the same picture twice, another picture, and pictures the templates hold."""
    same = Figure(png(60, 30), caption="Same picture, first", width_in=2.0)
    return attrs.evolve(
        full_note(),
        sections=(
            Section("figures", "Figures", (
                same,
                Figure(png(40, 20), caption="The template's logo again", width_in=1.0),
                attrs.evolve(same, caption="Same picture, again"),
                Figure(png(100, 300), caption="Tall & <narrow>", width_in=0),
            )),
        ),
    )


def _demo_cases() -> Iterator[Case]:
    """The demo's notes: for each note format and session kind, the session with most parts."""
    from kapnotes.plugins import registry
    from kapnotes.rendering import build_note
    from kapnotes.synthetic import build_document

    document = build_document()
    formats = ("soap", "dap", "birp", "girp", "pirp", "kap-dosing", "integration")
    best: dict[tuple[str, str], tuple[int, Any]] = {}
    for _course, session in document.iter_sessions():
        parts = sum(
            bool(x)
            for x in (session.dosing, session.measures, session.interventions, session.risk,
                      session.narrative, session.plan, session.pre_screen)
        )
        for name in formats:
            if not registry().note_formats.get(name).applies_to(session):
                continue
            key = (name, session.kind.value)
            if key not in best or parts > best[key][0]:
                best[key] = (parts, session)
    for (name, kind), (_parts, session) in sorted(best.items()):
        note = build_note(session, format=name, document=document)
        yield Case(f"demo-{name}-{kind}", note)


def cases() -> list[Case]:
    """Every pinned case, in a fixed order."""
    full, draft = full_note(), draft_note()
    out = list(_demo_cases())
    out += [
        Case("full", full),
        Case("draft", draft),
        Case("empty", empty_note()),
        Case("no-created", attrs.evolve(full, created=None)),
        Case("odd-tables", _odd_table_note()),
    ]
    out += [Case(f"odd-text-{i:02d}", note_with_text(text)) for i, text in enumerate(ODD_STRINGS)]
    out += [
        Case("template-letterhead", full,
             _template("letterhead", header="ACME TEMPLATE LETTERHEAD", footer="Template footer")),
        Case("template-first-page", draft,
             _template("first", header="ACME", footer=None, first_page=True)),
        Case("template-plain", full, _template("plain", header=None, footer=None)),
        Case("template-dotx", draft, _template("dotx", header="DOTX HEADER", footer="F", dotx=True)),
        Case("figures", _figures_note()),
        Case("template-logo-even-pages", _figures_note(),
             _template("logo", header="LOGO", footer="F", even_pages=True, first_page=True,
                       logo=True)),
        Case("template-logo-only", draft, _template("logo-only", header=None, footer=None,
                                                     logo=True)),
        Case("template-body-picture", _figures_note(),
             _template("body-picture", header=None, footer="F", body_picture=True)),
    ]
    return out


# --- what is compared ----------------------------------------------------------------------------


def structure(data: bytes) -> dict[str, Any]:
    """The document as python-docx reads it back, as plain JSON-able data."""
    doc = docx.Document(io.BytesIO(data))
    sections = []
    for s in doc.sections:
        parts: dict[str, Any] = {}
        for kind in ("header", "first_page_header", "even_page_header",
                     "footer", "first_page_footer", "even_page_footer"):
            hf = getattr(s, kind)
            parts[kind] = "linked" if hf.is_linked_to_previous else _blocks(hf)
        sections.append({
            "page": {
                key: _plain(getattr(s, key))
                for key in ("page_width", "page_height", "orientation", "start_type",
                            "top_margin", "bottom_margin", "left_margin", "right_margin",
                            "header_distance", "footer_distance", "gutter",
                            "different_first_page_header_footer")
            },
            **parts,
        })
    props = doc.core_properties
    core = {
        key: _plain(getattr(props, key))
        for key in ("author", "category", "comments", "content_status", "created", "identifier",
                    "keywords", "language", "last_modified_by", "last_printed", "modified",
                    "revision", "subject", "title", "version")
    }
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        digests = {n: hashlib.sha256(z.read(n)).hexdigest() for n in sorted(z.namelist())}
    return {
        "odd_and_even_pages": doc.settings.odd_and_even_pages_header_footer,
        "sections": sections,
        "body": _blocks(doc),
        "core_properties": core,
        "parts": digests,
    }


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _blocks(container: Any) -> list[Any]:
    out: list[Any] = []
    for item in container.iter_inner_content():
        if isinstance(item, DocxTable):
            out.append({
                "table": item.style.name if item.style is not None else None,
                "rows": [
                    {
                        "header": bool(row._tr.xpath("./w:trPr/w:tblHeader")),
                        "cells": [_blocks(cell) for cell in row.cells],
                    }
                    for row in item.rows
                ],
            })
            continue
        p = item
        entry: dict[str, Any] = {
            "p": p.text,
            "style": p.style.name if p.style is not None else None,
            "runs": [
                [r.text, r.bold, r.italic, r.font.size.pt if r.font.size else None]
                for r in p.runs
            ],
        }
        fields = [t.text for t in p._p.iter(qn("w:instrText"))]
        if fields:
            entry["fields"] = fields
        pictures = [
            [int(e.get("cx")), int(e.get("cy"))] for e in p._p.iter(qn("wp:extent"))
        ]
        if pictures:
            entry["pictures"] = pictures
            entry["alt"] = [d.get("descr") for d in p._p.iter(qn("wp:docPr"))]
        out.append(entry)
    return out


def dump(value: object, depth: int = 0) -> str:
    """JSON with the outer levels indented and every block (paragraph, table) on one line."""
    if depth >= 2 or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dump(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
    items = [pad + dump(v, depth + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * depth + "]"


def soffice_texts(files: dict[str, bytes], folder: Path) -> dict[str, bytes]:
    """The text LibreOffice reads from each .docx, in ONE soffice run (``txt:Text``)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("soffice (LibreOffice) is not installed")
    src, out, profile = folder / "docx", folder / "txt", folder / "profile"
    src.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = src / f"{name}.docx"
        path.write_bytes(data)
        paths.append(path)
    cmd = [exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
           "--norestore", "--convert-to", "txt:Text", "--outdir", str(out), *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT,
                          check=False)
    texts = {}
    for name in files:
        txt = out / f"{name}.txt"
        if not txt.exists():
            raise RuntimeError(f"LibreOffice did not convert {name} (exit {done.returncode}):"
                               f"\n{done.stdout}\n{done.stderr}")
        texts[name] = txt.read_bytes()
    return texts


def exported(folder: Path) -> dict[str, bytes]:
    """Every case exported with the current exporter (templates written into ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: case.export(folder) for case in cases()}


def regenerate() -> None:
    """Write the fixtures from the current exporter (removing those of cases no longer listed)."""
    PINS.mkdir(parents=True, exist_ok=True)
    for old in PINS.iterdir():
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        files = exported(Path(tmp) / "templates")
        for name, data in files.items():
            (PINS / f"{name}.json").write_text(dump(structure(data)) + "\n", encoding="utf-8")
        for name, text in soffice_texts(files, Path(tmp)).items():
            (PINS / f"{name}.txt").write_bytes(text)
    print(f"wrote {len(files)} cases to {PINS}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
