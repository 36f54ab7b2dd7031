"""Fixtures for the exporter tests: hand-built synthetic notes (see :mod:`exporters.notes`)."""

from __future__ import annotations

import pytest

from kapnotes.notes.document import Note

from .notes import draft_note, full_note


@pytest.fixture
def note() -> Note:
    """A signed and amended note with every block type, signatures and two addenda."""
    return full_note()


@pytest.fixture
def draft() -> Note:
    """The same note as an unsigned draft."""
    return draft_note()


# Strings that have broken exporters elsewhere: controls, odd Unicode, markup.
ODD_STRINGS = (
    "",
    " ",
    "NUL\x00here",
    "vertical\x0btab and form\x0cfeed",
    "\x1b[31mANSI red\x1b[0m",
    "bell\x07 backspace\x08 DEL\x7f",
    "C1 \x85 next-line \x9b CSI",
    "lone high \ud800 and low \udfff surrogates",
    "paired \ud83d\ude00 surrogates",
    "emoji 👩‍⚕️🧪💉 and flags 🇳🇿",
    "RTL: שלום עולם — مرحبا بالعالم",
    "combining: e\u0301 Z\u0351\u0352\u0353 a\u20dd",
    "bidi \u202eoverride\u202c and \u200fmarks",
    "CRLF\r\nline\rCR\u2028LS\u2029PS",
    "non-characters \ufffe \uffff",
    "tab\there",
    "*bold* _em_ `code` <script>alert(1)</script> [link](http://x) | pipe ~~strike~~ $x$",
    "# not a heading\n> not a quote\n- not a list\n1. not ordered\n---\n===",
    "&amp; &#38; &copy; AT&T",
    "trailing backslash \\",
    "x" * 300,
    "中文 日本語 한국어 full-width ＡＢＣ",
    "\n\nleading and trailing blank lines\n\n",
)
