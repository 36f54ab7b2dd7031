"""Psychotherapy (process) notes, 45 CFR 164.501.

A therapist's notes on the *contents* of a counseling session, kept apart from the record: never
part of a :class:`~kapnotes.model.session.Session`, stored in their own table, left out of every
export unless the caller passes an explicit authorization. They exclude (by the regulation's
definition) medication, monitoring, start/stop times, test results and summaries, so this class
has no fields for any of those.
"""

from __future__ import annotations

import datetime as dt

from kapnotes.model._base import aware, field, model, non_blank, valid_id


@model
class PsychotherapyNote:
    id: str = field(check=valid_id)
    session_id: str = field(check=valid_id)
    author_id: str = field(check=valid_id)
    written_at: dt.datetime = field(check=aware)
    text: str = field(check=non_blank)
