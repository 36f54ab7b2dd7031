"""Make any text safe for an output medium: the one sanitizer every exporter uses.

A :class:`~kapnotes.notes.document.Note` keeps text exactly as it was recorded, and any Unicode
string is a valid value. An exporter must still produce a file that every reader opens, that shows
what was recorded, and that a string from the record cannot re-format. This module is where that
happens, for every medium, so that the policy is written once.

Policy of :func:`clean` (the base of every medium)
--------------------------------------------------

1. **Line breaks.** CR LF, a lone CR, U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR become
   ``"\\n"``. Exporters show ``"\\n"`` as a line break (a ``<w:br/>`` in Word).
2. **Kept as given.** ``"\\t"``, ``"\\n"`` and every character not named below: letters of any
   script, right-to-left text, emoji and their ZWJ sequences, combining marks, format characters
   (bidi marks, ZWJ/ZWNJ), private-use characters.
3. **C0 controls and DEL become visible.** U+0000-U+001F (except TAB and LF) and U+007F become
   their Unicode *control pictures*, one visible character each: U+2400 + n (NUL -> ``"␀"``,
   VT -> ``"␋"``, ESC -> ``"␛"``) and U+2421 ``"␡"`` for DEL. XML 1.0 forbids most of them, so
   Word cannot hold them; a picture shows the reader that something was there, and which control.
4. **C1 controls become U+FFFD.** U+0080-U+009F are invisible and, in practice, bytes decoded with
   the wrong code page; they become U+FFFD REPLACEMENT CHARACTER (``"\\ufffd"``).
5. **Surrogates.** A high surrogate followed by a low surrogate (as left by ``surrogatepass``
   decoding) is joined into the character it encodes; a lone surrogate becomes U+FFFD.
6. **Non-characters U+FFFE and U+FFFF** (forbidden by XML 1.0) become U+FFFD.

The result contains only characters allowed by XML 1.0 and encodable in UTF-8, and every
printable character of the input is in it, unchanged and in order. :func:`clean` is idempotent.

Media
-----

* Word: :func:`docx_text` (= :func:`clean`; python-docx turns ``\\t`` and ``\\n`` into
  ``<w:tab/>`` and ``<w:br/>``) and :func:`one_line` for single-line places (document properties).
* Plain text: :func:`plain` (= :func:`clean`).
* Markdown: :func:`md_text`, :func:`md_one_line` and :func:`md_cell` escape, on top of
  :func:`clean`, everything that CommonMark, GitHub Flavored Markdown (tables, strikethrough) and
  GitHub math (``$``) would read as markup, so that a string from the record can neither format
  the note nor inject HTML. See :func:`md_text` for the rules.
* JSON keeps text as given (JSON escapes controls); it only needs :func:`scalar_values`.
"""

from __future__ import annotations

import re

__all__ = [
    "PLACEHOLDERS",
    "REPLACEMENT",
    "clean",
    "docx_text",
    "md_cell",
    "md_one_line",
    "md_text",
    "one_line",
    "plain",
    "scalar_values",
]

REPLACEMENT = "\ufffd"
"""What a character that cannot be shown at all becomes (C1 controls, lone surrogates, U+FFFE/F)."""

_NEWLINES = re.compile("\r\n?|[\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")
# Everything clean() may change. Text without any of it (nearly all text) is returned as is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]")


def _translation_table() -> dict[int, str]:
    table = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
    table[0x7F] = "\u2421"
    table.update(dict.fromkeys(range(0x80, 0xA0), REPLACEMENT))
    table[0xFFFE] = REPLACEMENT
    table[0xFFFF] = REPLACEMENT
    return table


_TABLE = _translation_table()

#: The characters :func:`clean` may put in place of others (control pictures and U+FFFD).
PLACEHOLDERS = frozenset(_TABLE.values())


def scalar_values(text: str) -> str:
    """``text`` with surrogate code points repaired: pairs joined, lone ones replaced by U+FFFD.

    The result can always be encoded in UTF-8. Nothing else changes.
    """
    if not _SURROGATES.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean(text: str) -> str:
    """``text`` made safe for any medium, by the policy of this module (idempotent)."""
    if not _UNSAFE.search(text):
        return text
    text = scalar_values(text)
    text = _NEWLINES.sub("\n", text)
    return text.translate(_TABLE)


