"""The Markdown exporter."""

from __future__ import annotations

import base64
import re

import pytest

from kapnotes.exporters import DRAFT_MARK
from kapnotes.exporters.markdown import export, render
from kapnotes.notes.document import Note
from kapnotes.notes.sanitize import md_one_line, md_text

from .conftest import ODD_STRINGS
from .notes import HASH_AUTHOR, empty_note, note_with_text, png


def unescape(markdown: str) -> str:
    """Markdown source with backslash escapes undone (how a renderer shows the characters)."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL)


def test_every_piece_of_text_is_there(note: Note) -> None:
    shown = unescape(render(note))
    assert [t for t in note.iter_text() if t not in shown] == []


def test_structure(note: Note) -> None:
    md = render(note)
    assert md.startswith("**Synthetic Harbor Psychiatry**\\\n")
    assert "**Client:** Jordan Q. Testperson · **DOB:** 1984-07-19 · **MRN:** SYN-004217" in md
    assert note.confidentiality in md
    assert "\n# KAP Dosing Session Note\n" in md
    for section in note.sections:
        assert f"\n## {section.heading}\n" in md
    assert "| Session facts |  |\n| --- | --- |\n| Date of service | 2026-03-02 |" in md
    assert "| Time | BP (mmHg) | HR (bpm) | SpO₂ (%) | RASS | Comment |" in md
    assert "**Chief concern:** Client reports" in md
    assert "- Informed consent for KAP" in md
    assert "**Medication:** Ketamine hydrochloride\\\n**Route:**" in md
    assert "## Signatures" in md and "## Addenda" in md
    assert "### Amendment 2 — 2026-03-05 08:45 +00:00" in md
    assert f"**Content hash (SHA-256):** {HASH_AUTHOR}" in md
    assert DRAFT_MARK not in md
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_figure_is_an_inline_png(note: Note) -> None:
    md = render(note)
    data = base64.b64encode(png()).decode()
    assert f"![Heart rate over the session (synthetic)](data:image/png;base64,{data})" in md
    assert "*Figure:* Heart rate over the session (synthetic)" in md


def test_draft_is_marked(draft: Note) -> None:
    md = render(draft)
    assert f"> **{DRAFT_MARK}**" in md
    assert "**Not signed**" in md


def test_deterministic_utf8(note: Note) -> None:
    assert export(note) == export(note)
    assert export(note).decode("utf-8") == render(note)


def test_markup_in_the_record_is_escaped() -> None:
    evil = "**bold** <img src=x onerror=alert(1)> [click](http://evil) | # x"
    md = render(note_with_text(evil))
    assert "<img" not in md.replace("\\<img", "")
    assert "\\*\\*bold\\*\\*" in md
    assert "\\[click\\](http://evil)" in md
    assert f"# {md_one_line(evil)}" in md


def test_multiline_text_stays_one_paragraph() -> None:
    md = render(note_with_text("line one\n\n# line three\n- four"))
    assert md_text("line one\n\n# line three\n- four") == (
        "line one\\\n\\\n\\# line three\\\n\\- four"
    )
    assert "line one\\\n\\\n\\# line three\\\n\\- four" in md


def test_table_cells_keep_line_breaks_as_br() -> None:
    md = render(note_with_text("a|b\nc"))
    assert "| a\\|b<br>c |" in md


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_odd_text_renders(text: str) -> None:
    out = export(note_with_text(text)).decode("utf-8")
    assert "\x00" not in out and "\x1b" not in out and "\r" not in out


def test_a_minimal_note_with_empty_blocks() -> None:
    out = render(empty_note())
    assert "Empty caption" in out and "Empty blocks" in out
    assert "\n\n\n" not in out
