"""Submission of the form, recorded as a signed addendum to the signed note.

The form is submitted after the note is signed (the REMS allows 7 days), and a signed note never
changes; so submission is an addendum — signed, audited, verified like any other — whose text
has one fixed shape that this module writes and reads back::

    SPRAVATO REMS Patient Monitoring Form (form 2021-11) submitted on 2026-02-04;
    confirmation PMF-0001.
"""

from __future__ import annotations

import datetime as dt
import re

import attrs

from kapnotes.model import Session

__all__ = ["Submission", "submission_of", "submission_text"]

_TEXT = re.compile(
    r"^SPRAVATO REMS Patient Monitoring Form \(form (?P<version>[A-Za-z0-9.-]+)\) submitted on "
    r"(?P<on>\d{4}-\d{2}-\d{2}); confirmation (?P<confirmation>\S(?:.*\S)?)\.$",
    re.ASCII,
)


@attrs.frozen
class Submission:
    """A recorded submission: which form, when, the REMS confirmation, and its addendum."""

    version: str
    on: dt.date
    confirmation: str
    addendum_id: str


def submission_text(version: str, on: dt.date, confirmation: str) -> str:
    """The addendum text recording a submission."""
    confirmation = confirmation.strip()
    if not confirmation or "\n" in confirmation:
        raise ValueError("the confirmation is one non-empty line")
    return (f"SPRAVATO REMS Patient Monitoring Form (form {version}) submitted on "
            f"{on.isoformat()}; confirmation {confirmation}.")


def submission_of(session: Session) -> Submission | None:
    """The latest recorded submission of the session's form, if any."""
    found = None
    for a in session.addenda:
        m = _TEXT.match(a.text)
        if m is not None:
            found = Submission(m["version"], dt.date.fromisoformat(m["on"]),
                               m["confirmation"], a.id)
    return found
