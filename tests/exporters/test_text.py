"""The plain-text exporter."""

from __future__ import annotations

import attrs
import pytest

from kapnotes.exporters import DRAFT_MARK
from kapnotes.exporters.text import display_width, export, render
from kapnotes.notes.document import Note, Table
from kapnotes.notes.sanitize import clean

from .conftest import ODD_STRINGS
from .notes import HASH_AUTHOR, empty_note, note_with_text


def test_every_piece_of_text_is_there(note: Note) -> None:
    text = render(note)
    assert [t for t in note.iter_text() if t not in text] == []


def test_structure(note: Note) -> None:
    text = render(note)
    assert text.startswith("Synthetic Harbor Psychiatry\n100 Example Way")
    assert "Client: Jordan Q. Testperson | DOB: 1984-07-19 | MRN: SYN-004217" in text
    assert note.confidentiality in text
    assert "KAP Dosing Session Note\n=======================\n" in text
    assert "Subjective\n----------\n" in text
    assert "Date of service : 2026-03-02\nSession         : Dosing session 3 of 6" in text
    assert "Chief concern: Client reports" in text
    assert "  - Informed consent" in text
    assert "[Figure: Heart rate over the session (synthetic) (PNG image," in text
    assert f"Content hash (SHA-256): {HASH_AUTHOR}" in text
    assert "Amendment 2 — 2026-03-05 08:45 +00:00\n~~~~" in text
    assert DRAFT_MARK not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_table_columns_line_up(note: Note) -> None:
    block = note.section("monitoring").blocks[0]
    assert isinstance(block, Table)
    lines = render(note).split("\n")
    start = lines.index(block.caption) + 1
    table = lines[start : start + 2 + len(block.rows)]
    assert table[1].startswith("------+-")
    bars = {tuple(i for i, c in enumerate(line) if c in "|+") for line in table}
    assert len(bars) == 1, "every separator in the same column"


def test_wide_characters_and_multiline_cells_line_up() -> None:
    table = Table(("名前", "x"), (("日本語テキスト", "a\nb"), ("e\u0301", "c")))
    note = note_with_text("t")
    section = note.sections[0]
    note = attrs.evolve(note, sections=(attrs.evolve(section, blocks=(table,)),))
    lines = render(note).split("\n")
    i = lines.index("名前           | x")
    rows = lines[i : i + 5]
    assert rows[1] == "---------------+--"
    assert rows[2] == "日本語テキスト | a"
    assert rows[3] == "               | b"
    assert rows[4] == "e\u0301" + " " * 14 + "| c"
    assert display_width("日本語") == 6 and display_width("e\u0301") == 1


def test_draft_is_marked(draft: Note) -> None:
    text = render(draft)
    assert f"*** {DRAFT_MARK} ***" in text
    assert "Not signed" in text and "Signature: ____" in text


def test_deterministic(note: Note) -> None:
    assert export(note) == export(note)


def test_control_characters_are_visible() -> None:
    text = render(note_with_text("a\x00b\x1b[31mc\x7f"))
    assert "a\u2400b\u241b[31mc\u2421" in text


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_odd_text_renders(text: str) -> None:
    out = export(note_with_text(text)).decode("utf-8")
    assert "\x00" not in out and "\x1b" not in out and "\r" not in out
    if clean(text).strip() and "\t" not in text and "\n" not in clean(text):
        assert clean(text) in out


def test_a_minimal_note_with_empty_blocks() -> None:
    out = render(empty_note())
    assert "Empty caption" in out and "Empty blocks" in out
    assert "\n\n\n" not in out
