"""Administrations of standardized measures: the raw item responses, scored elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kapnotes.choices import Choice
from kapnotes.model._base import aware, field, json_schema_of, model, valid_id
from kapnotes.model.extensions import Extensions, as_extensions


class Respondent(Choice):
    CLIENT = "client"
    CLINICIAN = "clinician"
    INFORMANT = "informant"


class MeasureContext(Choice):
    """When in care the measure was taken (baseline picks the course's starting score).

    ``HOME`` (format 1.3): taken outside any session, e.g. on a patient portal between sessions.
    Such a measure is one of the course's measures (``TreatmentCourse.measures``) and only
    there; every other context belongs to a session's measures.
    """

    BASELINE = "baseline"
    PRE_DOSE = "pre_dose"
    POST_DOSE = "post_dose"
    FOLLOW_UP = "follow_up"
    ROUTINE = "routine"
    HOME = "home"


def _item(value: int | None) -> str | None:
    if value is None:
        return None
    if not 0 <= value <= 100:
        return f"expected an item response from 0 to 100, got {value}"
    return None


def _items(values: tuple[int | None, ...]) -> tuple[str, str] | None:
    if not values:
        return ("", "expected at least one item response")
    if len(values) > 200:
        return ("", f"expected at most 200 item responses, got {len(values)}")
    for i, v in enumerate(values):
        msg = _item(v)
        if msg:
            return (f"[{i}]", msg)
    return None


json_schema_of(
    _items,
    minItems=1,
    maxItems=200,
    items={"anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "null"}]},
)


@model
class MeasureAdministration:
    """One completed (or partly completed) instrument.

    ``items`` are the raw responses in item order (item 1 first); ``None`` marks a skipped item.
    The instrument's own ranges and item count are checked against the registered instrument
    when a document is loaded (see :mod:`kapnotes.validation`).
    """

    id: str = field(check=valid_id)
    instrument: str = field(check=valid_id, doc="registered instrument name, e.g. 'phq9'")
    administered_at: dt.datetime = field(check=aware)
    items: tuple[int | None, ...] = field(check=_items)
    respondent: Respondent = Respondent.CLIENT
    context: MeasureContext = MeasureContext.ROUTINE
    administered_by: str | None = field(default=None, check=valid_id)
    notes: str | None = None
    extensions: Extensions = field(
        factory=Extensions, converter=as_extensions,
        doc="plugin extension fields by namespace (format 1.2)",
    )

    extension_host: ClassVar[str] = "measure"

    @property
    def at_home(self) -> bool:
        """Taken outside any session (a course's at-home measure, format 1.3)."""
        return self.context is MeasureContext.HOME


def _utc(m: MeasureAdministration) -> tuple[dt.datetime, str]:
    return (m.administered_at.astimezone(dt.timezone.utc), m.id)


def in_time_order(
    measures: tuple[MeasureAdministration, ...] | list[MeasureAdministration],
) -> tuple[MeasureAdministration, ...]:
    """Measures sorted by time (UTC), then id: a course's at-home measures are a set of records,
    so the same record gives the same canonical bytes whatever order it was assembled in."""
    items = tuple(measures)
    if all(isinstance(m, MeasureAdministration) and m.administered_at.tzinfo for m in items):
        return tuple(sorted(items, key=_utc))
    return items
