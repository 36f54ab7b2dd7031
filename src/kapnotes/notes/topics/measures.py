"""Topics of measure administrations: each scored with its registered instrument."""

from __future__ import annotations

import attrs

from kapnotes.errors import UnknownNameError
from kapnotes.instruments.base import Instrument, ScoreResult, ScoringError
from kapnotes.model import (
    MeasureAdministration,
)
from kapnotes.notes.format import NoteContext
from kapnotes.notes.wording import (
    LIST_SEP,
    Blocks,
    format_datetime,
    format_items,
    format_value,
    lines,
    table,
)

__all__ = [
    "HOME_CAPTION",
    "MEASURE_COLUMNS",
    "MeasureScore",
    "home_measures",
    "home_measures_blocks",
    "instrument",
    "instrument_title",
    "measure_row",
    "measure_score",
    "measures_topic",
]

# =============================================================================================
# Measures
# =============================================================================================


def instrument(name: str) -> Instrument | None:
    """The registered instrument ``name`` (aliases too), or None when it is not registered.

    A registry that cannot be built because a built-in plugin module is missing (ImportError)
    counts as "not registered": the note still shows the raw responses.
    """
    try:
        from kapnotes.scoring import get_instrument

        return get_instrument(name)
    except (ImportError, UnknownNameError):
        return None


def instrument_title(name: str) -> str:
    """``PHQ-9`` for ``phq9``; the name as recorded for an instrument no plugin registers."""
    found = instrument(name)
    return found.title if found is not None else name


@attrs.frozen
class MeasureScore:
    """How a measure's score is shown: total, band and flags (or why it was not scored)."""

    total: str
    band: str
    flags: str


def _scored(result: ScoreResult) -> MeasureScore:
    flags = [f.message for f in result.flags]
    if not result.complete:
        flags.append(f"incomplete: {result.completeness} items answered")
    band = result.band or (f"risk: {result.risk_level}" if result.risk_level else "")
    total = format_value(result.total) if result.total is not None else "no total"
    return MeasureScore(total=total, band=band, flags=lines(flags))


def measure_score(m: MeasureAdministration) -> MeasureScore:
    """Score ``m`` with its registered instrument, or say why it is not scored."""
    found = instrument(m.instrument)
    if found is None:
        return MeasureScore(total="not scored", band="", flags="instrument not registered")
    try:
        return _scored(found.score(m.items))
    except ScoringError as exc:
        why = LIST_SEP.join(str(p) for p in exc.problems)
        return MeasureScore(total="not scored", band="", flags=f"cannot be scored: {why}")


MEASURE_COLUMNS: tuple[str, ...] = (
    "Instrument",
    "Context",
    "When",
    "Total",
    "Band",
    "Flags",
    "Item responses",
    "Details",
)


def _measure_details(ctx: NoteContext, m: MeasureAdministration) -> str:
    by = f"administered by {ctx.clinician_label(m.administered_by)}" if m.administered_by else ""
    return lines((f"Respondent: {format_value(m.respondent)}", by, m.notes or ""))


def measure_row(ctx: NoteContext, m: MeasureAdministration) -> tuple[str, ...]:
    s = measure_score(m)
    return (
        instrument_title(m.instrument),
        format_value(m.context),
        format_datetime(m.administered_at),
        s.total,
        s.band,
        s.flags,
        format_items(m.items),
        _measure_details(ctx, m),
    )


def measures_topic(ctx: NoteContext) -> Blocks:
    """The session's measures, then the at-home measures it follows (format 1.3)."""
    rows = (measure_row(ctx, m) for m in ctx.session.measures)
    caption = "Standardized measures (item responses in item order; – = not answered)"
    return (*table(MEASURE_COLUMNS, rows, caption), *home_measures_blocks(ctx))


#: The caption of the at-home table (the words a reader looks for).
HOME_CAPTION = (
    "At-home measures since the previous session (answered outside any session, with no "
    "clinician present; item responses in item order; – = not answered)"
)


def home_measures(ctx: NoteContext) -> tuple[MeasureAdministration, ...]:
    """The course's at-home measures taken since the previous session began and up to this
    session's start (:meth:`TreatmentCourse.home_measures_for`), in time order."""
    course = ctx.course
    if course is None or not course.measures:
        return ()
    try:
        return tuple(m for _k, m in course.home_measures_for(ctx.session.id))
    except KeyError:  # the session is not one of this course's
        return ()


def home_measures_blocks(ctx: NoteContext) -> Blocks:
    """A table of :func:`home_measures`, each labelled as at home with its date and time."""
    rows = (measure_row(ctx, m) for m in home_measures(ctx))
    return table(MEASURE_COLUMNS, rows, HOME_CAPTION)