def docx_text(text: str) -> str:
    """Text for a Word run: :func:`clean` (``\\t`` and ``\\n`` become a tab and a line break)."""
    return clean(text)


def plain(text: str) -> str:
    """Text for a plain-text file: :func:`clean`."""
    return clean(text)


_WS_RUN = re.compile(r"[\t\n]+")


def one_line(text: str) -> str:
    """:func:`clean`, with every run of tabs and line breaks turned into one space."""
    return _WS_RUN.sub(" ", clean(text))


# --- Markdown ------------------------------------------------------------------------------------

# Inline markup anywhere in a line: emphasis, code, links and images, strikethrough, GFM table
# pipes, math, and the escape character itself.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~$])")
# Raw HTML and autolinks start with "<" followed by a letter, "/", "!" or "?".
_MD_HTML = re.compile(r"<(?=[A-Za-z/!?])")
# Entity and numeric character references (&amp; &#38; &#x26;) would be decoded.
_MD_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
# Block markup at the start of a line: headings and quotes ("#", ">"); list items, setext
# underlines, thematic breaks and definition lists ("-", "+", "=", ":" before a space, the end of
# the line, or another "-" / "="); ordered-list markers ("1." or "1)" before a space or the end).
_MD_LINE_START = re.compile(r"^([#>]|[-+=:](?=[\s=-]|$))")
_MD_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def _md_escape_inline(text: str) -> str:
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_HTML.sub(r"\\<", text)
    return _MD_ENTITY.sub(r"\\&", text)


def _md_escape_line(line: str) -> str:
    line = _md_escape_inline(line)
    line = _MD_LINE_START.sub(r"\\\1", line)
    return _MD_ORDERED.sub(r"\1\\\2", line)


def md_text(text: str, indent: str = "") -> str:
    """Text for a Markdown block (a paragraph, or a list item's content), escaped.

    Rules, on top of :func:`clean`:

    * ``\\ ` * _ [ ] | ~ $`` are backslash-escaped everywhere; ``<`` when it could open an HTML
      tag or an autolink; ``&`` when it would start an entity reference.
    * At the start of each line, ``#`` and ``>``, ``- + = :`` that could make a list item, rule
      or setext underline, and ordered-list markers (``1.``) are escaped, so that a line of the
      record cannot become a heading, quote, list or rule.
    * Leading and trailing blank lines are dropped, and so is the indentation at the start of each
      line (Markdown ignores it, or would turn it into a code block).
    * Line breaks become hard line breaks (a backslash at the end of the line), so that the text
      stays one block; continuation lines are prefixed with ``indent`` (for list items).

    Bare URLs may still be linked by renderers that autolink (GFM); that is not markup from the
    record and is left alone.
    """
    lines = _md_lines(text)
    return ("\\\n" + indent).join(_md_escape_line(line) for line in lines)


def _md_lines(text: str) -> list[str]:
    """Lines of :func:`clean` ``text``, unindented, without blank lines at either end."""
    lines = [line.lstrip(" \t") for line in clean(text).split("\n")]
    start, end = 0, len(lines)
    while start < end and not lines[start].rstrip(" \t"):
        start += 1
    while end > start and not lines[end - 1].rstrip(" \t"):
        end -= 1
    return lines[start:end]


def md_one_line(text: str) -> str:
    """Text for a single-line Markdown place (a heading, a bold label), escaped.

    :func:`one_line`, stripped, then the inline escapes of :func:`md_text`; ``#`` is escaped
    everywhere (a trailing ``#`` would close an ATX heading) and block markup at the start too.
    """
    line = _md_escape_inline(one_line(text).strip()).replace("#", "\\#")
    line = _MD_LINE_START.sub(r"\\\1", line)
    return _MD_ORDERED.sub(r"\1\\\2", line)


def md_cell(text: str) -> str:
    """Text for a GFM table cell, escaped: inline escapes, ``|`` escaped, line breaks as ``<br>``.

    The ``<br>`` is written by us (a table cell cannot hold a line break); ``<`` from the record is
    still escaped. Line-start markup is inert in a cell and is left alone.
    """
    return "<br>".join(_md_escape_inline(line.rstrip(" \t")) for line in _md_lines(text))
