"""The sanitizer: one policy for every exporter (see :mod:`kapnotes.notes.sanitize`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.notes import sanitize
from kapnotes.notes.sanitize import (
    PLACEHOLDERS,
    REPLACEMENT,
    clean,
    md_cell,
    md_one_line,
    md_text,
    one_line,
    scalar_values,
)

from .conftest import ODD_STRINGS

# XML 1.0 Char production.
XML_CHAR = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")
ANY_CHAR = st.characters(exclude_categories=())  # surrogates (Cs) included


def printable(text: str) -> str:
    """The printable characters of ``text``, placeholders left out."""
    return "".join(c for c in text if c.isprintable() and c not in PLACEHOLDERS)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x00b", "a\u2400b"),
        ("a\x0bb", "a\u240bb"),
        ("\x1b[0m", "\u241b[0m"),
        ("\x7f", "\u2421"),
        ("\x85", REPLACEMENT),
        ("\x9f", REPLACEMENT),
        ("\ufffe\uffff", REPLACEMENT * 2),
        ("\ud800x", REPLACEMENT + "x"),
        ("x\udfff", "x" + REPLACEMENT),
        ("\ud83d\ude00", "😀"),
        ("a\r\nb\rc\u2028d\u2029e", "a\nb\nc\nd\ne"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("שלום e\u0301 👩‍⚕️ \u200f", "שלום e\u0301 👩‍⚕️ \u200f"),
    ],
)
def test_clean_policy(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_returns_plain_text_unchanged_and_identical() -> None:
    text = "Ordinary text, nothing to do. Ünïcödé ✓"
    assert clean(text) is text


def test_control_pictures_are_one_visible_character_each() -> None:
    for code in [*range(0x20), 0x7F]:
        if chr(code) in "\t\n\r":
            continue
        shown = clean(chr(code))
        assert len(shown) == 1 and shown.isprintable(), hex(code)
        assert shown in PLACEHOLDERS


@given(st.text(alphabet=ANY_CHAR))
def test_clean_is_xml_safe_utf8_encodable_and_idempotent(text: str) -> None:
    out = clean(text)
    assert XML_CHAR.match(out)
    assert "\r" not in out
    out.encode("utf-8")
    assert clean(out) == out


@given(st.text())
def test_clean_keeps_every_printable_character_in_order(text: str) -> None:
    assert printable(clean(text)) == printable(text)


@given(st.text(alphabet=ANY_CHAR))
def test_scalar_values_only_repairs_surrogates(text: str) -> None:
    out = scalar_values(text)
    out.encode("utf-8")
    if not re.search("[\ud800-\udfff]", text):
        assert out is text


def test_one_line_joins_lines() -> None:
    assert one_line("a\nb\t\tc\r\n") == "a b c "


# --- Markdown ------------------------------------------------------------------------------------

MD_META = set("\\`*_[]|~$")


def md_unescape(escaped: str) -> str:
    """Undo backslash escapes; fail on any unescaped inline markup character."""
    out: list[str] = []
    i = 0
    while i < len(escaped):
        c = escaped[i]
        if c == "\\" and i + 1 < len(escaped):
            out.append(escaped[i + 1])
            i += 2
            continue
        assert c not in MD_META, f"unescaped {c!r} in {escaped!r}"
        if c == "<":
            assert not re.match(r"[A-Za-z/!?]", escaped[i + 1 : i + 2]), escaped
        if c == "&":
            assert not re.match(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", escaped[i:])
        out.append(c)
        i += 1
    return "".join(out)


@given(st.text(alphabet=ANY_CHAR))
def test_md_one_line_escapes_all_markup_and_keeps_the_text(text: str) -> None:
    escaped = md_one_line(text)
    assert "\n" not in escaped
    assert not re.match(r"\s*([#>]|[-+=:](\s|$)|\d+[.)](\s|$))", escaped)
    assert md_unescape(escaped) == one_line(text).strip()


@given(st.text(alphabet=ANY_CHAR))
def test_md_text_is_one_block_whose_lines_cannot_start_markup(text: str) -> None:
    escaped = md_text(text)
    expected = [ln.lstrip(" \t") for ln in clean(text).split("\n")]
    while expected and not expected[0].strip(" \t"):
        expected.pop(0)
    while expected and not expected[-1].strip(" \t"):
        expected.pop()
    if not expected:
        assert escaped == ""
        return
    lines = escaped.split("\n")
    bodies = [ln[:-1] for ln in lines[:-1]] + [lines[-1]]
    for k, line in enumerate(lines):
        assert line.strip(" \t"), "a blank line would end the block"
        if k < len(lines) - 1:
            assert line.endswith("\\"), "every line break is a hard break"
        assert not re.match(r"[ \t]", line), "no indentation (it could make a code block)"
        assert not re.match(r"([#>]|[-+=:](\s|$)|\d{1,9}[.)](\s|$))", bodies[k]), line
    assert not lines[-1].endswith("\\") or lines[-1].endswith("\\\\")
    assert [md_unescape(b) for b in bodies] == expected


@given(st.text(alphabet=ANY_CHAR))
def test_md_cell_is_one_line_without_bare_pipes(text: str) -> None:
    escaped = md_cell(text)
    assert "\n" not in escaped
    for piece in escaped.split("<br>"):
        md_unescape(piece)


def test_markdown_injection_is_inert() -> None:
    escaped = md_text("<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://t/i.png)")
    assert not re.search(r"(?<!\\)<(script|/script)", escaped)
    assert "\\<script>" in escaped
    assert "\\[x\\](javascript:alert(1))" in escaped
    assert md_one_line("## Plan #") == "\\#\\# Plan \\#"
    assert md_text("0.5 mg/kg") == "0.5 mg/kg"  # not an ordered-list marker
    assert md_text("1. first") == "1\\. first"
    assert md_text("-5 mg") == "-5 mg"
    assert md_text("- item") == "\\- item"


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_every_medium_accepts_odd_strings(text: str) -> None:
    for fn in (sanitize.docx_text, sanitize.plain, one_line, md_text, md_one_line, md_cell):
        out = fn(text)
        assert XML_CHAR.match(out), (fn.__name__, out)
        out.encode("utf-8")


@settings(max_examples=50)
@given(st.text(alphabet=ANY_CHAR, max_size=30))
def test_placeholders_are_in_the_documented_set(text: str) -> None:
    added = set(clean(text)) - set(scalar_values(text)) - {"\n"}
    assert added <= PLACEHOLDERS
