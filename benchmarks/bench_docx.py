"""Benchmark: the kapnotes Word exporter against a bare python-docx script, side by side (#16).

Renders N hand-built notes of realistic size (8 sections, a 15-row vital-signs table, a fields
table, paragraphs and bullets, a signature) to .docx in memory, twice per repeat:

* ``kapnotes``: :func:`kapnotes.exporters.docx.export` (sanitizer, letterhead and banner header,
  page-number fields, shading, repeated header rows, document properties);
* ``bare python-docx``: a plain python-docx script writing the same paragraphs and tables with
  ``add_paragraph`` (styles by name) / ``add_table`` / ``add_row``, and the same header and
  footer text, with no sanitizer and no fields. The baseline of the target.
* ``bare, style ids``: the same script, giving styles as ids resolved once (as the kapnotes
  exporter does) instead of by name: python-docx scans every style of the document on each
  lookup by name, a measurable share of the bare script's time. A floor: kapnotes' own cost.

The contenders alternate within each repeat, so that machine noise hits all alike. Prints the
median wall time per batch and per note (and the CPU time, steadier on a busy machine), and
reports the target through ``_common.ratio``: kapnotes <= 0.5x the bare python-docx script
(wall time); kapnotes against the style-ids variant is reported for information. Before timing,
the kapnotes output of the first note is read back with python-docx (a benchmark of a broken
exporter would be meaningless).

    python benchmarks/bench_docx.py [--notes 100] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import docx  # noqa: E402
from _common import ratio, report  # noqa: E402

from kapnotes.exporters.docx import export  # noqa: E402
from kapnotes.exporting import ExportOptions  # noqa: E402
from kapnotes.notes.document import (  # noqa: E402
    BulletList,
    Fields,
    Letterhead,
    Note,
    Paragraph,
    PatientBanner,
    Section,
    SignatureBlock,
    Table,
)

UTC = dt.timezone.utc
TARGET = 0.5  # kapnotes / bare python-docx, at most
VITALS = ("Time", "BP (mmHg)", "HR (bpm)", "SpO2 (%)", "RASS", "Comment")


def make_note(i: int) -> Note:
    """Synthetic note number ``i``: realistic size, different values for every note."""
    day = dt.date(2026, 1, 5) + dt.timedelta(days=i % 300)
    vitals = tuple(
        (
            f"{9 + (5 * r) // 60:02d}:{(5 * r) % 60:02d}",
            f"{120 + (i + r * 7) % 25}/{75 + (i + r * 3) % 12}",
            str(65 + (i + r * 5) % 30),
            str(95 + (i + r) % 5),
            str(-((i + r) % 3)),
            "Resting comfortably" if r > 1 else "Baseline",
        )
        for r in range(15)
    )
    text = (
        f"Client {i} reports mood {3 + i % 5}/10 since the last session, sleeping "
        f"{5 + i % 4} hours a night; discussed intentions and the plan for today's session "
        "in detail, including safety, transport home and the integration appointment."
    )
    sections = (
        Section("subjective", "Subjective", (Paragraph(text, "Chief concern"), Paragraph(text))),
        Section("objective", "Objective", (Paragraph(text), BulletList(("Alert", "Oriented x4")))),
        Section(
            "preparation",
            "Preparation and consent",
            (BulletList(("Consent reviewed", "NPO since 06:00", "Driver arranged")),),
        ),
        Section(
            "dosing",
            "Dosing",
            (
                Fields(
                    (
                        ("Medication", "Ketamine hydrochloride"),
                        ("Route", "Intramuscular"),
                        ("Dose", f"{30 + i % 20} mg"),
                        ("Lot", f"SYN-LOT-{i:04d}"),
                        ("Time given", "09:07"),
                    )
                ),
            ),
        ),
        Section("monitoring", "Monitoring", (Table(VITALS, vitals, caption="Vital signs"),)),
        Section("assessment", "Assessment", (Paragraph(text), Paragraph(text))),
        Section("risk", "Risk assessment", (Paragraph(text, "Suicide risk"),)),
        Section("plan", "Plan", (BulletList(("Integration in 2 days", "Next dose in 1 week")),)),
    )
    return Note(
        title="KAP Dosing Session Note",
        format="kap-dosing",
        letterhead=Letterhead("Synthetic Harbor Psychiatry", ("100 Example Way", "(555) 010-0100")),
        patient=PatientBanner(f"Client {i:04d} Testperson", dt.date(1980, 1, 1), f"SYN-{i:06d}"),
        facts=(
            ("Date of service", day.isoformat()),
            ("Session", f"Dosing session {1 + i % 6} of 6"),
            ("Clinician", "Dr. Avery Example, MD"),
            ("Location", "Room B"),
        ),
        sections=sections,
        signatures=(
            SignatureBlock(
                "Dr. Avery Example",
                "MD",
                "author",
                dt.datetime(2026, 3, 2, 15, 10, tzinfo=UTC),
                f"{i:064x}",
                "Electronically signed by Dr. Avery Example, MD",
            ),
        ),
        status="signed",
        author="Dr. Avery Example, MD",
        created=dt.datetime(2026, 3, 2, 14, 55, tzinfo=UTC),
    )


def bare(note: Note) -> bytes:
    """The same paragraphs and tables with plain python-docx: no sanitizer, no fields."""
    return _bare(note, by_id=False)


def bare_style_ids(note: Note) -> bytes:
    """:func:`bare`, with styles given as ids resolved once per document."""
    return _bare(note, by_id=True)


class _Styled:
    """Adds paragraphs and tables with a style: by name (plain python-docx) or by id."""

    def __init__(self, doc: Any, by_id: bool) -> None:
        self.doc = doc
        self.by_id = by_id
        names = ("Title", "Heading 1", "List Bullet", "Table Grid")
        self.ids = {n: doc.styles[n].style_id for n in names} if by_id else {}

    def paragraph(self, text: str = "", style: str | None = None) -> Any:
        if style is None or not self.by_id:
            return self.doc.add_paragraph(text, style)
        p = self.doc.add_paragraph(text)
        p._p.style = self.ids[style]
        return p

    def table(self, rows: int, cols: int) -> Any:
        if not self.by_id:
            return self.doc.add_table(rows=rows, cols=cols, style="Table Grid")
        table = self.doc.add_table(rows=rows, cols=cols)
        table._tbl.tblStyle_val = self.ids["Table Grid"]
        return table


def _bare(note: Note, *, by_id: bool) -> bytes:
    doc = docx.Document()
    add = _Styled(doc, by_id)
    section = doc.sections[0]
    banner = f"{note.patient.name}  DOB {note.patient.date_of_birth}  MRN {note.patient.mrn}"
    section.header.paragraphs[0].text = note.letterhead.clinic_name
    section.header.add_paragraph(banner)
    section.footer.paragraphs[0].text = note.confidentiality
    add.paragraph(note.title, "Title")
    _bare_pairs(add, note.facts)
    for sec in note.sections:
        add.paragraph(sec.heading, "Heading 1")
        for block in sec.blocks:
            _bare_block(add, block)
    add.paragraph("Signature", "Heading 1")
    for sig in note.signatures:
        add.paragraph(sig.statement or "")
        add.paragraph(f"Signer: {sig.signer}, {sig.credentials}")
        add.paragraph(f"Role: {sig.role}")
        add.paragraph(f"Signed: {sig.signed_at}")
        add.paragraph(f"Content hash (SHA-256): {sig.content_hash}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _bare_pairs(add: _Styled, pairs: tuple[tuple[str, str], ...]) -> None:
    table = add.table(0, 2)
    for label, value in pairs:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value


def _bare_block(add: _Styled, block: object) -> None:
    if isinstance(block, Paragraph):
        p = add.paragraph()
        if block.label:
            p.add_run(block.label + ":").bold = True
        p.add_run(" " + block.text)
    elif isinstance(block, BulletList):
        for item in block.items:
            add.paragraph(item, "List Bullet")
    elif isinstance(block, Fields):
        _bare_pairs(add, block.items)
    elif isinstance(block, Table):
        add.paragraph(block.caption or "")
        table = add.table(1, len(block.columns))
        for cell, name in zip(table.rows[0].cells, block.columns, strict=True):
            cell.text = name
        for row in block.rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value


def kapnotes(note: Note) -> bytes:
    return export(note, ExportOptions())


def _time_batch(fn: Callable[[Note], bytes], notes: list[Note]) -> tuple[float, float]:
    """Wall and CPU time of one batch."""
    wall, cpu = time.perf_counter(), time.process_time()
    for note in notes:
        fn(note)
    return time.perf_counter() - wall, time.process_time() - cpu


def _check_output(note: Note) -> None:
    """The kapnotes output opens in python-docx and holds the note's text."""
    doc = docx.Document(io.BytesIO(kapnotes(note)))
    body = "\n".join(p.text for p in doc.paragraphs)
    if note.title not in body or note.sections[0].heading not in body:
        raise SystemExit("bench_docx: the kapnotes output does not read back with its text")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100, help="notes per batch (100)")
    parser.add_argument("--repeats", type=int, default=3, help="batches per contender (3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 15 notes x 2")
    args = parser.parse_args(argv)
    if args.quick:
        args.notes, args.repeats = 15, 2
    notes = [make_note(i) for i in range(args.notes)]
    contenders: dict[str, Callable[[Note], bytes]] = {
        "bare python-docx": bare,
        "bare, style ids": bare_style_ids,
        "kapnotes": kapnotes,
    }
    _check_output(notes[0])
    for fn in contenders.values():  # warm up: imports, template caches
        fn(notes[0])
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, fn in contenders.items():
            wall, cpu = _time_batch(fn, notes)
            walls[name].append(wall)
            cpus[name].append(cpu)
    wall_med = {name: statistics.median(ts) for name, ts in walls.items()}
    cpu_med = {name: statistics.median(ts) for name, ts in cpus.items()}
    base = wall_med["bare python-docx"]
    print(f"docx export: {args.notes} notes x {args.repeats} repeats (median per batch)")
    print(f"{'contender':<18} {'batch (s)':>10} {'per note (ms)':>14} {'CPU/note (ms)':>14} "
          f"{'vs bare':>8}")
    for name, med in wall_med.items():
        print(f"{name:<18} {med:>10.3f} {1000 * med / args.notes:>14.2f} "
              f"{1000 * cpu_med[name] / args.notes:>14.2f} {med / base:>7.2f}x")
    n = args.notes
    ratio("docx: kapnotes vs bare python-docx (per note)", wall_med["kapnotes"] / n, base / n,
          at_most=TARGET, unit="ms", baseline_name="bare")
    report("docx: kapnotes vs bare python-docx, CPU time", cpu_med["kapnotes"] / n,
           cpu_med["bare python-docx"] / n, "informative: CPU time, steadier under load", unit="ms")
    report("docx: kapnotes vs bare with style ids", wall_med["kapnotes"] / n,
           wall_med["bare, style ids"] / n, "informative: the style-ids variant", unit="ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
